// SOAP 1.2 faults (SOAP 1.2 Part 1 §5.4) for requests that are not even valid requests: malformed XML,
// not a SOAP 1.2 envelope, a missing or unknown WS-Addressing Action, a mustUnderstand header we do not
// understand. Everything that is a valid request but fails is answered in the transaction's own error
// structure instead (XCPD acknowledgementDetail, RegistryErrorList), never with a fault.
import { randomUUID } from "node:crypto";
import { ErrorCode, PasserelleError, isPasserelleError } from "../shared/errors";
import { el, serialize, type XElement } from "../shared/xml";
import { SOAP12_NS, WSA_NS } from "./namespaces";

/** SOAP 1.2 Part 1 §5.4.6 fault code values. */
export type FaultCode = "VersionMismatch" | "MustUnderstand" | "DataEncodingUnknown" | "Sender" | "Receiver";

export interface QName {
  ns: string;
  local: string;
}

export interface FaultSpec {
  code: FaultCode;
  /** A more precise code, e.g. wsa:ActionNotSupported (WS-Addressing 1.0 SOAP Binding §6.4). */
  subcode?: QName;
  /** For MustUnderstand: the header blocks not understood (SOAP 1.2 Part 1 §5.4.8 NotUnderstood). */
  notUnderstood?: QName[];
  /** For addressing faults: the header at fault (wsa:ProblemHeaderQName). */
  problemHeader?: QName;
}

/** WS-Addressing 1.0 SOAP Binding §6.4 subcodes. */
export const WsaFaults = {
  headerRequired: { ns: WSA_NS, local: "MessageAddressingHeaderRequired" },
  invalidHeader: { ns: WSA_NS, local: "InvalidAddressingHeader" },
  actionNotSupported: { ns: WSA_NS, local: "ActionNotSupported" },
} as const satisfies Record<string, QName>;

export const WSA_FAULT_ACTION = "http://www.w3.org/2005/08/addressing/soap/fault";

/** An error that must become a SOAP fault: INPUT_INVALID with details.fault. */
export function faultError(spec: FaultSpec, message: string, reason = "soap"): PasserelleError {
  return new PasserelleError(ErrorCode.InputInvalid, message, { reason, fault: spec });
}

/** WS-Addressing 1.0 SOAP Binding §6.4.4: the Action is not one this endpoint serves. */
export function actionNotSupported(action: string, endpoint: string): PasserelleError {
  return faultError({ code: "Sender", subcode: WsaFaults.actionNotSupported, problemHeader: { ns: WSA_NS, local: "Action" } }, `action ${action} is not served at ${endpoint}`, "unknown-action");
}

/** The fault for any error: its own spec, Sender for unreadable input, Receiver for the rest. */
export function faultSpecOf(e: unknown): { spec: FaultSpec; reason: string } {
  if (isPasserelleError(e)) {
    const fault = e.details["fault"] as FaultSpec | undefined;
    if (fault) return { spec: fault, reason: e.message };
    if (e.code === ErrorCode.InputInvalid || e.code === ErrorCode.InputTooLarge) return { spec: { code: "Sender" }, reason: e.message };
  }
  // SOAP 1.2 §5.4.6 Receiver: our own failure; the text says nothing of internals (DESIGN.md convention 8).
  return { spec: { code: "Receiver" }, reason: "the gateway could not process the message" };
}

export interface FaultOptions {
  /** Human-readable reason (env:Reason/env:Text). */
  reason: string;
  lang?: string;
  /** The request's MessageID, when it could be read. */
  relatesTo?: string;
  /** Application detail (env:Detail children); a correlation id is a good one. */
  detail?: XElement[];
}

function qnameValue(q: QName, prefixes: Map<string, string>): string {
  if (q.ns === SOAP12_NS) return `env:${q.local}`;
  if (q.ns === WSA_NS) return `wsa:${q.local}`;
  let p = prefixes.get(q.ns);
  if (!p) {
    p = `q${prefixes.size + 1}`;
    prefixes.set(q.ns, p);
  }
  return `${p}:${q.local}`;
}

/** The whole fault envelope, ready to send with Content-Type application/soap+xml (HTTP 400 or 500). */
export function buildFault(spec: FaultSpec, options: FaultOptions): string {
  const prefixes = new Map<string, string>();
  const subcode = spec.subcode ? el("env:Subcode", {}, el("env:Value", {}, qnameValue(spec.subcode, prefixes))) : undefined;
  const notUnderstood = (spec.notUnderstood ?? []).map((q) => {
    const value = qnameValue(q, prefixes);
    return el("env:NotUnderstood", { qname: value, [`xmlns:${value.split(":")[0]}`]: value.startsWith("env:") ? undefined : q.ns });
  });
  const detailChildren = [...(options.detail ?? [])];
  if (spec.problemHeader) detailChildren.unshift(el("wsa:ProblemHeaderQName", {}, qnameValue(spec.problemHeader, prefixes)));
  const fault = el(
    "env:Fault",
    Object.fromEntries([...prefixes].map(([ns, p]) => [`xmlns:${p}`, ns])),
    el("env:Code", {}, el("env:Value", {}, `env:${spec.code}`), subcode),
    el("env:Reason", {}, el("env:Text", { "xml:lang": options.lang ?? "en" }, options.reason)),
    detailChildren.length > 0 ? el("env:Detail", {}, detailChildren) : undefined,
  );
  const header = el(
    "env:Header",
    {},
    notUnderstood,
    el("wsa:Action", { "env:mustUnderstand": "true" }, WSA_FAULT_ACTION),
    el("wsa:MessageID", {}, `urn:uuid:${randomUUID()}`),
    options.relatesTo ? el("wsa:RelatesTo", {}, options.relatesTo) : undefined,
  );
  return serialize(el("env:Envelope", { "xmlns:env": SOAP12_NS, "xmlns:wsa": WSA_NS }, header, el("env:Body", {}, fault)));
}

/** HTTP status of a fault (SOAP 1.2 Part 2 §7.5.1.2: Sender 400, the others 500). */
export function faultHttpStatus(spec: FaultSpec): number {
  return spec.code === "Sender" ? 400 : 500;
}
