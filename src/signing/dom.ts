// Strict XML parsing for anything signed or about to be verified: a character XML does not allow, any
// parser warning or error is a failure, and a DOCTYPE is refused (no entity tricks in what we
// canonicalise).
import { DOMParser, type Document, type Element, type Node } from "@xmldom/xmldom";
import { ErrorCode, PasserelleError, type ErrorCode as Code } from "../shared/errors";
import { firstNonXmlChar } from "../shared/xml";
import { DSIG_NS } from "./algorithms";

export function parseXmlStrict(xml: string, code: Code = ErrorCode.InputInvalid): Document {
  // XML 1.0 §2.2 (production [2] Char): NUL, the other C0 controls but tab/LF/CR, lone surrogates and
  // U+FFFE/U+FFFF cannot appear in a document. The DOM parser lets some through (a NUL between
  // attributes reads as a separator), which would let a signature verify over bytes nobody sees.
  const bad = firstNonXmlChar(xml);
  if (bad >= 0) {
    const codePoint = (xml.codePointAt(bad) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    throw new PasserelleError(code, `XML is not well-formed: character U+${codePoint} at offset ${bad} is not allowed in XML (XML 1.0 §2.2 Char)`);
  }
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(xml, "text/xml");
  } catch (e) {
    throw new PasserelleError(code, `XML is not well-formed: ${(e as Error).message}`, {}, { cause: e });
  }
  if (doc.doctype) throw new PasserelleError(code, "a DOCTYPE is not allowed here");
  if (!doc.documentElement) throw new PasserelleError(code, "XML has no root element");
  return doc;
}

export function childElements(parent: Node, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let c = parent.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === c.ELEMENT_NODE) {
      const e = c as Element;
      if (e.namespaceURI === ns && e.localName === localName) out.push(e);
    }
  }
  return out;
}

export function descendantElements(root: Node, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  const walk = (n: Node): void => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType !== c.ELEMENT_NODE) continue;
      const e = c as Element;
      if (e.namespaceURI === ns && e.localName === localName) out.push(e);
      walk(e);
    }
  };
  walk(root);
  return out;
}

/** The text of an element that must hold only text (no comment, element or PI splitting it). */
export function pureText(e: Element, code: Code, what: string): string {
  let text = "";
  for (let c = e.firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== c.TEXT_NODE) throw new PasserelleError(code, `${what} must contain only text`, { location: what });
    text += c.nodeValue ?? "";
  }
  return text;
}

/**
 * Removes the enveloped ds:Signature children of the root (a document seal, sign.ts) and says how many
 * there were: for work on the content (schema validation, country-B translation) of a signed document.
 * This checks nothing: verifyDocument() is how a signature is trusted.
 */
export function removeEnvelopedSignatures(doc: Document): number {
  const root = doc.documentElement;
  if (!root) return 0;
  const signatures = childElements(root, DSIG_NS, "Signature");
  for (const s of signatures) root.removeChild(s);
  return signatures.length;
}
