// WS-Addressing 1.0 (http://www.w3.org/2005/08/addressing) on the SOAP 1.2 header: reading the
// request's message addressing properties, and the header blocks of an answer (WS-Addressing 1.0
// Core §3.4: a reply carries the reply Action, a new MessageID and RelatesTo = the request MessageID).
import { randomUUID } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { el, type XElement } from "../shared/xml";
import { faultError, WsaFaults } from "./faults";
import { WSA_ANONYMOUS, WSA_NS } from "./namespaces";
import { childElements, textOf } from "./xml-read";

export interface Addressing {
  action: string;
  messageId: string;
  to: string | undefined;
  /** ReplyTo/Address; undefined means anonymous (WS-Addressing Core §3.1). */
  replyTo: string | undefined;
  relatesTo: string | undefined;
}

function single(header: Element, local: string): Element | undefined {
  const found = childElements(header, WSA_NS, local);
  if (found.length > 1) {
    throw faultError({ code: "Sender", subcode: WsaFaults.invalidHeader, problemHeader: { ns: WSA_NS, local } }, `${found.length} wsa:${local} headers (at most one allowed)`, "addressing");
  }
  return found[0];
}

function required(header: Element, local: string): string {
  const e = single(header, local);
  const value = textOf(e);
  if (!value) {
    throw faultError({ code: "Sender", subcode: WsaFaults.headerRequired, problemHeader: { ns: WSA_NS, local } }, `the wsa:${local} header is ${e ? "empty" : "missing"}`, "addressing");
  }
  return value;
}

/**
 * The message addressing properties of a request. Action is required (the eHDSI endpoints dispatch on
 * it) and so is MessageID (WS-Addressing 1.0 Metadata §5.1: required when a reply is expected).
 */
export function readAddressing(header: Element): Addressing {
  const a = { ...readReplyAddressing(header), messageId: required(header, "MessageID") };
  // The eHDSI transactions are synchronous: the answer goes back on the same connection
  // (WS-Addressing 1.0 Metadata §3.1.2 wsam:AnonymousResponses; fault subcode OnlyAnonymousAddressSupported).
  if (a.replyTo !== undefined && a.replyTo !== WSA_ANONYMOUS) {
    throw faultError({ code: "Sender", subcode: { ns: WSA_NS, local: "OnlyAnonymousAddressSupported" }, problemHeader: { ns: WSA_NS, local: "ReplyTo" } }, `ReplyTo ${a.replyTo} is not anonymous; answers are sent on the request's connection`, "addressing");
  }
  return a;
}

/** The addressing properties of an answer we receive: Action required, MessageID optional. */
export function readReplyAddressing(header: Element): Omit<Addressing, "messageId"> & { messageId: string | undefined } {
  const action = required(header, "Action");
  const messageId = textOf(single(header, "MessageID"));
  const replyToElement = single(header, "ReplyTo");
  const replyTo = replyToElement ? textOf(childElements(replyToElement, WSA_NS, "Address")[0]) : undefined;
  return { action, messageId, to: textOf(single(header, "To")), replyTo, relatesTo: textOf(single(header, "RelatesTo")) };
}

export function newMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

export interface ReplyAddressing {
  action: string;
  /** The request's MessageID. */
  relatesTo: string;
  /** Default: a fresh urn:uuid. */
  messageId?: string;
}

/** Header blocks of an answer (prefixes env: and wsa: must be declared on the envelope). */
export function replyHeaderBlocks(a: ReplyAddressing): XElement[] {
  return [
    el("wsa:Action", { "env:mustUnderstand": "true" }, a.action),
    el("wsa:MessageID", {}, a.messageId ?? newMessageId()),
    el("wsa:RelatesTo", {}, a.relatesTo),
  ];
}

export interface RequestAddressing {
  action: string;
  to: string;
  messageId?: string;
}

/** Header blocks of a request we send (country B): Action and To must be understood. */
export function requestHeaderBlocks(a: RequestAddressing): XElement[] {
  return [
    el("wsa:Action", { "env:mustUnderstand": "true" }, a.action),
    el("wsa:MessageID", {}, a.messageId ?? newMessageId()),
    el("wsa:To", { "env:mustUnderstand": "true" }, a.to),
    el("wsa:ReplyTo", {}, el("wsa:Address", {}, WSA_ANONYMOUS)),
  ];
}
