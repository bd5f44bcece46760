// Finding the assertions of an inbound request: the wsse:Security header block of the SOAP header
// (a whole envelope or the header alone), its direct saml:Assertion children sorted by their
// Issuer/@NameQualifier, and the WS-Addressing MessageID (the replay key).
import type { Document, Element } from "@xmldom/xmldom";
import { childElements, parseXmlStrict } from "../signing/dom";
import { AssertionKinds, SAML_NS, SOAP11_NS, SOAP12_NS, WSA_NS, WSSE_NS, type AssertionKind } from "./vocabulary";
import { refuse } from "./refusal";

export interface FoundAssertion {
  readonly kind: AssertionKind;
  readonly id: string;
  readonly element: Element;
}

export interface SecurityHeader {
  readonly document: Document;
  /** The WS-Addressing MessageID, trimmed; undefined when absent. */
  readonly messageId: string | undefined;
  readonly hcp: FoundAssertion;
  readonly trc: FoundAssertion | undefined;
  readonly nok: FoundAssertion | undefined;
}

/** xs:ID is an NCName: a letter or underscore first, no colon, no space. */
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

function soapHeader(doc: Document): Element {
  const root = doc.documentElement as Element;
  const isSoap = (e: Element) => e.namespaceURI === SOAP12_NS || e.namespaceURI === SOAP11_NS;
  if (isSoap(root) && root.localName === "Header") return root;
  if (isSoap(root) && root.localName === "Envelope") {
    const headers = childElements(root, root.namespaceURI as string, "Header");
    if (headers.length === 1 && headers[0]) return headers[0];
    throw refuse("1001", "header", `the SOAP envelope has ${headers.length} Header elements (exactly one expected)`);
  }
  throw refuse("1001", "header", `expected a SOAP Envelope or Header, found ${root.localName}`);
}

function textOf(e: Element): string {
  return (e.textContent ?? "").trim();
}

export function readSecurityHeader(xml: string): SecurityHeader {
  // parseXmlStrict refuses characters XML 1.0 §2.2 does not allow (a NUL, other C0 controls) too; the
  // strict base64 of the signatures is checked where they are verified (src/signing/verify.ts).
  let document: Document;
  try {
    document = parseXmlStrict(xml);
  } catch (e) {
    throw refuse("1001", "header", (e as Error).message);
  }
  const header = soapHeader(document);
  const securities = childElements(header, WSSE_NS, "Security");
  if (securities.length !== 1 || !securities[0]) throw refuse("1001", "header", `expected one wsse:Security header, found ${securities.length}`);
  const security = securities[0];

  const messageIds = childElements(header, WSA_NS, "MessageID");
  if (messageIds.length > 1) throw refuse("1001", "header", `${messageIds.length} WS-Addressing MessageID headers`);
  const messageId = messageIds[0] ? textOf(messageIds[0]) : undefined;

  const found: Record<AssertionKind, FoundAssertion[]> = { hcp: [], trc: [], nok: [] };
  for (const element of childElements(security, SAML_NS, "Assertion")) {
    const issuers = childElements(element, SAML_NS, "Issuer");
    const qualifier = issuers.length === 1 ? issuers[0]?.getAttribute("NameQualifier") : null;
    const kind = (Object.keys(AssertionKinds) as AssertionKind[]).find((k) => AssertionKinds[k] === qualifier);
    if (!kind) throw refuse("1001", "header", `an assertion has ${issuers.length === 1 ? `an unknown Issuer NameQualifier ${JSON.stringify(qualifier)}` : `${issuers.length} Issuer elements`}`);
    const id = element.getAttribute("ID") ?? "";
    if (!NCNAME.test(id)) throw refuse("1001", kind, `the ${kind.toUpperCase()} assertion has no valid ID`);
    found[kind].push({ kind, id, element });
  }
  for (const kind of ["trc", "nok"] as const) {
    if (found[kind].length > 1) throw refuse("1001", kind, `${found[kind].length} ${kind.toUpperCase()} assertions (at most one allowed)`);
  }
  if (found.hcp.length !== 1 || !found.hcp[0]) throw refuse("1001", "hcp", `expected exactly one HCP identity assertion, found ${found.hcp.length}`);
  return { document, messageId, hcp: found.hcp[0], trc: found.trc[0], nok: found.nok[0] };
}
