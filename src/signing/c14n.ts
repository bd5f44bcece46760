// Exclusive XML Canonicalization 1.0 without comments (https://www.w3.org/TR/xml-exc-c14n/) of a
// whole document's root element, computed in one pass over the text, with no DOM. Used to seal
// documents fast (sign.ts) and to check signatures (exc-check.ts). It is also a strict
// well-formedness check: no DOCTYPE, tags must match, only the five predefined entities and
// character references, namespace prefixes declared, no duplicate attributes.
//   - c14n §2.1/§2.3: empty elements as start+end tags, attributes sorted by (namespace URI, local
//     name), text escapes & < > #xD, attribute escapes & < " #x9 #xA #xD, CDATA as text, line ends
//     normalised, comments dropped (same-document URI dereference), PIs inside the root kept;
//   - exc-c14n §3: a namespace declaration is output only where it is visibly utilised (element or
//     attribute prefix) and not already output with the same value by an output ancestor;
//     xmlns="" only where an output ancestor put a non-empty default namespace in force;
//   - exc-c14n §3 InclusiveNamespaces PrefixList (options.inclusivePrefixes, "#default" = the
//     default namespace): a listed prefix is treated as by inclusive c14n 1.0 §2.3/§4.7, rendered on
//     every element where it is in scope unless an output ancestor already rendered the same binding
//     (for #default: xmlns="" where an output ancestor rendered a non-empty default and none is in
//     scope). A listed prefix that is not in scope renders nothing; "xml" never does.
import { ErrorCode, PasserelleError } from "../shared/errors";
import { cleanXmlText } from "../shared/xml";

export const XML_NS = "http://www.w3.org/XML/1998/namespace";

export interface CanonicalDocument {
  /** The exc-c14n form of the root element. */
  canonical: string;
  /** The document with line ends normalised and processing instructions outside the root removed. */
  text: string;
  /** Offset in `text` where a last child of the root can be inserted (the root's end tag, or its "/>"). */
  rootCloseAt: number;
  /** True when the root was written `<root/>`: inserting needs the end tag. */
  rootSelfClosing: boolean;
  rootQName: string;
  /** Namespace URI and local name of every element, for callers that must refuse some elements. */
  hasElement: (ns: string, localName: string) => boolean;
}

