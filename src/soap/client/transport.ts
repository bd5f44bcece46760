// Sending one SOAP request to a partner gateway (country B; issue 6 "SOAP client"): over mutual TLS
// with our client certificate and the partner's trust entry (partnerAgent: its server certificate
// must chain to ITS entry and match the endpoint's host name), with a per-transaction timeout; the
// request and the answer are stored raw (DESIGN.md: every message kept for the retention period).
//
// What fails how (the queue retries TransientError only, src/exchange/queue/errors.ts):
//   - nothing reached the partner (refused, DNS, unreachable, TLS handshake failed, connect timeout)
//       -> TransientError, details.sent = false: always safe to send again;
//   - the request left but no answer came (timeout, reset) -> TransientError with details.sent = true,
//       unless the transaction says a blind resend is not wanted (`resendAfterSent: false`, XCPD):
//       then a PasserelleError TRANSPORT_FAILURE that ends the job (see client/README.md);
//   - HTTP 502/503/504 without a SOAP envelope, or a SOAP Receiver fault -> TransientError;
//   - any other HTTP error, a SOAP Sender fault, an answer we cannot read -> PasserelleError (final).
import https from "node:https";
import type { IncomingMessage } from "node:http";
import type { Element } from "@xmldom/xmldom";
import type { RawMessageStore } from "../../audit/messages";
import type { PartnerService } from "../../exchange/partners/model";
import type { PartnerRegistry } from "../../exchange/partners/registry";
import { TransientError } from "../../exchange/queue/errors";
import { ErrorCode, PasserelleError, isPasserelleError } from "../../shared/errors";
import { partnerAgent, type OwnTlsIdentity } from "../../signing/tls";
import { newMessageId } from "../addressing";
import { buildRequestEnvelope, parseResponseEnvelope, type SoapResponse } from "../envelope";
import { buildMtom, plainSoapBody, readSoapTransport, type Attachment, type MimePart } from "../mtom";
import { SOAP12_NS } from "../namespaces";
import { childElements } from "../xml-read";
import type { XElement } from "../../shared/xml";

export interface PartnerConnection {
  readonly registry: PartnerRegistry;
  /** Our TLS client identity (certs/tls-client.pem). */
  readonly own: OwnTlsIdentity;
  readonly rawMessages?: RawMessageStore;
  /** Largest answer accepted (bytes); default 32 MiB. */
  readonly maxResponseBytes?: number;
}

export interface SoapCall {
  readonly country: string;
  readonly service: PartnerService;
  readonly action: string;
  /** The answer's expected wsa:Action. */
  readonly responseAction: string;
  readonly body: XElement;
  readonly attachments?: readonly Attachment[];
  /** Send as an MTOM package (documents as parts) rather than plain SOAP. */
  readonly mtom?: boolean;
  readonly signedAssertions: readonly string[];
  readonly timeoutMs: number;
  /** false: a request that left without an answer is NOT retried by the queue (XCPD). */
  readonly resendAfterSent: boolean;
  readonly exchangeId: string;
  readonly traceId?: string;
  readonly signal?: AbortSignal;
}

