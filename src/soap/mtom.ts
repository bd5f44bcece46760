// MTOM/XOP transport (W3C SOAP MTOM, XOP 1.0; RFC 2387 multipart/related; RFC 2046 §5.1 framing):
// reading an inbound body — a multipart/related package with an application/xop+xml root, framed with
// CRLF or bare LF, or a plain application/soap+xml body with inline base64 — and writing an MTOM answer.
import { randomUUID } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { decodeBase64Strict } from "../shared/base64";
import { el, type XElement } from "../shared/xml";
import { XOP_NS } from "./namespaces";
import { elementChildren } from "./xml-read";

export interface MimePart {
  /** Content-ID without the angle brackets; undefined when the part has none. */
  contentId: string | undefined;
  contentType: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface SoapTransport {
  /** The SOAP envelope text (root part, or the whole plain body). */
  envelope: string;
  /** True when the body was an MTOM/XOP package: answer in MTOM too (issue 5). */
  mtom: boolean;
  /** Attachments by Content-ID (root part excluded). */
  attachments: Map<string, MimePart>;
}

export interface TransportLimits {
  maxBytes: number;
  /** Most parts accepted in a package, root included (default 64). */
  maxParts?: number;
}

export const DEFAULT_MAX_PARTS = 64;

export type MtomFailure = "content-type" | "boundary" | "framing" | "part-limit" | "root-part" | "charset" | "encoding" | "xop";

function mtomError(reason: MtomFailure, message: string): PasserelleError {
  return new PasserelleError(ErrorCode.InputInvalid, message, { reason, fault: { code: "Sender" } });
}

export interface ContentType {
  /** Lower-cased type/subtype. */
  type: string;
  /** Parameters, names lower-cased, values unquoted. */
  params: Record<string, string>;
}

/** RFC 2045 §5.1 Content-Type: type/subtype then `; name=value` with token or quoted-string values. */
export function parseContentType(value: string): ContentType {
  const m = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*/.exec(value);
  if (!m) throw mtomError("content-type", `not a media type: "${value}"`);
  const params: Record<string, string> = {};
  let rest = value.slice(m[0].length);
  while (rest.length > 0) {
    const sep = /^;\s*/.exec(rest);
    if (!sep) throw mtomError("content-type", `unexpected text in Content-Type parameters: "${rest}"`);
    rest = rest.slice(sep[0].length);
    if (rest.length === 0) break; // a trailing ";" (seen in the wild: "application/octet-stream;")
    const name = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*/.exec(rest);
    if (!name) throw mtomError("content-type", `malformed Content-Type parameter: "${rest}"`);
    rest = rest.slice(name[0].length);
    let v: string;
    if (rest.startsWith('"')) {
      const q = /^"((?:[^"\\]|\\.)*)"\s*/.exec(rest);
      if (!q) throw mtomError("content-type", "unterminated quoted parameter in Content-Type");
      v = q[1]!.replace(/\\(.)/g, "$1");
      rest = rest.slice(q[0].length);
    } else {
      const t = /^([^;\s]*)\s*/.exec(rest)!;
      v = t[1]!;
      rest = rest.slice(t[0].length);
    }
    params[name[1]!.toLowerCase()] = v;
  }
  return { type: m[1]!.toLowerCase(), params };
}

function decodeUtf8(bytes: Buffer, charset: string | undefined, what: string): string {
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) throw mtomError("charset", `${what} is in charset ${charset}; only UTF-8 is accepted`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw mtomError("charset", `${what} is not valid UTF-8`);
  }
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}

/** Read an inbound HTTP body by its Content-Type: plain SOAP 1.2 (or 1.1, refused later) or MTOM. */
export function readSoapTransport(body: Buffer, contentTypeHeader: string | undefined, limits: TransportLimits): SoapTransport {
  if (body.length > limits.maxBytes) {
    throw new PasserelleError(ErrorCode.InputTooLarge, `message is ${body.length} bytes, over the limit of ${limits.maxBytes}`, { reason: "too-large" });
  }
  if (!contentTypeHeader) throw mtomError("content-type", "the request has no Content-Type");
  const ct = parseContentType(contentTypeHeader);
  if (ct.type === "application/soap+xml" || ct.type === "text/xml") {
    return { envelope: decodeUtf8(body, ct.params["charset"], "the body"), mtom: false, attachments: new Map() };
  }
  if (ct.type !== "multipart/related") throw mtomError("content-type", `unsupported Content-Type ${ct.type} (expected application/soap+xml or multipart/related)`);
  const boundary = ct.params["boundary"];
  if (!boundary) throw mtomError("boundary", "multipart/related without a boundary parameter");
  // RFC 2046 §5.1.1: 1 to 70 characters.
  if (boundary.length > 70) throw mtomError("boundary", "the multipart boundary is longer than 70 characters");
  const packageType = ct.params["type"]?.toLowerCase();
  if (packageType !== "application/xop+xml") throw mtomError("content-type", `multipart/related of type "${ct.params["type"] ?? ""}"; an MTOM package has type="application/xop+xml"`);

  const parts = splitMultipart(body, boundary, limits.maxParts ?? DEFAULT_MAX_PARTS);
  const start = ct.params["start"] ? stripAngles(ct.params["start"]) : undefined;
  const root = start !== undefined ? parts.find((p) => p.contentId === start) : parts[0];
  if (!root) throw mtomError("root-part", `the start part <${start}> is not in the package`);
  const rootType = parseContentType(root.contentType);
  if (rootType.type !== "application/xop+xml") throw mtomError("root-part", `the root part is ${rootType.type}, not application/xop+xml`);
  const inner = rootType.params["type"]?.toLowerCase();
  if (inner !== undefined && inner !== "application/soap+xml" && inner !== "text/xml") throw mtomError("root-part", `the root part carries ${inner}, not a SOAP envelope`);
  const attachments = new Map<string, MimePart>();
  for (const p of parts) {
    if (p === root) continue;
    if (p.contentId === undefined) throw mtomError("framing", "an attachment part has no Content-ID");
    if (attachments.has(p.contentId)) throw mtomError("framing", `two parts share Content-ID <${p.contentId}>`);
    attachments.set(p.contentId, p);
  }
  return { envelope: decodeUtf8(root.body, rootType.params["charset"], "the root part"), mtom: true, attachments };
}

