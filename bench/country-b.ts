// Country B benchmark (issue 6 "Benchmark": end-to-end exchanges per second through the queue against
// a local partner gateway, and the queue's overhead per exchange against a direct call, in the same
// run). Two gateways in this process (test/country-b/two-gateways.ts): BE asks LU (demo data) over
// real mutual TLS. For XCPD discovery (EHDSI-11) and PS retrieval (EHDSI-22 + translation EHDSI-94 +
// HTML), N exchanges are run
//   direct   the use case (src/country-b/exchanges.ts) called with countryBOf(ctx), 4 at a time;
//   queued   the same jobs enqueued on the embedded queue over BE's database (and BullMQ on Redis
//            when reachable), run by the country-B handlers with worker concurrency 4, awaited to
//            completion.
// The per-partner concurrency stays 4 (as direct); the per-partner rate limit (default 20/s) is lifted
// so that the figure is the queue's own cost, not its throttle. Both gateways share this machine's
// CPUs: the figures include LU's side (assertion checks, consent, national read, seal, audit).
// Run alone: `npx tsx bench/country-b.ts [exchanges]`; `npm run bench` calls run().
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { GatewayModule } from "../src/app/module";
import { GATEWAY_MODULES } from "../src/app/modules";
import type { Identifier } from "../src/canonical/model";
import { discoverPatient, listDocuments, retrieveForClinician } from "../src/country-b/exchanges";
import { countryBHandlers } from "../src/country-b/handlers";
import { createCountryBModule, countryBOf } from "../src/country-b/module";
import { COUNTRY_B_JOB_TYPES } from "../src/country-b/results";
import { BullmqExchangeQueue } from "../src/exchange/queue/bullmq";
import { EmbeddedExchangeQueue } from "../src/exchange/queue/embedded";
import type { ExchangeQueue, Job, JobHandler, JobHcpUser, JobType } from "../src/exchange/queue/port";
import type { PartialQueueSettings } from "../src/exchange/queue/settings";
import { LU_EHDSI_DOMAIN, LU_NATIONAL_ROOT, startTwoGateways } from "../test/country-b/two-gateways";
import { deleteRedisKeys, redisUnavailable, TEST_REDIS_URL } from "../test/exchange/queue/backends";
import { machine, type Machine } from "./measure";

const CONCURRENCY = 4;
const ENQUEUE_BATCH = 50;
/** The LU demo patient with every PS section (src/national/demo/README.md). */
const SOPHIE = "1992031411227";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? TEST_REDIS_URL;

const SETTINGS: PartialQueueSettings = {
  partnerLimits: { concurrency: CONCURRENCY, ratePerSecond: 1_000_000 },
  pollIntervalMs: 20,
};

const DOCTOR: JobHcpUser = {
  nameId: "bench.doctor@uzleuven.be", subjectId: "Dr Bench", role: "221", purposeOfUse: "TREATMENT",
  organization: "UZ Leuven", organizationId: "urn:oid:2.16.56.1.2.3", facilityType: "Hospital", locality: "Leuven",
  permissions: ["PRD-006", "PRD-003", "PRD-005", "PRD-010", "PRD-016", "PRD-004"], authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
};
const ehdsi = (id: string): Identifier => ({ system: LU_EHDSI_DOMAIN, value: id });

type Exchange = "xcpd-discover" | "xca-retrieve";

export interface PathFigure {
  /** "direct", "embedded / SQLite", "BullMQ / Redis". */
  path: string;
  perSecond: number | undefined;
  /** Queue cost per exchange beyond the direct call (wall time per exchange), milliseconds. */
  overheadMs?: number;
  note?: string;
}

export interface ExchangeFigures {
  exchange: Exchange;
  label: string;
  paths: PathFigure[];
}

export interface CountryBBenchResult {
  machine: Machine;
  exchanges: number;
  figures: ExchangeFigures[];
}

