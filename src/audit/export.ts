// `passerelle audit export`: the events of a time range as JSON lines (one event a line, with seq and
// hashes, so an auditor can re-check the chain) or as ATNA-style XML (atna.ts), written as they are
// read, page by page, so an export of any size runs in constant memory.
import { ATNA_ROOT_CLOSE, ATNA_ROOT_OPEN, auditMessageXml, type AtnaSource } from "./atna";
import { canonicalJson } from "./event";
import type { AuditQuery } from "./query";
import type { AuditTrail } from "./trail";

export const EXPORT_FORMATS = ["json", "atna"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  readonly query: Omit<AuditQuery, "after" | "limit" | "order">;
  readonly format: ExportFormat;
  readonly source: AtnaSource;
  /** Receives the output piece by piece (each ends with a newline). */
  write(chunk: string): Promise<void> | void;
}

/** Writes every matching event; returns how many. */
export async function exportAuditEvents(trail: AuditTrail, options: ExportOptions): Promise<number> {
  let count = 0;
  if (options.format === "atna") await options.write(`${ATNA_ROOT_OPEN}\n`);
  for await (const event of trail.events(options.query)) {
    await options.write(options.format === "atna" ? `${auditMessageXml(event, options.source)}\n` : `${canonicalJson(event)}\n`);
    count += 1;
  }
  if (options.format === "atna") await options.write(`${ATNA_ROOT_CLOSE}\n`);
  return count;
}
