// Exchange queue benchmark (issue 6 "Benchmark": the queue's overhead per exchange against a direct
// call, in the same run): N jobs enqueued and run to completion by a no-op handler through each
// adapter — embedded on SQLite, embedded on PostgreSQL, BullMQ on Redis (each skipped with a note
// when its server is unreachable) — against the same no-op handler called directly and awaited.
// Per-partner limits are lifted (the gate still runs) so the figure is the queue's own cost.
// Run alone: `npx tsx bench/queue.ts [jobs]`; `npm run bench` calls run().
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Redis } from "ioredis";
import { BullmqExchangeQueue } from "../src/exchange/queue/bullmq";
import { EmbeddedExchangeQueue } from "../src/exchange/queue/embedded";
import type { ExchangeQueue, Job, JobHcpUser } from "../src/exchange/queue/port";
import type { PartialQueueSettings } from "../src/exchange/queue/settings";
import { openDatabase, type Database } from "../src/storage/database";
import { ALL_MIGRATIONS } from "../src/storage/migration-registry";
import { runMigrations } from "../src/storage/migrations";
import { awaitedPerSecond, machine, type Machine } from "./measure";

const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const ENQUEUE_BATCH = 50;
const WORKER_CONCURRENCY = 16;

const SETTINGS: PartialQueueSettings = {
  partnerLimits: { concurrency: 1000, ratePerSecond: 1_000_000 },
  pollIntervalMs: 20,
};

const REQUESTER: JobHcpUser = {
  nameId: "bench",
  subjectId: "Bench",
  role: "221",
  purposeOfUse: "TREATMENT",
  organization: "Bench",
  organizationId: "urn:oid:1.2.3",
  facilityType: "Hospital",
  locality: "Luxembourg",
  permissions: ["PRD-006"],
  authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:X509",
};

function job(i: number): Job<"xca-query"> {
  return { type: "xca-query", country: ["BE", "FR", "DE", "NL"][i % 4]!, requester: REQUESTER, patientId: { system: "1.2.3", value: `P${i}` }, documentClass: "ps" };
}

const noop = async () => ({ documents: [] as never[] });

export interface AdapterFigure {
  name: string;
  /** undefined when the backend was unreachable. */
  jobsPerSecond: number | undefined;
  enqueuePerSecond: number | undefined;
  /** Queue cost per job beyond the direct call, microseconds. */
  overheadUs: number | undefined;
  note?: string;
}

export interface QueueBenchResult {
  machine: Machine;
  jobs: number;
  directCallsPerSecond: number;
  adapters: AdapterFigure[];
}

/** Enqueues `jobs` jobs (batches of concurrent enqueues) and waits until all completed. */
async function throughput(queue: ExchangeQueue, jobs: number, tag: string): Promise<{ jobsPerSecond: number; enqueuePerSecond: number }> {
  let done = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  queue.process(
    "xca-query",
    async () => {
      const r = await noop();
      if (++done === jobs) resolveAll();
      return r;
    },
    { concurrency: WORKER_CONCURRENCY },
  );
  const start = performance.now();
  for (let i = 0; i < jobs; i += ENQUEUE_BATCH) {
    await Promise.all(Array.from({ length: Math.min(ENQUEUE_BATCH, jobs - i) }, (_, k) => queue.enqueue(job(i + k), { idempotencyKey: `${tag}-${i + k}` })));
  }
  const enqueued = performance.now();
  await all;
  const seconds = (performance.now() - start) / 1000;
  const counts = await waitCompleted(queue, jobs);
  if (counts !== jobs) throw new Error(`${tag}: ${counts} jobs completed, ${jobs} enqueued`);
  return { jobsPerSecond: jobs / seconds, enqueuePerSecond: (jobs * 1000) / (enqueued - start) };
}

/** The handler has returned; the outcome is stored just after: wait for the stored count. */
async function waitCompleted(queue: ExchangeQueue, jobs: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const c = (await queue.counts()).completed;
    if (c === jobs) return c;
    await new Promise((r) => setTimeout(r, 25));
  }
  return (await queue.counts()).completed;
}

