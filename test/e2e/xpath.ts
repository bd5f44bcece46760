// Reading the answers in tests: namespace-aware XPath over the envelope the foreign gateway received.
import { DOMParser } from "@xmldom/xmldom";
import xpath from "xpath";

const select = xpath.useNamespaces({
  env: "http://www.w3.org/2003/05/soap-envelope",
  wsa: "http://www.w3.org/2005/08/addressing",
  hl7: "urn:hl7-org:v3",
  rim: "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0",
  rs: "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0",
  query: "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0",
  xdsb: "urn:ihe:iti:xds-b:2007",
});

export function values(xml: string, expr: string): string[] {
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const found = select(expr, doc as unknown as Node) as unknown;
  const nodes = Array.isArray(found) ? found : [found];
  return nodes.map((n) => (typeof n === "object" && n !== null ? ((n as Node).nodeValue ?? (n as Node).textContent ?? "") : String(n)));
}

export const value = (xml: string, expr: string): string | undefined => values(xml, expr)[0];
