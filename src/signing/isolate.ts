// The text of one element of a parsed document as a standalone document, for verifying a signature
// over that element without handing the whole (larger) document to the verifier (verify.ts).
//
// Why this is equivalent for what we verify. The only transforms and canonicalisation we accept are
// enveloped-signature and Exclusive XML Canonicalization 1.0 (algorithms.ts). Exclusive c14n of an
// element's subtree depends on the element's context only through the namespace nodes in scope:
//  - Exc-c14n §1.1 and §3: a namespace node is output only where an element or attribute visibly
//    utilises its prefix (or where its prefix is on the InclusiveNamespaces PrefixList, then with the
//    in-scope value), and only if an *output* ancestor has not already output the same binding. The
//    ancestors of the referenced element are not in its node-set, so nothing from them is "already
//    output": what the ancestors contribute is exactly the set of namespace bindings in scope.
//  - Exc-c14n §1.1 (and §3, the "xml:" attributes rule of c14n 1.0 §2.4 is not applied): attributes
//    in the xml namespace (xml:lang, xml:space, xml:base) are NOT imported from the ancestors.
// So declaring every binding in scope at the element on the isolated root (the element's own
// declarations win over its ancestors', the nearest ancestor over farther ones) and copying nothing
// else gives the same in-scope namespaces, hence the same canonical bytes for the element, for every
// descendant (the ds:Signature and its SignedInfo included) and for any PrefixList.
//
// The text is written here from the DOM, not by the DOM library's serializer (which renames
// unprefixed elements in some namespace contexts and deep-copies to leave a node out): every element
// and attribute under the qualified name it was parsed with, the namespace declarations where they
// were (plus the in-scope ones on the root), text and attribute values escaped so that they read back
// identical (a CR in text can only come from &#13; and is written &#13;; TAB/LF/CR in attributes
// likewise), CDATA as escaped text, processing instructions as they are. Comments are left out:
// exc-c14n without comments (the only one accepted) drops them anyway.
import type { Element, Node, ProcessingInstruction } from "@xmldom/xmldom";

/** Every namespace binding in scope at `element` (prefix "" = the default namespace). */
export function namespacesInScope(element: Element): Map<string, string> {
  const scope = new Map<string, string>();
  for (let n: Node | null = element; n && n.nodeType === n.ELEMENT_NODE; n = n.parentNode) {
    const e = n as Element;
    for (let i = 0; i < e.attributes.length; i++) {
      const a = e.attributes.item(i);
      if (!a) continue;
      const prefix = a.name === "xmlns" ? "" : a.name.startsWith("xmlns:") ? a.name.slice(6) : null;
      if (prefix !== null && !scope.has(prefix)) scope.set(prefix, a.value);
    }
  }
  return scope;
}

const escapeText = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r/g, "&#13;");
const escapeAttribute = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;");

function startTag(e: Element, extra: string): string {
  let tag = `<${e.tagName}`;
  for (let i = 0; i < e.attributes.length; i++) {
    const a = e.attributes.item(i);
    if (a) tag += ` ${a.name}="${escapeAttribute(a.value)}"`;
  }
  return `${tag}${extra}>`;
}

function write(n: Node, out: string[], skip: Node | undefined): void {
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c === skip) continue;
    switch (c.nodeType) {
      case c.ELEMENT_NODE:
        out.push(startTag(c as Element, ""));
        write(c, out, undefined);
        out.push(`</${(c as Element).tagName}>`);
        break;
      case c.TEXT_NODE:
      case c.CDATA_SECTION_NODE:
        out.push(escapeText(c.nodeValue ?? ""));
        break;
      case c.PROCESSING_INSTRUCTION_NODE: {
        const pi = c as ProcessingInstruction;
        out.push(pi.data ? `<?${pi.target} ${pi.data}?>` : `<?${pi.target}?>`);
        break;
      }
      default: // comments: not part of exc-c14n without comments
    }
  }
}

/**
 * `element` (and its subtree) as the text of a document of its own, whose root declares every
 * namespace binding in scope at `element`; `without`, a child of `element`, is left out (the
 * enveloped-signature transform). Does not modify the input document.
 */
export function isolateElement(element: Element, without?: Element): string {
  if (without && without.parentNode !== element) throw new Error("isolateElement: `without` is not a child of the element");
  let declarations = "";
  for (const [prefix, uri] of namespacesInScope(element)) {
    // An empty value is an undeclaration of the default namespace: nothing in scope, nothing to write.
    if (prefix === "xml" || uri === "") continue;
    const name = prefix ? `xmlns:${prefix}` : "xmlns";
    if (!element.hasAttribute(name)) declarations += ` ${name}="${escapeAttribute(uri)}"`;
  }
  const out = [startTag(element, declarations)];
  write(element, out, without);
  out.push(`</${element.tagName}>`);
  return out.join("");
}