export interface SoapReply {
  readonly response: SoapResponse;
  /** The Body's message element. */
  readonly body: Element;
  readonly attachments: Map<string, MimePart>;
  readonly mtom: boolean;
  readonly messageId: string;
  readonly httpStatus: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

const agents = new WeakMap<PartnerRegistry, Map<string, { trust: string; agent: https.Agent }>>();

/**
 * One keep-alive agent per partner, rebuilt when the partner's TLS trust entries change (the registry
 * is reloaded every 30 s; an unchanged partner keeps its agent). A replaced agent is not destroyed:
 * requests in flight on it finish, its idle sockets close with the server's keep-alive timeout.
 */
function agentFor(c: PartnerConnection, country: string): https.Agent {
  let byCountry = agents.get(c.registry);
  if (!byCountry) agents.set(c.registry, (byCountry = new Map()));
  const entry = c.registry.get(country);
  const trust = (entry?.partner.certificates ?? []).filter((t) => t.usage === "tls").map((t) => `${t.kind}:${t.sha256}`).sort().join(",");
  const cached = byCountry.get(country);
  if (cached && cached.trust === trust) return cached.agent;
  const agent = partnerAgent(c.own, c.registry, country);
  byCountry.set(country, { trust, agent });
  return agent;
}

/** Closes the keep-alive connections to partners (gateway shutdown, tests). */
export function closePartnerConnections(registry: PartnerRegistry): void {
  for (const { agent } of agents.get(registry)?.values() ?? []) agent.destroy();
  agents.delete(registry);
}

/** The endpoint of a partner's service, from the registry; NOT_FOUND when it has none (final). */
export function endpointOf(registry: PartnerRegistry, country: string, service: PartnerService): string {
  const entry = registry.get(country);
  if (!entry) throw new PasserelleError(ErrorCode.NotFound, `partner ${country} is not registered`, { location: country });
  const url = entry.partner.endpoints[service];
  if (!url) throw new PasserelleError(ErrorCode.NotFound, `partner ${country} offers no ${service} endpoint`, { location: service });
  return url;
}

interface HttpAnswer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

function post(url: URL, agent: https.Agent, http: { contentType: string; body: Buffer }, call: SoapCall, maxBytes: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let sent = false;
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.signal?.removeEventListener("abort", onAbort);
      reject(classifyNetworkError(e, sent, call));
    };
    const req = https.request(url, { method: "POST", agent, headers: { "content-type": http.contentType, "content-length": http.body.length } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          res.destroy();
          fail(new PasserelleError(ErrorCode.InputTooLarge, `partner ${call.country} answered more than ${maxBytes} bytes`, { reason: "too-large" }));
        } else chunks.push(c);
      });
      res.on("error", fail);
      res.on("end", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.signal?.removeEventListener("abort", onAbort);
        resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body: Buffer.concat(chunks) });
      });
    });
    const timer = setTimeout(() => {
      const e = Object.assign(new Error(`no answer from partner ${call.country} within ${call.timeoutMs} ms`), { code: "ETIMEDOUT" });
      fail(e);
      req.destroy(e);
    }, call.timeoutMs);
    const onAbort = () => {
      const e = Object.assign(new Error("aborted: the gateway is shutting down"), { code: "ECONNABORTED" });
      fail(e);
      req.destroy(e);
    };
    call.signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", fail);
    // 'finish': the whole request was handed to the socket, i.e. the partner may act on it.
    req.on("finish", () => (sent = true));
    req.end(http.body);
  });
}

/** Errors of the socket / TLS layer: retried, except an after-send failure of a call that forbids it. */
function classifyNetworkError(e: unknown, sent: boolean, call: SoapCall): Error {
  if (isPasserelleError(e)) return e;
  const code = String((e as { code?: unknown }).code ?? "ECONNRESET");
  const message = `partner ${call.country} ${call.service}: ${(e as Error).message || code}`;
  const details = { partner: call.country, service: call.service, networkCode: code, sent };
  // A shutdown (the queue's signal) is never the partner's doing: the job goes back to the queue.
  if (sent && !call.resendAfterSent && !call.signal?.aborted) {
    return new PasserelleError(ErrorCode.TransportFailure, `${message} (the request was sent; not resent automatically)`, details, { cause: e });
  }
  return new TransientError(message, details, { cause: e });
}

function faultOf(body: Element): { code: string; subcode: string | undefined; reason: string } | undefined {
  if (body.namespaceURI !== SOAP12_NS || body.localName !== "Fault") return undefined;
  const code = childElements(body, SOAP12_NS, "Code")[0];
  const value = (e: Element | undefined) => (e ? childElements(e, SOAP12_NS, "Value")[0]?.textContent?.trim() : undefined);
  const sub = code ? childElements(code, SOAP12_NS, "Subcode")[0] : undefined;
  const reasonEl = childElements(body, SOAP12_NS, "Reason")[0];
  const reason = reasonEl ? (childElements(reasonEl, SOAP12_NS, "Text")[0]?.textContent?.trim() ?? "") : "";
  const local = (q: string | undefined) => q?.replace(/^[^:]*:/, "");
  return { code: local(value(code)) ?? "Receiver", subcode: local(value(sub)), reason };
}

