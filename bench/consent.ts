// Consent benchmark (issue 4 "Scale"): bulk import of one million consent records through the NDJSON
// import (parse, validate, plan against stored histories, multi-row inserts) into SQLite and into
// PostgreSQL (floor: 30 s each), then decision latency with a million patients loaded: the pure
// decide() on in-memory histories against a bare Map lookup measured in the same run (baseline), and
// ConsentService.check() end to end (history read from the database + decision + audit event appended
// to the gateway's hash-chained trail, as in the running gateway).
// Run alone: `npx tsx bench/consent.ts [records]`; `npm run bench` calls run().
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { TrailConsentAuditSink } from "../src/audit/consent-sink";
import { AuditTrail } from "../src/audit/trail";
import { LU_DEFAULTS } from "../src/config/schema";
import { MYHEALTH_EU_COUNTRIES } from "../src/consent/countries";
import { decide } from "../src/consent/decision";
import { importConsents } from "../src/consent/import";
import type { ConsentRecord, ConsentService as Service, DecisionQuery } from "../src/consent/model";
import { ConsentRepository } from "../src/consent/repository";
import { ConsentService } from "../src/consent/service";
import { makeMatricule } from "../src/national/matricule";
import { openDatabase, type Database } from "../src/storage/database";
import { ALL_MIGRATIONS } from "../src/storage/migration-registry";
import { runMigrations } from "../src/storage/migrations";

export const FLOOR_SECONDS = 30;
export const DECISION_BUDGET_US = 50;
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";
const LINES_PER_CHUNK = 1000;

/** Patient i: 1000 serials per birth date, dates from 1930 on: a million distinct valid matricules. */
export function patientNo(i: number): string {
  const day = new Date(Date.UTC(1930, 0, 1) + Math.floor(i / 1000) * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");
  return makeMatricule(day, i % 1000);
}

/**
 * The demo mix, as NDJSON commands: 80% of patients grant everything; 10% grant a few countries for
 * a period; 10% grant and later revoke part of it (two records). `records` records in all.
 */
export function* consentLines(records: number): Generator<{ line: string; patients: number }> {
  let written = 0;
  let i = 0;
  while (written < records) {
    const patient = patientNo(i);
    const kind = i % 10;
    const base = { patient, source: "national-record", recordedBy: "bench" };
    if (kind === 8) {
      yield { line: JSON.stringify({ ...base, action: "grant", services: ["ps"], countries: ["BE", "DE", "FR"], validFrom: "2026-01-01", validUntil: "2030-12-31", requestId: `b-${i}-g` }), patients: i + 1 };
      written += 1;
    } else if (kind === 9 && written + 2 <= records) {
      yield { line: JSON.stringify({ ...base, action: "grant", requestId: `b-${i}-g` }), patients: i + 1 };
      yield { line: JSON.stringify({ ...base, action: "revoke", services: ["ep"], countries: ["FR"], requestId: `b-${i}-r` }), patients: i + 1 };
      written += 2;
    } else {
      yield { line: JSON.stringify({ ...base, action: "grant", requestId: `b-${i}-g` }), patients: i + 1 };
      written += 1;
    }
    i += 1;
  }
}

/** Writes the NDJSON file once (not timed): the import reads it like `passerelle consent import`. */
async function writeNdjson(path: string, records: number): Promise<void> {
  const out = createWriteStream(path);
  let chunk: string[] = [];
  for (const { line } of consentLines(records)) {
    chunk.push(line);
    if (chunk.length === LINES_PER_CHUNK) {
      if (!out.write(`${chunk.join("\n")}\n`)) await once(out, "drain");
      chunk = [];
    }
  }
  out.end(chunk.join("\n"));
  await finished(out);
}

export interface ImportFigures {
  dialect: string;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  rejected: number;
  withinFloor: boolean;
}

export interface LatencyFigures {
  name: string;
  samples: number;
  p50us: number;
  p99us: number;
}

export interface ConsentBenchResult {
  imports: ImportFigures[];
  latencies: LatencyFigures[];
  patients: number;
}

/** Consent audited in the hash-chained trail, as the gateway does (consentAuditSinkOf). */
function trailSink(database: Database): TrailConsentAuditSink {
  return new TrailConsentAuditSink(new AuditTrail(database), { patientIdAuthority: LU_DEFAULTS.ehdsiPatientIdDomain });
}

async function importInto(database: Database, file: string): Promise<ImportFigures> {
  const service = new ConsentService({ repository: new ConsentRepository(database), audit: trailSink(database) });
  const started = performance.now();
  const report = await importConsents(service, createReadStream(file, { highWaterMark: 1 << 20 }), { importedBy: "bench", batchSize: 2000 });
  const seconds = (performance.now() - started) / 1000;
  const stored = await service.repository.count();
  if (stored !== report.imported) throw new Error(`${database.dialect}: ${stored} rows stored, ${report.imported} reported`);
  return { dialect: database.dialect, records: report.imported, seconds, recordsPerSecond: report.imported / seconds, rejected: report.rejected, withinFloor: seconds <= FLOOR_SECONDS };
}

/** Per-call latency of `fn` over `n` calls (hrtime around each call; timer cost included). */
function latency(name: string, n: number, fn: (i: number) => unknown): LatencyFigures {
  const samples = new Float64Array(n);
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    if (fn(i)) sink++;
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  if (sink < 0) console.log(sink);
  samples.sort();
  return { name, samples: n, p50us: samples[Math.floor(n * 0.5)]!, p99us: samples[Math.floor(n * 0.99)]! };
}

async function latencyAsync(name: string, n: number, fn: (i: number) => Promise<unknown>): Promise<LatencyFigures> {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  samples.sort();
  return { name, samples: n, p50us: samples[Math.floor(n * 0.5)]!, p99us: samples[Math.floor(n * 0.99)]! };
}

/** Histories of the same mix as the import for `patients` patients, in memory, keyed by patient. */
function histories(patients: number): Map<string, ConsentRecord[]> {
  const map = new Map<string, ConsentRecord[]>();
  const at = "2026-01-01T00:00:00.000Z";
  for (const { line, patients: seen } of consentLines(Math.ceil(patients * 1.2))) {
    if (seen > patients) break;
    const c = JSON.parse(line) as Omit<ConsentRecord, "version" | "recordedAt" | "services" | "countries"> & { services?: Service[]; countries?: ConsentRecord["countries"]; validFrom?: string; validUntil?: string };
    const list = map.get(c.patient) ?? [];
    list.push({
      ...c,
      services: c.services ?? ["ep", "ps"],
      countries: c.countries ?? "ALL",
      ...(c.validFrom ? { validFrom: `${c.validFrom}T00:00:00.000Z` } : {}),
      ...(c.validUntil ? { validUntil: "2031-01-01T00:00:00.000Z" } : {}),
      version: list.length + 1,
      recordedAt: at,
    });
    map.set(c.patient, list);
  }
  return map;
}

function queries(patients: readonly string[], n: number): DecisionQuery[] {
  const now = Date.parse("2027-06-01T12:00:00Z");
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: n }, () => ({
    patient: patients[Math.floor(rnd() * patients.length)]!,
    country: MYHEALTH_EU_COUNTRIES[Math.floor(rnd() * MYHEALTH_EU_COUNTRIES.length)]!,
    service: rnd() < 0.5 ? "ps" : "ep",
    purpose: "TREATMENT",
    at: now,
  }));
}