/** Runs `n` calls of fn, `concurrency` at a time; calls per second. */
async function pooled(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
  return (n * 1000) / (performance.now() - start);
}

/** Enqueues `n` copies of the job and waits until the handler has finished all; exchanges per second. */
async function queued(queue: ExchangeQueue, n: number, job: Job<Exchange>, tag: string, finished: Finished): Promise<number> {
  const before = (await queue.counts()).completed;
  finished.count = 0;
  finished.target = n;
  finished.failures = [];
  const all = new Promise<void>((r) => (finished.wake = r));
  const start = performance.now();
  for (let i = 0; i < n; i += ENQUEUE_BATCH) {
    await Promise.all(Array.from({ length: Math.min(ENQUEUE_BATCH, n - i) }, (_, k) => queue.enqueue(job, { idempotencyKey: `${tag}-${i + k}-${randomUUID()}` })));
  }
  await all;
  const perSecond = (n * 1000) / (performance.now() - start);
  if (finished.failures.length > 0) throw new Error(`${tag}: ${finished.failures.length} exchanges failed, first: ${finished.failures[0]}`);
  // The handler has returned; the outcome is stored just after: wait for the stored count.
  for (let i = 0; i < 200 && (await queue.counts()).completed - before < n; i++) await new Promise((r) => setTimeout(r, 25));
  const stored = (await queue.counts()).completed - before;
  if (stored !== n) throw new Error(`${tag}: ${stored} exchanges stored as completed, ${n} enqueued`);
  return perSecond;
}

interface Finished {
  count: number;
  /** The count at which queued() is woken. */
  target: number;
  failures: string[];
  wake?: () => void;
}

/** The handler, counting the exchanges it finished (and the failures) for queued(). */
function counted<T extends JobType>(handler: JobHandler<T>, finished: Finished): JobHandler<T> {
  return async (job, ctx) => {
    try {
      return await handler(job, ctx);
    } catch (e) {
      finished.failures.push((e as Error).message);
      throw e;
    } finally {
      if (++finished.count === finished.target) finished.wake?.();
    }
  };
}

/** Registers the country-B handlers on `queue`, counting finished exchanges for queued(). */
function serve(queue: ExchangeQueue, handlers: ReturnType<typeof countryBHandlers>): Finished {
  const finished: Finished = { count: 0, target: 0, failures: [] };
  for (const type of COUNTRY_B_JOB_TYPES) queue.process(type, counted(handlers[type] as JobHandler<typeof type>, finished) as never, { concurrency: CONCURRENCY });
  return finished;
}