const NAME = "[A-Za-z_\\u00C0-\\uFFFF][-A-Za-z0-9._:\\u00B7\\u00C0-\\uFFFF]*";
const START_TAG = new RegExp(`<(${NAME})`, "y");
const ATTRIBUTE = new RegExp(`\\s+(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, "y");
const TAG_END = /\s*(\/?)>/y;
const END_TAG = new RegExp(`</(${NAME})\\s*>`, "y");
const PI = new RegExp(`<\\?(${NAME})(?:(\\s+)([\\s\\S]*?))?\\?>`, "y");
const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));/g;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function fail(message: string, at?: number): never {
  throw new PasserelleError(ErrorCode.DocumentInvalid, `XML is not well-formed: ${message}${at === undefined ? "" : ` (offset ${at})`}`);
}

function decode(raw: string, at: number): string {
  if (!raw.includes("&")) return raw;
  if (raw.replace(ENTITY, "").includes("&")) fail("'&' that is not a character or predefined entity reference", at);
  return raw.replace(ENTITY, (_m, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named) return PREDEFINED[named] as string;
    const cp = dec !== undefined ? parseInt(dec, 10) : parseInt(hex as string, 16);
    if (!(cp > 0 && cp <= 0x10ffff)) fail("bad character reference", at);
    const ch = String.fromCodePoint(cp);
    if (cleanXmlText(ch) !== ch) fail("character reference to a non-XML character", at);
    return ch;
  });
}

const NEEDS_TEXT_ESCAPE = /[&<>\r]/;
const NEEDS_ATTR_ESCAPE = /[&<"\t\n\r]/;
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const escapeText = (s: string): string => !NEEDS_TEXT_ESCAPE.test(s) ? s : s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r/g, "&#xD;");
const escapeAttr = (s: string): string =>
  !NEEDS_ATTR_ESCAPE.test(s) ? s : s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;").replace(/\t/g, "&#x9;").replace(/\n/g, "&#xA;").replace(/\r/g, "&#xD;");

type Scope = Record<string, string>;
interface Open {
  qname: string;
  scope: Scope;
  rendered: Scope;
}

export interface CanonicalizeOptions {
  /**
   * The InclusiveNamespaces PrefixList of the exc-c14n algorithm (exc-c14n §3): prefixes, "#default"
   * for the default namespace. parsePrefixList() reads the attribute.
   */
  inclusivePrefixes?: readonly string[];
}

const PREFIX_TOKEN = /^(?:#default|[A-Za-z_\u00C0-\uFFFF][-A-Za-z0-9._\u00B7\u00C0-\uFFFF]*)$/;

/**
 * The PrefixList attribute (exc-c14n §3: NMTOKENS, whitespace separated; each an NCName or
 * "#default"); undefined when a token is neither, for callers to refuse.
 */
export function parsePrefixList(value: string): string[] | undefined {
  const tokens = value.split(/[ \t\n\r]+/).filter((t) => t.length > 0);
  return tokens.every((t) => PREFIX_TOKEN.test(t)) ? tokens : undefined;
}

export function canonicalizeDocument(input: string, options: CanonicalizeOptions = {}): CanonicalDocument {
  // The listed prefixes, "" for #default, without "xml" (never rendered) and duplicates.
  const inclusive = [...new Set((options.inclusivePrefixes ?? []).map((p) => (p === "#default" ? "" : p)))].filter((p) => p !== "xml");
  let xml = input.replace(/\r\n?/g, "\n");
  if (xml.charCodeAt(0) === 0xfeff) xml = xml.slice(1);
  if (NOT_XML_CHAR.test(xml)) fail("characters not allowed in XML");

  const removed: [number, number][] = []; // top-level PIs to drop from the text
  const elements = new Set<string>();
  let out = "";
  let pos = 0;
  let rootCloseAt = -1;
  let rootSelfClosing = false;
  let rootQName = "";

  const skipMisc = (afterRoot: boolean): void => {
    for (;;) {
      while (pos < xml.length && /\s/.test(xml[pos] as string)) pos++;
      if (xml.startsWith("<!--", pos)) {
        const end = xml.indexOf("-->", pos + 4);
        if (end < 0) fail("unterminated comment", pos);
        pos = end + 3;
      } else if (xml.startsWith("<?", pos)) {
        PI.lastIndex = pos;
        const m = PI.exec(xml);
        if (!m) fail("bad processing instruction", pos);
        const isDecl = (m[1] as string).toLowerCase() === "xml";
        if (isDecl && pos !== 0) fail("XML declaration not at the start", pos);
        if (!isDecl) removed.push([pos, PI.lastIndex]);
        pos = PI.lastIndex;
      } else if (xml.startsWith("<!", pos)) {
        fail("DOCTYPE and other declarations are not allowed", pos);
      } else if (afterRoot && pos < xml.length) {
        fail("content after the root element", pos);
      } else return;
    }
  };

  skipMisc(false);
  if (xml[pos] !== "<") fail("no root element", pos);
  const stack: Open[] = [];
  const base: Scope = Object.create(null) as Scope;
  base["xml"] = XML_NS;
  const baseRendered: Scope = Object.create(null) as Scope;
  baseRendered[""] = "";
  baseRendered["xml"] = XML_NS;

  while (pos < xml.length) {
    const lt = xml.indexOf("<", pos);
    if (lt < 0) fail("unterminated element", pos);
    if (lt > pos) {
      const raw = xml.slice(pos, lt);
      if (raw.includes("]]>")) fail("']]>' in text", pos);
      out += escapeText(decode(raw, pos));
      pos = lt;
    }
    if (xml.startsWith("</", pos)) {
      END_TAG.lastIndex = pos;
      const m = END_TAG.exec(xml);
      const top = stack.pop();
      if (!m || !top || m[1] !== top.qname) fail(`end tag does not match <${top?.qname ?? "?"}>`, pos);
      out += `</${top.qname}>`;
      if (stack.length === 0) {
        rootCloseAt = pos;
        pos = END_TAG.lastIndex;
        break;
      }
      pos = END_TAG.lastIndex;
    } else if (xml.startsWith("<!--", pos)) {
      const end = xml.indexOf("-->", pos + 4);
      if (end < 0) fail("unterminated comment", pos);
      pos = end + 3;
    } else if (xml.startsWith("<![CDATA[", pos)) {
      const end = xml.indexOf("]]>", pos + 9);
      if (end < 0) fail("unterminated CDATA section", pos);
      out += escapeText(xml.slice(pos + 9, end));
      pos = end + 3;
    } else if (xml.startsWith("<?", pos)) {
      PI.lastIndex = pos;
      const m = PI.exec(xml);
      if (!m || (m[1] as string).toLowerCase() === "xml") fail("bad processing instruction", pos);
      out += m[3] ? `<?${m[1]} ${m[3]}?>` : `<?${m[1]}?>`;
      pos = PI.lastIndex;
    } else if (xml.startsWith("<!", pos)) {
      fail("declaration inside the root element", pos);
    } else {
      const tagStart = pos;
      START_TAG.lastIndex = pos;
      const m = START_TAG.exec(xml);
      if (!m) fail("bad start tag", pos);
      const qname = m[1] as string;
      pos = START_TAG.lastIndex;
      const parent = stack[stack.length - 1];
      const parentScope = parent ? parent.scope : base;
      let scope = parentScope;
      const attrs: { qname: string; value: string }[] = [];
      for (;;) {
        ATTRIBUTE.lastIndex = pos;
        const a = ATTRIBUTE.exec(xml);
        if (!a) break;
        pos = ATTRIBUTE.lastIndex;
        const name = a[1] as string;
        const value = decode((a[2] ?? a[3] ?? "").replace(/[\t\n]/g, " "), pos);
        if (name === "xmlns" || name.startsWith("xmlns:")) {
          const prefix = name === "xmlns" ? "" : name.slice(6);
          if (scope === parentScope) scope = Object.create(parentScope) as Scope;
          else if (Object.prototype.hasOwnProperty.call(scope, prefix)) fail(`duplicate attribute ${name}`, pos);
          if (prefix && (!value || prefix === "xmlns" || (prefix === "xml") !== (value === XML_NS))) fail(`bad namespace declaration ${name}`, pos);
          scope[prefix] = value;
        } else {
          if (attrs.some((x) => x.qname === name)) fail(`duplicate attribute ${name}`, pos);
          attrs.push({ qname: name, value });
        }
      }
      TAG_END.lastIndex = pos;
      const end = TAG_END.exec(xml);
      if (!end) fail(`bad start tag <${qname}>`, pos);
      pos = TAG_END.lastIndex;
      const selfClosing = end[1] === "/";

      const [prefix, local] = splitQName(qname, tagStart);
      const uri = prefix ? scope[prefix] : (scope[""] ?? "");
      if (uri === undefined) fail(`undeclared prefix ${prefix}`, tagStart);
      elements.add(`${uri}|${local}`);
      const utilised = [prefix];
      const sorted = attrs.map((at) => {
        const [p, l] = splitQName(at.qname, tagStart);
        const ns = p ? scope[p] : "";
        if (ns === undefined) fail(`undeclared prefix ${p}`, tagStart);
        if (p && p !== "xml" && !utilised.includes(p)) utilised.push(p);
        return { ns, local: l, qname: at.qname, value: at.value };
      });
      if (sorted.length > 1) sorted.sort((x, y) => (x.ns < y.ns ? -1 : x.ns > y.ns ? 1 : x.local < y.local ? -1 : x.local > y.local ? 1 : 0));

      for (let i = 1; i < sorted.length; i++) {
        const x = sorted[i - 1] as (typeof sorted)[number];
        const y = sorted[i] as (typeof sorted)[number];
        if (x.ns === y.ns && x.local === y.local) fail(`duplicate attribute {${x.ns}}${x.local}`, tagStart);
      }
      const parentRendered = parent ? parent.rendered : baseRendered;
      let rendered = parentRendered;
      const decls: string[] = [];
      for (const p of inclusive) if (!utilised.includes(p) && (p === "" || scope[p] !== undefined)) utilised.push(p);
      if (utilised.length > 1) utilised.sort();
      for (const p of utilised) {
        if (p === "xml") continue;
        const nsUri = p ? (scope[p] as string) : (scope[""] ?? "");
        if (rendered[p] === nsUri) continue;
        if (rendered === parentRendered) rendered = Object.create(parentRendered) as Scope;
        rendered[p] = nsUri;
        decls.push(p ? ` xmlns:${p}="${escapeAttr(nsUri)}"` : ` xmlns="${escapeAttr(nsUri)}"`);
      }
      out += `<${qname}${decls.join("")}`;
      for (const at of sorted) out += ` ${at.qname}="${escapeAttr(at.value)}"`;
      out += ">";
      if (stack.length === 0) {
        rootQName = qname;
        if (selfClosing) {
          rootSelfClosing = true;
          rootCloseAt = pos - 2 - (end[0].length - 2);
          out += `</${qname}>`;
          break;
        }
      }
      if (selfClosing) out += `</${qname}>`;
      else stack.push({ qname, scope, rendered });
    }
  }
  if (rootCloseAt < 0) fail("unterminated root element", pos);
  skipMisc(true);

  let text = xml;
  for (let i = removed.length - 1; i >= 0; i--) {
    const [from, to] = removed[i] as [number, number];
    text = text.slice(0, from) + text.slice(to);
    if (from < rootCloseAt) rootCloseAt -= to - from;
  }
  return { canonical: out, text, rootCloseAt, rootSelfClosing, rootQName, hasElement: (ns, l) => elements.has(`${ns}|${l}`) };
}

function splitQName(qname: string, at: number): [string, string] {
  const i = qname.indexOf(":");
  if (i < 0) return ["", qname];
  const prefix = qname.slice(0, i);
  const local = qname.slice(i + 1);
  if (!prefix || !local || local.includes(":")) fail(`bad qualified name ${qname}`, at);
  return [prefix, local];
}
