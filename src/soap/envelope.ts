// SOAP 1.2 envelopes (http://www.w3.org/2003/05/soap-envelope): reading a request safely into its
// parts, and writing answers and requests with the one XML writer (shared/xml.ts).
import { randomUUID } from "node:crypto";
import type { Document, Element } from "@xmldom/xmldom";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { el, serialize, type XElement } from "../shared/xml";
import { readAddressing, readReplyAddressing, replyHeaderBlocks, requestHeaderBlocks, type Addressing, type ReplyAddressing, type RequestAddressing } from "./addressing";
import { actionNotSupported, faultError, type QName } from "./faults";
import { SOAP11_NS, SOAP12_NS, transactionOfAction, WSA_NS, WSSE_NS, type Transaction } from "./namespaces";
import { childElements, elementChildren, qname, readXml, type XmlLimits } from "./xml-read";

export interface SoapRequest {
  doc: Document;
  envelope: Element;
  header: Element;
  /** The first (and only) element child of env:Body: the transaction's message. */
  body: Element;
  addressing: Addressing;
  /** The wsse:Security header block, if any (its assertions are checked by saml/). */
  security: Element | undefined;
}

/** Header blocks this gateway processes: WS-Addressing and WS-Security. */
export function understoodByDefault(block: Element): boolean {
  return block.namespaceURI === WSA_NS || (block.namespaceURI === WSSE_NS && block.localName === "Security");
}

const OUR_ROLES = new Set(["http://www.w3.org/2003/05/soap-envelope/role/next", "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"]);

/** SOAP 1.2 Part 1 §5.2.2–5.2.3: a block must be understood when it targets us and says mustUnderstand. */
function mustUnderstand(block: Element): boolean {
  const role = block.getAttributeNS(SOAP12_NS, "role")?.trim();
  if (role && !OUR_ROLES.has(role)) return false;
  const v = block.getAttributeNS(SOAP12_NS, "mustUnderstand")?.trim();
  return v === "true" || v === "1";
}

/**
 * Parse a SOAP 1.2 request. Throws PasserelleError: size, DOCTYPE and well-formedness problems from
 * readXml (details.reason), and structure problems carrying details.fault (faults.ts) so the edge
 * answers with the right SOAP fault.
 */
export function parseEnvelope(xml: string, limits: XmlLimits, understood: (block: Element) => boolean = understoodByDefault): SoapRequest {
  const parts = readEnvelopeParts(xml, limits, understood);
  return { ...parts, addressing: readAddressing(parts.header) };
}

export interface SoapResponse extends Omit<SoapRequest, "addressing"> {
  addressing: ReturnType<typeof readReplyAddressing>;
}

/** Parse an answer we received (country B): as parseEnvelope, but its MessageID may be absent. */
export function parseResponseEnvelope(xml: string, limits: XmlLimits, understood: (block: Element) => boolean = understoodByDefault): SoapResponse {
  const parts = readEnvelopeParts(xml, limits, understood);
  return { ...parts, addressing: readReplyAddressing(parts.header) };
}

function readEnvelopeParts(xml: string, limits: XmlLimits, understood: (block: Element) => boolean): Omit<SoapRequest, "addressing"> {
  const doc = readXml(xml, limits);
  const envelope = doc.documentElement as Element;
  if (envelope.localName === "Envelope" && envelope.namespaceURI === SOAP11_NS) {
    // SOAP 1.2 Part 1 §5.4.7: an envelope of another SOAP version is a VersionMismatch.
    throw faultError({ code: "VersionMismatch" }, "a SOAP 1.1 envelope; this endpoint speaks SOAP 1.2 only", "not-soap");
  }
  if (envelope.localName !== "Envelope" || envelope.namespaceURI !== SOAP12_NS) {
    throw faultError({ code: "Sender" }, `the root element is ${qname(envelope)}, not a SOAP 1.2 Envelope`, "not-soap");
  }
  const children = elementChildren(envelope);
  const [first, second] = children;
  const isSoap = (e: Element | undefined, local: string) => e?.namespaceURI === SOAP12_NS && e.localName === local;
  // SOAP 1.2 Part 1 §5.1: an optional Header, then exactly one Body, nothing else.
  const header = isSoap(first, "Header") ? first : undefined;
  const bodyElement = header ? second : first;
  if (!bodyElement || !isSoap(bodyElement, "Body") || children.length !== (header ? 2 : 1)) {
    throw faultError({ code: "Sender" }, "the envelope must hold an optional Header then one Body, and nothing else", "not-soap");
  }
  if (!header) throw faultError({ code: "Sender", subcode: { ns: WSA_NS, local: "MessageAddressingHeaderRequired" } }, "the envelope has no Header (WS-Addressing Action is required)", "addressing");

  const notUnderstood: QName[] = elementChildren(header)
    .filter((b) => mustUnderstand(b) && !understood(b))
    .map((b) => ({ ns: b.namespaceURI ?? "", local: b.localName ?? "" }));
  if (notUnderstood.length > 0) {
    throw faultError({ code: "MustUnderstand", notUnderstood }, `header blocks not understood: ${notUnderstood.map((q) => `{${q.ns}}${q.local}`).join(", ")}`, "must-understand");
  }
  const securities = childElements(header, WSSE_NS, "Security");
  if (securities.length > 1) throw faultError({ code: "Sender" }, `${securities.length} wsse:Security headers (at most one allowed)`, "security");

  const payload = elementChildren(bodyElement);
  if (payload.length !== 1 || !payload[0]) throw faultError({ code: "Sender" }, `the Body must hold one message element, found ${payload.length}`, "body");
  return { doc, envelope, header, body: payload[0], security: securities[0] };
}