export async function run(options: { exchanges?: number; log?: (line: string) => void } = {}): Promise<CountryBBenchResult> {
  const n = options.exchanges ?? 200;
  const log = options.log ?? (() => undefined);
  // BE without its own queue handlers: this benchmark runs them on the queues it measures.
  const beModules: readonly GatewayModule[] = GATEWAY_MODULES.map((m) => (m.name === "country-b" ? createCountryBModule({ registerHandlers: false }) : m));
  const t = await startTwoGateways({ beModules });
  try {
    const deps = countryBOf(t.be.context);
    const handlers = countryBHandlers(deps);
    const runOf = () => ({ exchangeId: randomUUID(), traceId: randomUUID() });
    const discover: Job<"xcpd-discover"> = { type: "xcpd-discover", country: "LU", requester: DOCTOR, identifiers: [{ system: LU_NATIONAL_ROOT, value: SOPHIE }] };
    const list = await listDocuments(deps, runOf(), { country: "LU", requester: DOCTOR, patientId: ehdsi(SOPHIE), documentClass: "ps" });
    const l3 = list.documents.find((d) => d.level === "L3");
    if (!l3) throw new Error("LU listed no PS L3 for the demo patient");
    const retrieve: Job<"xca-retrieve"> = { type: "xca-retrieve", country: "LU", requester: DOCTOR, patientId: ehdsi(SOPHIE), documentClass: "ps", language: "de", homeCommunityId: l3.homeCommunityId, repositoryUniqueId: l3.repositoryUniqueId, documentUniqueId: l3.documentUniqueId };
    const direct: Record<Exchange, () => Promise<unknown>> = {
      "xcpd-discover": () => discoverPatient(deps, runOf(), discover),
      "xca-retrieve": () => retrieveForClinician(deps, runOf(), retrieve),
    };
    const jobs: Record<Exchange, Job<Exchange>> = { "xcpd-discover": discover, "xca-retrieve": retrieve };
    // Warm-up: TLS sessions, LU's seal cache, assertion verdict caches, JIT.
    for (const e of Object.keys(direct) as Exchange[]) await pooled(20, CONCURRENCY, direct[e]);

    const figures: ExchangeFigures[] = [
      { exchange: "xcpd-discover", label: "XCPD discovery (EHDSI-11)", paths: [] },
      { exchange: "xca-retrieve", label: "PS retrieve L3 -> de + HTML (EHDSI-22, EHDSI-94)", paths: [] },
    ];
    const queuedFigure = (path: string, perSecond: number, directPerSecond: number): PathFigure =>
      ({ path, perSecond, overheadMs: (1 / perSecond - 1 / directPerSecond) * 1000 });

    // Direct first, then the embedded queue, for each exchange (same gateways, same data).
    const embedded = new EmbeddedExchangeQueue({ database: t.be.context.database, settings: SETTINGS });
    try {
      const finished = serve(embedded, handlers);
      for (const f of figures) {
        const d = await pooled(n, CONCURRENCY, direct[f.exchange]);
        f.paths.push({ path: "direct", perSecond: d });
        log(`${f.exchange} direct done`);
        f.paths.push(queuedFigure("embedded / SQLite", await queued(embedded, n, jobs[f.exchange], `bench-cb-${f.exchange}`, finished), d));
        log(`${f.exchange} embedded done`);
      }
    } finally {
      await embedded.close();
    }

    // BullMQ on Redis, when reachable.
    const why = await redisUnavailable();
    const prefix = `bench-country-b-${process.pid}`;
    if (why) for (const f of figures) f.paths.push({ path: "BullMQ / Redis", perSecond: undefined, note: `skipped: Redis unreachable at ${REDIS_URL}: ${why}` });
    else {
      const bull = new BullmqExchangeQueue({ url: REDIS_URL, prefix, settings: SETTINGS });
      try {
        const finished = serve(bull, handlers);
        for (const f of figures) {
          const d = f.paths.find((p) => p.path === "direct")!.perSecond!;
          f.paths.push(queuedFigure("BullMQ / Redis", await queued(bull, n, jobs[f.exchange], `bench-cb-bull-${f.exchange}`, finished), d));
          log(`${f.exchange} BullMQ done`);
        }
      } finally {
        await bull.close();
        await deleteRedisKeys(REDIS_URL, prefix);
      }
    }
    return { machine: machine(), exchanges: n, figures };
  } finally {
    await t.stop();
  }
}

export function format(r: CountryBBenchResult): string {
  const lines = [`country B: BE -> LU over mutual TLS, both gateways in this process — ${r.exchanges} exchanges per row, concurrency ${CONCURRENCY}, ${r.machine.nproc} CPU(s) ${r.machine.cpu}, Node ${r.machine.node}`];
  for (const f of r.figures) {
    lines.push(`  ${f.label}`);
    for (const p of f.paths) {
      if (p.perSecond === undefined) lines.push(`    ${p.path.padEnd(18)} ${p.note}`);
      else lines.push(`    ${p.path.padEnd(18)} ${p.perSecond.toFixed(1).padStart(7)} exchanges/s${p.overheadMs === undefined ? "" : `  queue overhead ${p.overheadMs.toFixed(2)} ms per exchange over the direct call`}`);
    }
  }
  return lines.join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const exchanges = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(format(await run({ ...(exchanges ? { exchanges } : {}), log: (l) => console.error(l) })));
}
