// Deterministic CDA identifiers. A document's id is derived from the national record it was made
// from (its id and content), so that retrieving an unchanged record twice yields the same document
// id (XDS uniqueId stays stable; the L1 and L3 renderings of one record share a base), while any
// change in the record gives a new id. Entry ids are the record's own entry ids under a sub-arc of
// the gateway's document id root, so they too are stable while the record is unchanged.
import { createHash } from "node:crypto";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import type { DocumentContext } from "../context";
import { isUid } from "./datatypes";

export interface InstanceId {
  root: string;
  extension?: string;
}

/** Sub-arcs under ctx.documentIdRoot (the gateway's own OID). */
export const ID_ARCS = {
  /** Entries (clinical statements) of generated documents: root.1, extension = kind/local id. */
  entry: "1",
  /** Document sets (CDA setId): root.2, extension = kind/record id. */
  set: "2",
} as const;

/** JSON with object keys sorted (undefined members dropped, as JSON.stringify does), so that equal
 *  content always hashes equally whatever order its keys were built in. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : stableJson(v))).join(",")}]`;
  const o = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    if (v === undefined || typeof v === "function") continue;
    parts.push(`${JSON.stringify(k)}:${stableJson(v)}`);
  }
  return `{${parts.join(",")}}`;
}

export function contentHash(...parts: unknown[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(typeof p === "string" ? p : stableJson(p)).update("\u0000");
  return h.digest("hex");
}

function checkRoot(ctx: DocumentContext): string {
  if (!isUid(ctx.documentIdRoot)) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `document id root is not an OID: "${ctx.documentIdRoot}"`, { location: "documentIdRoot" });
  }
  return ctx.documentIdRoot;
}

/**
 * The ClinicalDocument/id of a document of `kind` ("ps", "ep", "ed", "ps-l1", ...) made from the
 * national record `recordId` with `content`: root = the gateway's document id root, extension = a
 * SHA-256 of kind, record id and content (hex, 40 characters).
 */
export function documentId(ctx: DocumentContext, kind: string, recordId: string, content: unknown): InstanceId {
  return { root: checkRoot(ctx), extension: contentHash(kind, recordId, content).slice(0, 40) };
}

/** CDA setId: the same for every version of a record's document of this kind. */
export function documentSetId(ctx: DocumentContext, kind: string, recordId: string): InstanceId {
  return { root: `${checkRoot(ctx)}.${ID_ARCS.set}`, extension: `${kind}.${recordId}` };
}

/** An entry's id: the record's own id for it, under the entry arc. */
export function entryId(ctx: DocumentContext, kind: string, localId: string): InstanceId {
  return { root: `${checkRoot(ctx)}.${ID_ARCS.entry}`, extension: `${kind}.${localId}` };
}