async function embedded(database: Database, jobs: number, tag: string): Promise<{ jobsPerSecond: number; enqueuePerSecond: number }> {
  await runMigrations(database, ALL_MIGRATIONS);
  const queue = new EmbeddedExchangeQueue({ database, settings: SETTINGS });
  try {
    return await throughput(queue, jobs, tag);
  } finally {
    await queue.close();
  }
}

function figure(name: string, t: { jobsPerSecond: number; enqueuePerSecond: number }, direct: number): AdapterFigure {
  return { name, jobsPerSecond: t.jobsPerSecond, enqueuePerSecond: t.enqueuePerSecond, overheadUs: (1 / t.jobsPerSecond - 1 / direct) * 1e6 };
}

function skipped(name: string, e: unknown): AdapterFigure {
  return { name, jobsPerSecond: undefined, enqueuePerSecond: undefined, overheadUs: undefined, note: `skipped: ${(e as Error).message}` };
}


export async function run(options: { jobs?: number; log?: (line: string) => void } = {}): Promise<QueueBenchResult> {
  const jobs = options.jobs ?? 2000;
  const log = options.log ?? (() => undefined);
  // Baseline: the same handler, called directly and awaited, one after the other.
  const directCallsPerSecond = await awaitedPerSecond(noop, 300);
  const adapters: AdapterFigure[] = [];

  const dir = mkdtempSync(resolve(tmpdir(), "passerelle-bench-queue-"));
  try {
    const sqlite = await openDatabase({ dataDir: dir });
    try {
      adapters.push(figure("embedded / SQLite", await embedded(sqlite, jobs, "sqlite"), directCallsPerSecond));
      log("embedded SQLite done");
    } finally {
      await sqlite.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const schema = `bench_queue_${process.pid}`;
  try {
    const database = await openDatabase({ url: PG_URL, dataDir: tmpdir(), schema, poolSize: 8 });
    try {
      adapters.push(figure("embedded / PostgreSQL", await embedded(database, jobs, "pg"), directCallsPerSecond));
      log("embedded PostgreSQL done");
    } finally {
      await database.close();
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop schema if exists "${schema}" cascade`).finally(() => admin.end());
    }
  } catch (e) {
    adapters.push(skipped("embedded / PostgreSQL", e));
  }

  const prefix = `bench-queue-${process.pid}`;
  try {
    const queue = new BullmqExchangeQueue({ url: REDIS_URL, prefix, settings: SETTINGS });
    try {
      await queue.ping();
      adapters.push(figure("BullMQ / Redis", await throughput(queue, jobs, "bull"), directCallsPerSecond));
      log("BullMQ done");
    } finally {
      await queue.close();
      const client = new Redis(REDIS_URL);
      const keys = await client.keys(`${prefix}:*`);
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
    }
  } catch (e) {
    adapters.push(skipped("BullMQ / Redis", e));
  }

  return { machine: machine(), jobs, directCallsPerSecond, adapters };
}

export function format(r: QueueBenchResult): string {
  const lines = [
    `exchange queue — ${r.jobs} no-op jobs per adapter, worker concurrency ${WORKER_CONCURRENCY}, ${r.machine.nproc} CPU(s), Node ${r.machine.node}`,
    `  direct call (baseline): ${Math.round(r.directCallsPerSecond).toLocaleString("en")} calls/s`,
  ];
  for (const a of r.adapters) {
    if (a.jobsPerSecond === undefined) lines.push(`  ${a.name}: ${a.note}`);
    else
      lines.push(
        `  ${a.name}: ${Math.round(a.jobsPerSecond)} jobs/s end to end (enqueue ${Math.round(a.enqueuePerSecond ?? 0)}/s), overhead ${(a.overheadUs ?? 0).toFixed(0)} us per job over the direct call`,
      );
  }
  return lines.join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const jobs = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(format(await run({ ...(jobs ? { jobs } : {}), log: (l) => console.error(l) })));
}