async function freshPostgres(dir: string): Promise<{ database: Database; drop(): Promise<void> }> {
  const schema = `bench_consent_${process.pid}`;
  const database = await openDatabase({ url: PG_URL, dataDir: dir, schema, poolSize: 4 });
  return {
    database,
    async drop() {
      await database.close();
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    },
  };
}

export async function run(options: { records?: number; patients?: number; log?: (line: string) => void } = {}): Promise<ConsentBenchResult> {
  const records = options.records ?? 1_000_000;
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(resolve(tmpdir(), "passerelle-bench-consent-"));
  const imports: ImportFigures[] = [];
  const latencies: LatencyFigures[] = [];
  try {
    const file = resolve(dir, "consents.ndjson");
    await writeNdjson(file, records);
    log(`wrote ${records} records to ${file}`);
    const sqlite = await openDatabase({ dataDir: dir });
    await runMigrations(sqlite, ALL_MIGRATIONS);
    imports.push(await importInto(sqlite, file));
    log(`sqlite import done: ${imports.at(-1)!.seconds.toFixed(1)} s`);

    const memory = histories(options.patients ?? 1_000_000);
    const patients = [...memory.keys()];
    const qs = queries(patients, 200_000);
    // Database checks ask about imported patients only.
    const imported = new Set<string>();
    for (const { line } of consentLines(records)) imported.add((JSON.parse(line) as { patient: string }).patient);
    const dbQueries = queries([...imported], 5000);
    const n = qs.length;
    latencies.push(latency("baseline: Map.get of the history", n, (i) => memory.get(qs[i]!.patient)));
    latencies.push(latency("decide(): Map.get + decision", n, (i) => decide(memory.get(qs[i]!.patient) ?? [], qs[i]!).permit));
    const check = async (database: Database, label: string) => {
      const service = new ConsentService({ repository: new ConsentRepository(database), audit: trailSink(database), cacheTtlMs: 0 });
      latencies.push(await latencyAsync(`check() ${label}: history from the database + decision + audit trail append`, 5000, (i) => service.check(dbQueries[i]!)));
    };
    await check(sqlite, "SQLite");
    await sqlite.close();

    const postgres = await freshPostgres(dir);
    try {
      await runMigrations(postgres.database, ALL_MIGRATIONS);
      imports.push(await importInto(postgres.database, file));
      log(`postgres import done: ${imports.at(-1)!.seconds.toFixed(1)} s`);
      await check(postgres.database, "PostgreSQL");
    } finally {
      await postgres.drop();
    }
    return { imports, latencies, patients: patients.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function format(result: ConsentBenchResult): string {
  const lines = [`consent: decisions over ${result.patients} patients in memory`];
  for (const i of result.imports) {
    lines.push(`  import ${i.records} records into ${i.dialect}: ${i.seconds.toFixed(1)} s (${Math.round(i.recordsPerSecond)} records/s; floor ${FLOOR_SECONDS} s: ${i.withinFloor ? "ok" : "OVER"})`);
  }
  for (const l of result.latencies) lines.push(`  ${l.name}: p50 ${l.p50us.toFixed(2)} us, p99 ${l.p99us.toFixed(2)} us (${l.samples} samples)`);
  const d = result.latencies.find((l) => l.name.startsWith("decide"));
  if (d) lines.push(`  decision budget ${DECISION_BUDGET_US} us: ${d.p99us <= DECISION_BUDGET_US ? "ok" : "OVER"} at p99`);
  return lines.join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const records = process.argv[2] ? Number(process.argv[2]) : undefined;
  const result = await run({ ...(records ? { records } : {}), log: (l) => console.error(l) });
  console.log(format(result));
  if (result.imports.some((i) => !i.withinFloor)) process.exitCode = 1;
}