function stripAngles(id: string): string {
  const t = id.trim();
  return t.startsWith("<") && t.endsWith(">") ? t.slice(1, -1).trim() : t;
}

const CR = 0x0d;
const LF = 0x0a;

/** Index just past a line break at `i` (CRLF or LF), or -1. */
function lineBreakEnd(buf: Buffer, i: number): number {
  if (buf[i] === CR && buf[i + 1] === LF) return i + 2;
  if (buf[i] === LF) return i + 1;
  return -1;
}

/**
 * Finds the next delimiter line "--boundary" at or after `from` that starts a line (or the body), and
 * is followed by "--", or by optional blanks and a line break (RFC 2046 §5.1.1). Returns where the line
 * break before it starts (the content ends there), where the delimiter ends, and whether it closes.
 */
function nextDelimiter(buf: Buffer, dash: Buffer, from: number): { contentEnd: number; after: number; close: boolean } | undefined {
  let at = buf.indexOf(dash, from);
  while (at >= 0) {
    const atLineStart = at === 0 || buf[at - 1] === LF;
    if (atLineStart) {
      const contentEnd = at === 0 ? 0 : buf[at - 2] === CR ? at - 2 : at - 1;
      let j = at + dash.length;
      if (buf[j] === 0x2d && buf[j + 1] === 0x2d) return { contentEnd, after: j + 2, close: true };
      while (buf[j] === 0x20 || buf[j] === 0x09) j++;
      const eol = lineBreakEnd(buf, j);
      if (eol >= 0) return { contentEnd, after: eol, close: false };
    }
    at = buf.indexOf(dash, at + 1);
  }
  return undefined;
}

function splitMultipart(body: Buffer, boundary: string, maxParts: number): MimePart[] {
  const dash = Buffer.from(`--${boundary}`, "latin1");
  const first = nextDelimiter(body, dash, 0);
  if (!first) throw mtomError("framing", "the boundary given in Content-Type does not appear in the body");
  if (first.close) throw mtomError("framing", "the package closes before its first part");
  const parts: MimePart[] = [];
  let pos = first.after;
  for (;;) {
    const next = nextDelimiter(body, dash, pos);
    if (!next) throw mtomError("framing", "the package has no closing boundary delimiter");
    if (parts.length + 1 > maxParts) throw mtomError("part-limit", `the package has more than ${maxParts} parts`);
    parts.push(readPart(body.subarray(pos, Math.max(pos, next.contentEnd))));
    if (next.close) return parts;
    pos = next.after;
  }
}

function readPart(raw: Buffer): MimePart {
  // Headers end at the first empty line (CRLF CRLF or LF LF).
  let headerEnd = -1;
  let bodyStart = -1;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== LF) continue;
    const next = lineBreakEnd(raw, i + 1);
    if (next >= 0) {
      headerEnd = i;
      bodyStart = next;
      break;
    }
  }
  if (headerEnd < 0) throw mtomError("framing", "a MIME part has no blank line after its headers");
  const headers: Record<string, string> = {};
  const lines = raw.subarray(0, headerEnd).toString("latin1").split(/\r?\n/);
  let last: string | undefined;
  for (const line of lines) {
    if (line === "" || line === "\r") continue;
    if (/^[ \t]/.test(line) && last) {
      headers[last] += ` ${line.trim()}`; // RFC 5322 §2.2.3 folding
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) throw mtomError("framing", `malformed MIME part header line: "${line.slice(0, 80)}"`);
    last = line.slice(0, colon).trim().toLowerCase();
    headers[last] = line.slice(colon + 1).trim();
  }
  const contentType = headers["content-type"];
  if (!contentType) throw mtomError("framing", "a MIME part has no Content-Type");
  let body = raw.subarray(bodyStart);
  const cte = (headers["content-transfer-encoding"] ?? "binary").toLowerCase();
  if (cte === "base64") body = Buffer.from(body.toString("latin1").replace(/\s+/g, ""), "base64");
  else if (cte !== "binary" && cte !== "8bit" && cte !== "7bit") throw mtomError("encoding", `unsupported Content-Transfer-Encoding ${cte}`);
  const id = headers["content-id"];
  return { contentId: id ? stripAngles(id) : undefined, contentType, headers, body: Buffer.from(body) };
}

