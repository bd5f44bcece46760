// The embedded exchange queue: jobs in the gateway's database (table exchange_job), the default when
// REDIS_URL is unset (DESIGN.md "Real components and the embedded default"). Durable before enqueue
// resolves (the insert is committed); workers claim due jobs with a lease (locked_until) renewed while
// the handler runs, so a crashed worker's job is taken again once its lease expires (at-least-once;
// handlers are idempotent by job id). Idle workers poll every pollIntervalMs and are woken at once by
// an enqueue through any queue object on the same Database in this process.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Logger } from "../../shared/logger";
import type { Database } from "../../storage/database";
import { EmbeddedJobStore } from "./embedded-store";
import { checkEnqueue, conflict, notFound } from "./validate";
import { PartnerGate } from "./partner-gate";
import type { EnqueueOptions, EnqueueResult, ExchangeQueue, Job, JobCounts, JobHandler, JobPage, JobType, ListQuery, ProcessOptions, QueueSettings, StoredJob } from "./port";
import { runAttempt, workerLostFailure, type AttemptOutcome } from "./runtime";
import { queueSettings, type PartialQueueSettings } from "./settings";

const wakeups = new WeakMap<Database, EventEmitter>();
function wakeupsOf(database: Database): EventEmitter {
  let e = wakeups.get(database);
  if (!e) {
    e = new EventEmitter();
    e.setMaxListeners(0);
    wakeups.set(database, e);
  }
  return e;
}

const PURGE_INTERVAL_MS = 60_000;

export interface EmbeddedQueueOptions {
  readonly database: Database;
  readonly settings?: PartialQueueSettings;
  readonly logger?: Logger;
}

interface Worker {
  readonly type: JobType;
  readonly concurrency: number;
  readonly handler: JobHandler<JobType>;
  readonly inflight: Map<string, { token: string; done: Promise<void> }>;
  loop?: Promise<void>;
}

export class EmbeddedExchangeQueue implements ExchangeQueue {
  readonly kind = "embedded" as const;
  readonly settings: QueueSettings;
  readonly gate: PartnerGate;
  readonly #store: EmbeddedJobStore;
  readonly #wakeups: EventEmitter;
  readonly #logger: Logger | undefined;
  readonly #workers = new Map<JobType, Worker>();
  readonly #abort = new AbortController();
  readonly #instance = randomUUID();
  #claims = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastPurge = 0;

  constructor(options: EmbeddedQueueOptions) {
    this.settings = queueSettings(options.settings);
    this.gate = new PartnerGate(this.settings);
    this.#store = new EmbeddedJobStore(options.database);
    this.#wakeups = wakeupsOf(options.database);
    this.#logger = options.logger;
  }

  async enqueue<T extends JobType>(job: Job<T>, options: EnqueueOptions): Promise<EnqueueResult<T>> {
    const any = job as Job;
    const { id, traceId } = checkEnqueue(any, options);
    const created = await this.#store.insert(id, any, traceId, this.settings.retry.maxAttempts, Date.now());
    const stored = await this.#store.get(id);
    if (!stored) throw notFound(id);
    if (created) this.#wakeups.emit(job.type);
    return { job: stored as StoredJob<T>, created };
  }

  get(id: string): Promise<StoredJob | undefined> {
    return this.#store.get(id);
  }

  async list(query: ListQuery = {}): Promise<JobPage> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
    const jobs = await this.#store.list(query, limit + 1);
    const page = jobs.slice(0, limit);
    const last = page.at(-1);
    return { jobs: page, nextCursor: jobs.length > limit && last ? this.#store.cursorAfter(last) : undefined };
  }

  async retry(id: string): Promise<StoredJob> {
    if (await this.#store.requeue(id, Date.now())) {
      const job = await this.#store.get(id);
      if (job) {
        this.#wakeups.emit(job.type);
        return job;
      }
    }
    const job = await this.#store.get(id);
    if (!job) throw notFound(id);
    throw conflict(job);
  }

  counts(): Promise<JobCounts> {
    return this.#store.counts();
  }

  async ping(): Promise<void> {
    await this.#store.counts();
  }

