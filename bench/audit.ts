// Audit trail benchmark (issue 5): hash-chained appends per second on SQLite and PostgreSQL, as the
// responders use the trail (one awaited record() per transaction; many in flight, grouped into one
// commit; recordMany batches), and verifyChain() rows per second. Baseline in the same run: the same
// row inserted one per transaction into an unchained table with no head lock and no hash.
// Run alone: `npx tsx bench/audit.ts` (PostgreSQL: TEST_DATABASE_URL or postgres://root@127.0.0.1:5432/test).
import { sql } from "kysely";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { AuditEventInput } from "../src/audit/event";
import { auditMigrations } from "../src/audit/migrations";
import { AuditTrail } from "../src/audit/trail";
import { openDatabase, type Database, type Dialect } from "../src/storage/database";
import { runMigrations } from "../src/storage/migrations";
import { machine, type Machine } from "./measure";

const PG_URL = process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";

export interface AuditFigures {
  dialect: Dialect;
  baselinePerSecond: number;
  sequentialPerSecond: number;
  concurrentPerSecond: number;
  batchPerSecond: number;
  verifyPerSecond: number;
  events: number;
}

export interface AuditBenchResult {
  machine: Machine;
  figures: AuditFigures[];
  skipped: string[];
}

function event(i: number): AuditEventInput {
  return {
    type: "EHDSI-22",
    outcome: "success",
    who: { partnerCountry: "BE", homeCommunityId: "urn:oid:2.16.17.710.812.1000.990.1", hcpId: `hcp-${i % 50}`, role: "221", purposeOfUse: "TREATMENT" },
    patientId: `${2980010100000 + (i % 1000)}^^^&1.3.182.2.12.10000734.6.1&ISO`,
    documentIds: [`1.3.182.2.12.10000734.9.1.${i}`],
    direction: "inbound",
    durationMs: 12,
    traceId: `bench-${i}`,
    details: { classCode: "60591-5" },
  };
}

/** Calls fn(i) for about ms milliseconds; operations per second (fn returns how many it did). */
async function rate(fn: (i: number) => Promise<number>, ms: number): Promise<number> {
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < ms) done += await fn(done);
  return (done * 1000) / (performance.now() - start);
}

async function measure(database: Database, ms: number): Promise<AuditFigures> {
  await runMigrations(database, auditMigrations);
  const trail = new AuditTrail(database);
  await sql`create table bench_plain (id text primary key, time text not null, event_type text not null, patient_id text, trace_id text, event text not null)`.execute(database.db);
  await sql`create index bench_plain_time on bench_plain (time)`.execute(database.db);
  const baselinePerSecond = await rate(async (i) => {
    const e = JSON.stringify(event(i));
    await sql`insert into bench_plain (id, time, event_type, patient_id, trace_id, event) values (${`b-${i}`}, ${new Date().toISOString()}, 'EHDSI-22', ${`p-${i}`}, ${`t-${i}`}, ${e})`.execute(database.db);
    return 1;
  }, ms);
  const sequentialPerSecond = await rate(async (i) => {
    await trail.record(event(i));
    return 1;
  }, ms);
  const concurrentPerSecond = await rate(async (i) => {
    await Promise.all(Array.from({ length: 64 }, (_, k) => trail.record(event(i + k))));
    return 64;
  }, ms);
  const batchPerSecond = await rate(async (i) => {
    await trail.recordMany(Array.from({ length: 100 }, (_, k) => event(i + k)));
    return 100;
  }, ms);
  const t0 = performance.now();
  const verified = await trail.verifyChain();
  const verifyPerSecond = (verified.checked * 1000) / (performance.now() - t0);
  if (!verified.ok) throw new Error(`benchmark chain broken: ${JSON.stringify(verified.firstBroken)}`);
  return { dialect: database.dialect, baselinePerSecond, sequentialPerSecond, concurrentPerSecond, batchPerSecond, verifyPerSecond, events: verified.checked };
}

export async function run(options: { ms?: number } = {}): Promise<AuditBenchResult> {
  const ms = options.ms ?? 2000;
  const figures: AuditFigures[] = [];
  const skipped: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "passerelle-bench-audit-"));
  const sqlite = await openDatabase({ dataDir: dir });
  try {
    figures.push(await measure(sqlite, ms));
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const schema = `bench_audit_${process.pid}`;
  let postgres: Database | undefined;
  try {
    postgres = await openDatabase({ url: PG_URL, dataDir: tmpdir(), schema, poolSize: 4 });
  } catch (e) {
    skipped.push(`postgres: ${(e as Error).message}`);
  }
  if (postgres) {
    try {
      figures.push(await measure(postgres, ms));
    } finally {
      await postgres.close();
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop schema if exists "${schema}" cascade`).finally(() => admin.end());
    }
  }
  return { machine: machine(), figures, skipped };
}

export function format(r: AuditBenchResult): string {
  const n = (x: number) => x.toFixed(0).padStart(7);
  const lines = [`audit trail — ${r.machine.nproc} CPU(s), ${r.machine.cpu}, Node ${r.machine.node}`];
  for (const f of r.figures) {
    lines.push(
      `  ${f.dialect}:`,
      `    baseline: unchained insert, one per transaction  ${n(f.baselinePerSecond)}/s`,
      `    record(), awaited one by one                     ${n(f.sequentialPerSecond)}/s`,
      `    record(), 64 in flight (grouped commits)         ${n(f.concurrentPerSecond)}/s`,
      `    recordMany(), batches of 100                     ${n(f.batchPerSecond)}/s`,
      `    verifyChain() over ${f.events} events            ${n(f.verifyPerSecond)} rows/s`,
    );
  }
  for (const s of r.skipped) lines.push(`  skipped ${s}`);
  return lines.join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(format(await run()));
}
