// `passerelle audit verify|export|search` (issue 5): check the hash chain of the audit trail, and hand
// a time range to an auditor as JSON lines or ATNA-style XML. Exit codes (src/cli/context.ts):
// verify 0 intact / 1 broken (naming the first broken seq); 2 bad input. `audit messages` shows support
// the raw SOAP messages kept for an exchange (src/audit/messages.ts).
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { AUDIT_EVENT_TYPES, AUDIT_OUTCOMES, canonicalJson, type AuditEventType, type AuditOutcome } from "../audit/event";
import { RawMessageStore } from "../audit/messages";
import { EXPORT_FORMATS, exportAuditEvents, type ExportFormat } from "../audit/export";
import { normaliseTime, MAX_PAGE_SIZE, type AuditQuery } from "../audit/query";
import { AuditTrail } from "../audit/trail";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { ExitCode, type CliContext } from "./context";

function seqOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new PasserelleError(ErrorCode.InputInvalid, `--${name} must be a seq number (1, 2, ...), got ${JSON.stringify(value)}`);
  return Number(value);
}

function timeOption(value: string, name: string): string {
  try {
    return normaliseTime(value, `--${name}`);
  } catch (e) {
    throw new PasserelleError(ErrorCode.InputInvalid, (e as Error).message.replace(/^audit query: /, ""));
  }
}

interface FilterOptions {
  type: string[];
  partner?: string;
  patient?: string;
  outcome?: string;
  errorCode?: string;
  trace?: string;
}