/**
 * The transaction a request's Action names, if the endpoint serves it; otherwise the
 * wsa:ActionNotSupported fault (issue 5: /ncp/xca serves query and retrieve, by Action).
 */
export function transactionOf(request: SoapRequest, served: readonly Transaction[], endpoint: string): Transaction {
  const t = transactionOfAction(request.addressing.action);
  if (!t || !served.includes(t)) throw actionNotSupported(request.addressing.action, endpoint);
  return t;
}

/** The whole answer envelope: reply addressing headers and the given body element. */
export function buildResponseEnvelope(reply: ReplyAddressing, body: XElement): string {
  return serialize(el("env:Envelope", { "xmlns:env": SOAP12_NS, "xmlns:wsa": WSA_NS }, el("env:Header", {}, replyHeaderBlocks(reply)), el("env:Body", {}, body)));
}

export interface OutboundRequest extends RequestAddressing {
  body: XElement;
  /**
   * The signed assertions to carry in wsse:Security, as the exact text they were signed as (each a
   * complete element declaring its own namespaces). Embedded verbatim: see embedSignedXml.
   */
  signedAssertions?: string[];
}

/** A request envelope we send as country B. */
export function buildRequestEnvelope(request: OutboundRequest): string {
  const slots = (request.signedAssertions ?? []).map(() => verbatimSlot());
  const security = slots.length > 0 ? el("wsse:Security", { "xmlns:wsse": WSSE_NS, "env:mustUnderstand": "true" }, slots.map((s) => s.element)) : undefined;
  const root = el("env:Envelope", { "xmlns:env": SOAP12_NS, "xmlns:wsa": WSA_NS }, el("env:Header", {}, requestHeaderBlocks(request), security), el("env:Body", {}, request.body));
  return embedSignedXml(serialize(root), slots.map((s, i) => ({ slot: s, xml: request.signedAssertions![i]! })));
}

// ---- the one place where existing XML text enters an envelope without the writer -----------------

const VERBATIM_NS = "urn:passerelle:verbatim";

interface VerbatimSlot {
  id: string;
  element: XElement;
  marker: string;
}

function verbatimSlot(): VerbatimSlot {
  const id = randomUUID();
  const element = el("v:slot", { "xmlns:v": VERBATIM_NS, id });
  return { id, element, marker: serialize(element, { declaration: false }) };
}

/**
 * Replace each slot marker by a signed XML element, byte for byte: a signature covers the exact
 * canonical form, so re-serialising through the writer is not an option. Each fragment is checked to be
 * one well-formed element without DOCTYPE (readXml) and without an XML declaration before it goes in.
 */
function embedSignedXml(serialized: string, embeds: Array<{ slot: VerbatimSlot; xml: string }>): string {
  let out = serialized;
  for (const { slot, xml } of embeds) {
    const fragment = xml.replace(/^\uFEFF?<\?xml[^?]*\?>\s*/, "");
    readXml(fragment, { maxBytes: 1024 * 1024 });
    const at = out.indexOf(slot.marker);
    if (at < 0 || out.indexOf(slot.marker, at + 1) >= 0) throw new PasserelleError(ErrorCode.Internal, "verbatim slot marker not found exactly once");
    out = out.slice(0, at) + fragment + out.slice(at + slot.marker.length);
  }
  return out;
}
