// The partner endpoints of country A on the mutual-TLS listener (issue 5): POST /ncp/xcpd, /ncp/xca
// (query and retrieve, by WS-Addressing Action), /ncp/xdr, and `GET ...?wsdl` (schemas/wsdl/*.wsdl).
// One inbound pipeline for all: body size limit (express.raw), request deadline, the partner named by
// the TLS client certificate (never a DN string), plain SOAP or MTOM (mtom.ts), the envelope
// (envelope.ts: no DTD, depth limit, mustUnderstand), dispatch on the Action, raw messages kept for
// support, the answer with the response Action and RelatesTo (MTOM when the request was, and the
// responder has attachments), and a SOAP fault for what is not even a valid request.
import express, { Router, type Request, type Response } from "express";
import { randomUUID } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { RawMessageStore } from "../audit/messages";
import type { PeerIdentified } from "../exchange/partners/peer";
import type { PartnerRegistry } from "../exchange/partners/registry";
import { runInExchangeContext } from "../shared/context";
import type { Logger } from "../shared/logger";
import { requestIdOf } from "../shared/logger";
import type { XElement } from "../shared/xml";
import { peerOfSocket } from "../signing/tls";
import { buildResponseEnvelope, parseEnvelope, type SoapRequest } from "./envelope";
import { buildFault, faultError, faultHttpStatus, faultSpecOf, WsaFaults } from "./faults";
import { buildMtom, plainSoapBody, readSoapTransport, type Attachment, type HttpBody, type SoapTransport } from "./mtom";
import { servedWsdl, type WsdlService } from "./wsdl";

export interface InboundExchange {
  readonly request: SoapRequest;
  /** The SOAP envelope text (what the assertions are validated on). */
  readonly envelope: string;
  readonly transport: SoapTransport;
  readonly peer: PeerIdentified;
  /** Correlates the raw messages, logs and audit events of this exchange. */
  readonly exchangeId: string;
  /** Aborted when the request deadline passes. */
  readonly signal: AbortSignal;
}

export interface ResponderAnswer {
  readonly action: string;
  readonly body: XElement;
  /** Documents to send as MTOM attachments (only when the request was MTOM; else the body holds them inline). */
  readonly attachments?: readonly Attachment[];
}

export type Responder = (x: InboundExchange) => Promise<ResponderAnswer>;

export interface Endpoint {
  /** Under /ncp/, e.g. "xcpd". */
  readonly name: string;
  /** schemas/wsdl/<wsdl>.wsdl served at ?wsdl (with its address set to where it is served). */
  readonly wsdl: WsdlService;
  /** Request Action -> responder. */
  readonly actions: Readonly<Record<string, Responder>>;
}

export interface RouterOptions {
  readonly registry: PartnerRegistry;
  readonly logger: Logger;
  readonly rawMessages: RawMessageStore | undefined;
  /** Largest request body (bytes). */
  readonly maxBytes: number;
  /** Request deadline (ms): past it the answer is a Receiver fault. */
  readonly timeoutMs: number;
}

const SOAP_CONTENT_TYPE = "application/soap+xml; charset=UTF-8";

function sendFault(res: Response, e: unknown, relatesTo: string | undefined, correlationId: string): HttpBody {
  const { spec, reason } = faultSpecOf(e);
  const body = plainSoapBody(buildFault(spec, { reason: spec.code === "Receiver" ? `${reason} (correlation id ${correlationId})` : reason, ...(relatesTo ? { relatesTo } : {}) }));
  res.status(faultHttpStatus(spec)).type(SOAP_CONTENT_TYPE).send(body.body);
  return body;
}

function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(faultError({ code: "Receiver" }, `the request took longer than ${ms} ms`, "timeout"));
    }, ms);
  });
  return Promise.race([work(controller.signal), timeout]).finally(() => clearTimeout(timer));
}

async function keepRaw(o: RouterOptions, input: Parameters<RawMessageStore["store"]>[0]): Promise<void> {
  if (!o.rawMessages) return;
  try {
    await o.rawMessages.store(input);
  } catch (err) {
    // Support copies must not turn an answer into a failure.
    o.logger.warn({ err, exchangeId: input.exchangeId }, "raw message not stored");
  }
}

