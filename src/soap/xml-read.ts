// Safe reading of inbound SOAP XML: a byte limit set by the caller, no DTD at all (no entity
// expansion, no external fetch: REFERENCE.md "Transport", issue 5 "no XML entity expansion"),
// control characters refused, every parser warning fatal (signing/dom parseXmlStrict), and a
// nesting-depth limit so no later walk can be driven into a stack overflow. Plus the few accessors
// the message readers share. Every failure is a PasserelleError carrying details.reason.
import type { Document, Element, Node } from "@xmldom/xmldom";
import { ErrorCode, PasserelleError, type ErrorCode as Code } from "../shared/errors";
import { cleanXmlText } from "../shared/xml";
import { childElements, parseXmlStrict } from "../signing/dom";

export interface XmlLimits {
  /** Largest accepted message in bytes (UTF-8). */
  maxBytes: number;
  /** Deepest accepted element nesting (default 100; eHDSI messages stay under 30). */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 100;

export type ReadFailure = "too-large" | "doctype" | "control-character" | "not-well-formed" | "too-deep" | "structure";

export function readFailure(reason: ReadFailure, message: string, location?: string, code: Code = ErrorCode.InputInvalid): PasserelleError {
  return new PasserelleError(code, message, { reason, ...(location ? { location } : {}) });
}

/** Parse untrusted XML text under the limits; throws PasserelleError (INPUT_TOO_LARGE or INPUT_INVALID). */
export function readXml(xml: string, limits: XmlLimits): Document {
  const size = Buffer.byteLength(xml, "utf8");
  if (size > limits.maxBytes) throw readFailure("too-large", `message is ${size} bytes, over the limit of ${limits.maxBytes}`, undefined, ErrorCode.InputTooLarge);
  // A DTD is never legitimate in SOAP (SOAP 1.2 Part 1 §5: "A SOAP message MUST NOT contain a Document
  // Type Declaration"); refusing it before parsing means no entity is ever declared, let alone expanded.
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) throw readFailure("doctype", "a DOCTYPE or ENTITY declaration is not allowed in a SOAP message");
  // XML 1.0 §2.2: NUL and most C0 controls are not characters of a document, even escaped.
  if (cleanXmlText(xml) !== xml) throw readFailure("control-character", "the message contains characters XML does not allow (control characters)");
  let doc: Document;
  try {
    doc = parseXmlStrict(xml);
  } catch (e) {
    throw readFailure("not-well-formed", (e as Error).message.split("\n")[0] ?? "XML is not well-formed");
  }
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const depth = elementDepth(doc.documentElement as Element, maxDepth);
  if (depth > maxDepth) throw readFailure("too-deep", `elements are nested deeper than ${maxDepth} levels`);
  return doc;
}

/** Depth of the element tree, computed without recursion; stops counting past `stopAt`. */
function elementDepth(root: Element, stopAt: number): number {
  let max = 0;
  const stack: Array<[Node, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) max = depth;
    if (max > stopAt) return max;
    for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE) stack.push([c, depth + 1]);
  }
  return max;
}

/** "{namespace}local" for messages. */
export function qname(e: Element): string {
  return `{${e.namespaceURI ?? ""}}${e.localName}`;
}

export function elementChildren(parent: Node): Element[] {
  const out: Element[] = [];
  for (let c = parent.firstChild; c; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE) out.push(c as Element);
  return out;
}

/** The one child ns:local; absent or repeated is a structure failure at `where`. */
export function onlyChild(parent: Element, ns: string, local: string, where: string): Element {
  const found = childElements(parent, ns, local);
  if (found.length !== 1 || !found[0]) throw readFailure("structure", `${where}: expected one ${local}, found ${found.length}`, `${where}/${local}`);
  return found[0];
}

/** The child ns:local if present; repeated is a structure failure. */
export function optionalChild(parent: Element, ns: string, local: string, where: string): Element | undefined {
  const found = childElements(parent, ns, local);
  if (found.length > 1) throw readFailure("structure", `${where}: more than one ${local}`, `${where}/${local}`);
  return found[0];
}

/** Trimmed text content; undefined when empty. */
export function textOf(e: Element | undefined): string | undefined {
  const t = e?.textContent?.trim();
  return t ? t : undefined;
}

/** An attribute, trimmed; undefined when absent or blank. */
export function attrOf(e: Element | undefined, name: string): string | undefined {
  const v = e?.getAttribute(name)?.trim();
  return v ? v : undefined;
}

export function requiredAttr(e: Element, name: string, where: string): string {
  const v = attrOf(e, name);
  if (v === undefined) throw readFailure("structure", `${where}: attribute ${name} is missing`, `${where}/@${name}`);
  return v;
}

export { childElements };