/** Sends one request and returns the partner's answer envelope (not yet read as a transaction). */
export async function callPartner(c: PartnerConnection, call: SoapCall): Promise<SoapReply> {
  const url = new URL(endpointOf(c.registry, call.country, call.service));
  const agent = agentFor(c, call.country);
  const messageId = newMessageId();
  const envelope = buildRequestEnvelope({ action: call.action, to: url.toString(), messageId, body: call.body, signedAssertions: [...call.signedAssertions] });
  const http = call.mtom ? buildMtom(envelope, [...(call.attachments ?? [])]) : plainSoapBody(envelope);
  const maxBytes = c.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  await c.rawMessages?.store({ exchangeId: call.exchangeId, traceId: call.traceId, direction: "outbound", action: call.action, contentType: http.contentType, body: http.body });
  const answer = await post(url, agent, http, call, maxBytes);
  await c.rawMessages?.store({ exchangeId: call.exchangeId, traceId: call.traceId, direction: "inbound", contentType: answer.contentType, body: answer.body });

  const where = { partner: call.country, service: call.service, httpStatus: answer.status };
  const isSoap = /^(application\/soap\+xml|multipart\/related|text\/xml)/i.test(answer.contentType ?? "");
  if (!isSoap) {
    if ([502, 503, 504].includes(answer.status)) throw new TransientError(`partner ${call.country} ${call.service}: HTTP ${answer.status}`, where);
    throw new PasserelleError(ErrorCode.TransportFailure, `partner ${call.country} ${call.service}: HTTP ${answer.status} without a SOAP answer`, where);
  }
  let transport;
  let response: SoapResponse;
  try {
    transport = readSoapTransport(answer.body, answer.contentType, { maxBytes });
    response = parseResponseEnvelope(transport.envelope, { maxBytes });
  } catch (e) {
    if ([502, 503, 504].includes(answer.status)) throw new TransientError(`partner ${call.country} ${call.service}: HTTP ${answer.status}`, where, { cause: e });
    throw new PasserelleError(ErrorCode.InputInvalid, `partner ${call.country} ${call.service}: unreadable answer: ${(e as Error).message}`, { ...where, reason: "answer" }, { cause: e });
  }
  const fault = faultOf(response.body);
  if (fault) {
    const message = `partner ${call.country} ${call.service}: SOAP fault ${fault.code}${fault.subcode ? `/${fault.subcode}` : ""}: ${fault.reason}`;
    // SOAP 1.2 Part 1 §5.4.6: Receiver = the partner's own trouble (may pass); Sender = our message (will not).
    if (fault.code === "Receiver") throw new TransientError(message, { ...where, fault: fault.code });
    throw new PasserelleError(ErrorCode.TransportFailure, message, { ...where, fault: fault.code, subcode: fault.subcode });
  }
  // WS-Addressing: the answer to OUR message, with the transaction's response action.
  if (response.addressing.relatesTo !== undefined && response.addressing.relatesTo !== messageId) {
    throw new PasserelleError(ErrorCode.InputInvalid, `partner ${call.country}: answer relates to ${response.addressing.relatesTo}, not to ${messageId}`, { ...where, reason: "addressing" });
  }
  if (response.addressing.action !== call.responseAction) {
    throw new PasserelleError(ErrorCode.InputInvalid, `partner ${call.country}: answer action ${response.addressing.action}, expected ${call.responseAction}`, { ...where, reason: "addressing" });
  }
  return { response, body: response.body, attachments: transport.attachments, mtom: transport.mtom, messageId, httpStatus: answer.status };
}