/**
 * The POST handler of one endpoint. The exchange id (of the raw messages and of country A's audit
 * events) is the trace id of every line logged while serving it (shared/context.ts).
 */
export function soapHandler(endpoint: Endpoint, o: RouterOptions) {
  return (req: Request, res: Response): Promise<void> => {
    const exchangeId = requestIdOf(req) ?? randomUUID();
    return runInExchangeContext({ traceId: exchangeId, exchangeId }, () => serveExchange(endpoint, o, req, res, exchangeId));
  };
}

async function serveExchange(endpoint: Endpoint, o: RouterOptions, req: Request, res: Response, exchangeId: string): Promise<void> {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const contentType = req.headers["content-type"];
  let relatesTo: string | undefined;
  let action: string | undefined;
  // Kept for support without holding the answer back (stored in the background, failures logged).
  const inbound = keepRaw(o, { exchangeId, direction: "inbound", body, ...(contentType ? { contentType } : {}) });
  let answer: HttpBody;
  try {
    answer = await withDeadline(async (signal) => {
      const peerResult = peerOfSocket(req.socket as TLSSocket, o.registry);
      if (!peerResult.ok) throw faultError({ code: "Sender" }, `the client certificate names no registered partner: ${peerResult.reason}`, "peer");
      const transport = readSoapTransport(body, contentType, { maxBytes: o.maxBytes });
      const request = parseEnvelope(transport.envelope, { maxBytes: o.maxBytes });
      relatesTo = request.addressing.messageId;
      action = request.addressing.action;
      const responder = endpoint.actions[action];
      if (!responder) {
        throw faultError({ code: "Sender", subcode: WsaFaults.actionNotSupported }, `action ${action} is not served at /ncp/${endpoint.name}`, "addressing");
      }
      const out = await responder({ request, envelope: transport.envelope, transport, peer: peerResult, exchangeId, signal });
      const envelope = buildResponseEnvelope({ action: out.action, relatesTo }, out.body);
      return transport.mtom && out.attachments ? buildMtom(envelope, [...out.attachments]) : plainSoapBody(envelope);
    }, o.timeoutMs);
  } catch (e) {
    if (!faultSpecOf(e).spec || faultSpecOf(e).spec.code === "Receiver") o.logger.error({ err: e, exchangeId, action }, "SOAP request failed");
    const fault = sendFault(res, e, relatesTo, exchangeId);
    await inbound;
    await keepRaw(o, { exchangeId, direction: "outbound", body: fault.body, contentType: fault.contentType });
    return;
  }
  res.status(200).type(answer.contentType).send(answer.body);
  await inbound;
  await keepRaw(o, { exchangeId, direction: "outbound", body: answer.body, contentType: answer.contentType, ...(action ? { action } : {}) });
}

/** Mounts the endpoints on a router (the partner listener's). */
export function countryARouter(endpoints: readonly Endpoint[], o: RouterOptions): Router {
  const router = Router();
  for (const endpoint of endpoints) {
    const path = `/ncp/${endpoint.name}`;
    router.get(path, (req, res) => {
      if (!("wsdl" in req.query)) {
        res.status(404).type("text/plain").send("not found");
        return;
      }
      res.type("text/xml").send(servedWsdl(endpoint.wsdl, `https://${req.headers.host ?? "localhost"}${path}`));
    });
    router.post(path, express.raw({ type: () => true, limit: o.maxBytes }), soapHandler(endpoint, o));
    // A body refused before the handler (over the size limit, unreadable encoding) is still a SOAP fault.
    router.use(path, (err: unknown, req: Request, res: Response, next: (e?: unknown) => void) => {
      if (res.headersSent) return next(err);
      const status = (err as { status?: number }).status ?? 400;
      const tooLarge = status === 413;
      const reason = tooLarge ? `the request is over the limit of ${o.maxBytes} bytes` : "the request body cannot be read";
      res.status(tooLarge ? 413 : 400).type(SOAP_CONTENT_TYPE).send(buildFault({ code: "Sender" }, { reason }));
    });
  }
  return router;
}
