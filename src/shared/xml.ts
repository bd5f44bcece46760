// The one place that serialises XML (DESIGN.md convention 1). Builders make a tree of XElement and
// call serialize(); nothing else concatenates markup, so escaping happens in exactly one spot.

export type XNode = XElement | string;
export type XAttrs = Record<string, string | number | boolean | undefined | null>;

export interface XElement {
  readonly name: string;
  readonly attrs: XAttrs;
  readonly children: XNode[];
}

/** Build an element. Undefined/null attributes and children are dropped, arrays are flattened. */
export function el(name: string, attrs: XAttrs = {}, ...children: XChild[]): XElement {
  return { name, attrs, children: flatten(children) };
}

export type XChild = XNode | undefined | null | false | XChild[];

function flatten(children: XChild[]): XNode[] {
  const out: XNode[] = [];
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) out.push(...flatten(c));
    else out.push(c);
  }
  return out;
}

// XML 1.0 §2.2 Char: tab, LF, CR and U+0020.. except surrogates and U+FFFE/U+FFFF. Anything else
// (NUL, other C0 controls, lone surrogates) cannot appear in a document even escaped: it is dropped.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function cleanXmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, "");
}

/** Index (UTF-16) of the first character XML 1.0 §2.2 does not allow in `s`, or -1 when there is none. */
export function firstNonXmlChar(s: string): number {
  return s.search(NOT_XML_CHAR);
}

export function escapeText(s: string): string {
  return cleanXmlText(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, "&quot;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;");
}

export function serialize(root: XElement, options: { declaration?: boolean; indent?: boolean } = {}): string {
  const parts: string[] = [];
  if (options.declaration !== false) parts.push('<?xml version="1.0" encoding="UTF-8"?>');
  write(root, parts, options.indent ? 0 : -1);
  return parts.join(options.indent ? "\n" : "");
}

function write(node: XElement, out: string[], depth: number): void {
  const pad = depth >= 0 ? "  ".repeat(depth) : "";
  let open = `${pad}<${node.name}`;
  for (const [k, v] of Object.entries(node.attrs)) {
    if (v === undefined || v === null) continue;
    open += ` ${k}="${escapeAttr(String(v))}"`;
  }
  if (node.children.length === 0) {
    out.push(`${open}/>`);
    return;
  }
  const onlyText = node.children.every((c) => typeof c === "string");
  if (onlyText || depth < 0) {
    const inner: string[] = [];
    for (const c of node.children) {
      if (typeof c === "string") inner.push(escapeText(c));
      else write(c, inner, -1);
    }
    out.push(`${open}>${inner.join("")}</${node.name}>`);
    return;
  }
  out.push(`${open}>`);
  for (const c of node.children) {
    if (typeof c === "string") out.push(`${"  ".repeat(depth + 1)}${escapeText(c)}`);
    else write(c, out, depth + 1);
  }
  out.push(`${pad}</${node.name}>`);
}