function filters(o: FilterOptions): Omit<AuditQuery, "from" | "to" | "after" | "limit" | "order"> {
  for (const t of o.type) if (!(AUDIT_EVENT_TYPES as readonly string[]).includes(t)) throw new PasserelleError(ErrorCode.InputInvalid, `--type ${t}: expected one of ${AUDIT_EVENT_TYPES.join(", ")}`);
  if (o.outcome !== undefined && !(AUDIT_OUTCOMES as readonly string[]).includes(o.outcome)) throw new PasserelleError(ErrorCode.InputInvalid, "--outcome must be success or failure");
  return {
    ...(o.type.length ? { types: o.type as AuditEventType[] } : {}),
    ...(o.partner !== undefined ? { partnerCountry: o.partner } : {}),
    ...(o.patient !== undefined ? { patientId: o.patient } : {}),
    ...(o.outcome !== undefined ? { outcome: o.outcome as AuditOutcome } : {}),
    ...(o.errorCode !== undefined ? { errorCode: o.errorCode } : {}),
    ...(o.trace !== undefined ? { traceId: o.trace } : {}),
  };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function withFilterOptions(cmd: Command): Command {
  return cmd
    .option("--type <id>", "event type, e.g. EHDSI-22 (repeatable)", collect, [])
    .option("--partner <country>", "partner country (ISO alpha-2)")
    .option("--patient <cx>", "patient id in CX form ID^^^&OID&ISO")
    .option("--outcome <outcome>", "success or failure")
    .option("--error-code <code>", "eHDSI error code")
    .option("--trace <id>", "trace id");
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program.command("audit").description("the append-only, hash-chained audit trail");

  audit
    .command("verify")
    .description("re-compute the hash chain; exit 0 when intact, 1 naming the first broken seq")
    .option("--from <seq>", "first seq to check (default 1)")
    .option("--to <seq>", "last seq to check (default: the chain head)")
    .action(async (o: { from?: string; to?: string }) => {
      const from = seqOption(o.from, "from");
      const to = seqOption(o.to, "to");
      const result = await ctx.withDatabase((db) => new AuditTrail(db).verifyChain({ ...(from ? { from } : {}), ...(to ? { to } : {}) }));
      if (result.ok) {
        ctx.out(`audit trail intact: ${result.checked} event(s) checked, head seq ${result.headSeq}`);
        return;
      }
      const broken = result.firstBroken;
      ctx.out(`audit trail BROKEN at seq ${broken?.seq ?? "?"}: ${broken?.reason ?? "unknown"} (${result.checked} event(s) intact before it, head seq ${result.headSeq})`);
      ctx.setExitCode(ExitCode.NegativeVerdict);
    });

  withFilterOptions(
    audit
      .command("export")
      .description("write the events of a time range as JSON lines or ATNA-style XML (RFC 3881 AuditMessage)")
      .requiredOption("--from <iso>", "start of the range, inclusive (ISO 8601)")
      .requiredOption("--to <iso>", "end of the range, exclusive (ISO 8601)")
      .option("--format <format>", `${EXPORT_FORMATS.join(" or ")}`, "json")
      .option("--out <file>", "write to this file (default: standard output)"),
  ).action(async (o: FilterOptions & { from: string; to: string; format: string; out?: string }) => {
    if (!(EXPORT_FORMATS as readonly string[]).includes(o.format)) throw new PasserelleError(ErrorCode.InputInvalid, `--format must be ${EXPORT_FORMATS.join(" or ")}`);
    const from = timeOption(o.from, "from");
    const to = timeOption(o.to, "to");
    if (from > to) throw new PasserelleError(ErrorCode.InputInvalid, "--from is after --to");
    const cfg = ctx.config();
    const source = { homeCommunityId: cfg.identifiers.homeCommunityId, country: cfg.country };
    const query = { from, to, ...filters(o) };
    const format = o.format as ExportFormat;
    if (o.out === undefined) {
      let pending = "";
      const count = await ctx.withDatabase((db) =>
        exportAuditEvents(new AuditTrail(db), {
          query,
          format,
          source,
          write: (chunk) => {
            pending += chunk;
            const end = pending.lastIndexOf("\n");
            if (end < 0) return;
            for (const line of pending.slice(0, end).split("\n")) ctx.out(line);
            pending = pending.slice(end + 1);
          },
        }),
      );
      ctx.err(`${count} event(s) exported`);
      return;
    }
    const path = resolve(ctx.cwd, o.out);
    const file = createWriteStream(path);
    try {
      const count = await ctx.withDatabase((db) =>
        exportAuditEvents(new AuditTrail(db), {
          query,
          format,
          source,
          write: async (chunk) => {
            if (!file.write(chunk)) await once(file, "drain");
          },
        }),
      );
      ctx.out(`${count} event(s) exported to ${path}`);
    } finally {
      file.end();
      await once(file, "close");
    }
  });

  withFilterOptions(
    audit
      .command("search")
      .description("one page of events, newest first (JSON lines); --after <seq> for the next page")
      .option("--from <iso>", "event time from, inclusive")
      .option("--to <iso>", "event time to, exclusive")
      .option("--after <seq>", "cursor printed by the previous page")
      .option("--limit <n>", `page size 1..${MAX_PAGE_SIZE}`, "50"),
  ).action(async (o: FilterOptions & { from?: string; to?: string; after?: string; limit: string }) => {
    const after = seqOption(o.after, "after");
    const limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new PasserelleError(ErrorCode.InputInvalid, `--limit must be 1..${MAX_PAGE_SIZE}`);
    const page = await ctx.withDatabase((db) =>
      new AuditTrail(db).query({
        ...(o.from !== undefined ? { from: timeOption(o.from, "from") } : {}),
        ...(o.to !== undefined ? { to: timeOption(o.to, "to") } : {}),
        ...filters(o),
        ...(after !== undefined ? { after } : {}),
        order: "desc",
        limit,
      }),
    );
    for (const e of page.events) ctx.out(canonicalJson(e));
    ctx.err(page.next === undefined ? `${page.events.length} event(s), last page` : `${page.events.length} event(s); next page: --after ${page.next}`);
  });

  audit
    .command("messages <exchange-id>")
    .description("the raw SOAP messages kept for an exchange (within the retention period)")
    .option("--out <dir>", "write each message, as received or sent, to <dir>/<n>-<direction>.msg")
    .action(async (exchangeId: string, o: { out?: string }) => {
      const messages = await ctx.withDatabase((db) => new RawMessageStore(db).forExchange(exchangeId));
      if (messages.length === 0) throw new PasserelleError(ErrorCode.NotFound, `no raw message kept for exchange ${exchangeId} (never stored, or purged after the retention period)`);
      const dir = o.out === undefined ? undefined : resolve(ctx.cwd, o.out);
      if (dir) mkdirSync(dir, { recursive: true });
      messages.forEach((m, i) => {
        const file = dir ? join(dir, `${i + 1}-${m.direction}.msg`) : undefined;
        if (file) writeFileSync(file, m.body);
        ctx.out([`${i + 1}`, m.direction, m.recordedAt, `${m.body.length} bytes`, m.action ?? "-", m.contentType ?? "-", ...(file ? [file] : [])].join("  "));
      });
    });
}