  process<T extends JobType>(type: T, handler: JobHandler<T>, options: ProcessOptions = {}): void {
    if (this.#abort.signal.aborted) throw new Error("the exchange queue is closed");
    if (this.#workers.has(type)) throw new Error(`a handler for ${type} is already registered`);
    const worker: Worker = { type, concurrency: Math.max(1, options.concurrency ?? 4), handler: handler as unknown as JobHandler<JobType>, inflight: new Map() };
    this.#workers.set(type, worker);
    worker.loop = this.#loop(worker);
    this.#heartbeat ??= setInterval(() => void this.#renewLeases(), Math.max(50, Math.floor(this.settings.leaseMs / 3)));
  }

  async close(): Promise<void> {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    this.#wakeups.emit("close");
    const workers = [...this.#workers.values()];
    await Promise.all(workers.map((w) => w.loop));
    // Handlers were told to stop (signal); wait for them at most one lease: an unfinished job keeps
    // its lease and is taken again after it expires.
    const running = workers.flatMap((w) => [...w.inflight.values()].map((f) => f.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(running), new Promise((r) => (timer = setTimeout(r, this.settings.leaseMs)))]);
    clearTimeout(timer);
    clearInterval(this.#heartbeat);
  }

  async #loop(worker: Worker): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let claimed = 0;
      let free = worker.concurrency - worker.inflight.size;
      try {
        if (free > 0) {
          const token = `${this.#instance}.${++this.#claims}`;
          const jobs = await this.#store.claim(worker.type, free, token, this.settings.leaseMs, Date.now(), this.gate.saturated());
          claimed = jobs.length;
          for (const job of jobs) this.#start(worker, job, token);
          free -= claimed;
        }
        await this.#purge();
      } catch (err) {
        this.#logger?.error({ err, jobType: worker.type }, "exchange queue: claiming jobs failed");
      }
      if (claimed > 0 && free > 0) continue;
      await this.#idle(worker);
    }
  }

  /** Sleeps until an enqueue of this type, a freed slot, shutdown or the poll interval (delayed jobs come due). */
  async #idle(worker: Worker): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeups.off(worker.type, done);
        this.#wakeups.off("close", done);
        resolve();
      };
      const timer = setTimeout(done, this.settings.pollIntervalMs);
      this.#wakeups.on(worker.type, done);
      this.#wakeups.on("close", done);
    });
  }

  #start(worker: Worker, job: StoredJob, token: string): void {
    const done = this.#run(worker, job, token).finally(() => {
      worker.inflight.delete(job.id);
      this.#wakeups.emit(worker.type);
    });
    worker.inflight.set(job.id, { token, done });
  }

  async #run(worker: Worker, job: StoredJob, token: string): Promise<void> {
    const attempt = job.attempts;
    const outcome: AttemptOutcome =
      attempt > job.maxAttempts
        ? { kind: "dead-letter", failure: workerLostFailure(attempt) }
        : await runAttempt(job, attempt, worker.handler, { gate: this.gate, settings: this.settings, signal: this.#abort.signal, logger: this.#logger });
    const now = Date.now();
    try {
      const kept = await this.#store.settle(job.id, token, now, settlement(outcome));
      if (!kept) this.#logger?.warn({ jobId: job.id, outcome: outcome.kind }, "exchange job lease lost before its outcome was stored; another worker owns it");
    } catch (err) {
      this.#logger?.error({ err, jobId: job.id }, "exchange queue: storing a job outcome failed (the job runs again after its lease)");
    }
  }

  async #renewLeases(): Promise<void> {
    const now = Date.now();
    for (const w of this.#workers.values()) {
      const byToken = new Map<string, string[]>();
      for (const [id, f] of w.inflight) byToken.set(f.token, [...(byToken.get(f.token) ?? []), id]);
      for (const [token, ids] of byToken) {
        await this.#store.renew(ids, token, this.settings.leaseMs, now).catch((err: unknown) => this.#logger?.error({ err }, "exchange queue: lease renewal failed"));
      }
    }
  }

  async #purge(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastPurge < PURGE_INTERVAL_MS) return;
    this.#lastPurge = now;
    await this.#store.purgeCompleted(now - this.settings.keepCompletedMs);
  }
}

function settlement(o: AttemptOutcome): Parameters<EmbeddedJobStore["settle"]>[3] {
  switch (o.kind) {
    case "completed":
      return { state: "completed", result: o.result };
    case "retry":
      return { state: "delayed", runAt: o.runAt, failure: o.failure };
    case "dead-letter":
      return { state: "dead-letter", failure: o.failure };
    case "failed-permanently":
      return { state: "failed-permanently", failure: o.failure };
    case "postponed":
      return { state: "delayed", runAt: o.runAt, uncountAttempt: true };
  }
}