/** The Content-ID a `cid:` URL names (RFC 2392: the URL is the %-encoded addr-spec). */
export function contentIdOfHref(href: string): string {
  if (!/^cid:/i.test(href)) throw mtomError("xop", `xop:Include href "${href}" is not a cid: URL`);
  try {
    return decodeURIComponent(href.slice(4));
  } catch {
    throw mtomError("xop", `xop:Include href "${href}" is not a valid cid: URL`);
  }
}

/**
 * The binary content of an element of type base64Binary under XOP (XOP 1.0 §3.2): either one
 * xop:Include child naming an attachment, or inline base64 text (strict alphabet).
 */
export function binaryContent(e: Element, attachments: Map<string, MimePart>): Buffer {
  const children = elementChildren(e);
  if (children.length > 0) {
    const [include] = children;
    if (children.length !== 1 || !include || include.namespaceURI !== XOP_NS || include.localName !== "Include") {
      throw mtomError("xop", `${e.localName} holds elements other than one xop:Include`);
    }
    if ((e.textContent ?? "").trim() !== "") throw mtomError("xop", `${e.localName} mixes text with xop:Include`);
    const cid = contentIdOfHref(include.getAttribute("href") ?? "");
    const part = attachments.get(cid);
    if (!part) throw mtomError("xop", `xop:Include refers to cid:${cid}, which is not a part of the package`);
    return part.body;
  }
  const text = e.textContent ?? "";
  // An empty base64Binary is zero bytes (XML Schema §3.2.16); a signature value may not be empty, a document may.
  if (text.trim() === "") return Buffer.alloc(0);
  return decodeBase64Strict(text, e.localName ?? "Document", (message) => mtomError("encoding", message));
}

// ---- writing --------------------------------------------------------------------------------------

export interface Attachment {
  /** Without angle brackets, e.g. "1.2f6c...@passerelle". */
  contentId: string;
  contentType: string;
  bytes: Buffer;
}

/** A fresh Content-ID for an attachment. */
export function newContentId(): string {
  return `${randomUUID()}@passerelle`;
}

/** The xop:Include element standing for an attachment in the envelope. */
export function xopInclude(contentId: string): XElement {
  return el("xop:Include", { "xmlns:xop": XOP_NS, href: `cid:${encodeURIComponent(contentId).replace(/%40/g, "@")}` });
}

export interface HttpBody {
  contentType: string;
  body: Buffer;
}

/** A plain SOAP 1.2 body. */
export function plainSoapBody(envelope: string): HttpBody {
  return { contentType: 'application/soap+xml; charset=UTF-8', body: Buffer.from(envelope, "utf8") };
}

/** An MTOM package: the envelope as application/xop+xml root part, then the attachments, CRLF framed. */
export function buildMtom(envelope: string, attachments: Attachment[]): HttpBody {
  const rootId = `root.${randomUUID()}@passerelle`;
  const contents = [Buffer.from(envelope, "utf8"), ...attachments.map((a) => a.bytes)];
  let boundary = `MIMEBoundary_${randomUUID().replace(/-/g, "")}`;
  // A boundary must not occur in any part (RFC 2046 §5.1.1); a random one almost never does: check anyway.
  while (contents.some((c) => c.includes(boundary, 0, "latin1"))) boundary = `MIMEBoundary_${randomUUID().replace(/-/g, "")}`;
  const chunks: Buffer[] = [];
  const head = (lines: string[]) => Buffer.from(`--${boundary}\r\n${lines.join("\r\n")}\r\n\r\n`, "latin1");
  chunks.push(head(['Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"', "Content-Transfer-Encoding: binary", `Content-ID: <${rootId}>`]), contents[0]!);
  attachments.forEach((a, i) => {
    if (/[\r\n<>]/.test(a.contentId) || /[\r\n]/.test(a.contentType)) throw new PasserelleError(ErrorCode.Internal, "attachment header values must not hold line breaks or angle brackets");
    chunks.push(Buffer.from("\r\n", "latin1"), head([`Content-Type: ${a.contentType}`, "Content-Transfer-Encoding: binary", `Content-ID: <${a.contentId}>`]), contents[i + 1]!);
  });
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`, "latin1"));
  return {
    contentType: `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<${rootId}>"; start-info="application/soap+xml"`,
    body: Buffer.concat(chunks),
  };
}
