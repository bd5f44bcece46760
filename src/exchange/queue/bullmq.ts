// The exchange queue on BullMQ (REDIS_URL set). One BullMQ queue per job type, `exchange-<type>`,
// under a configurable key prefix; the job id is the idempotency key (BullMQ keeps one job per id);
// retries are BullMQ attempts with our exponential backoff; a business error is thrown as
// UnrecoverableError (failed-permanently), a failed job with its attempts spent is the dead letter;
// `retry` is job.retry(). Redis persistence settings needed for durability: README.md.
import { Job as BullJob, DelayedError, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "../../shared/logger";
import { TransientError, type JobFailure } from "./errors";
import { PartnerGate } from "./partner-gate";
import {
  JOB_STATES,
  JOB_TYPES,
  partnerOf,
  type EnqueueOptions,
  type EnqueueResult,
  type ExchangeQueue,
  type Job,
  type JobCounts,
  type JobHandler,
  type JobPage,
  type JobState,
  type JobType,
  type ListQuery,
  type ProcessOptions,
  type QueueSettings,
  type StoredJob,
} from "./port";
import { runAttempt, type AttemptOutcome } from "./runtime";
import { queueSettings, retryDelayMs, type PartialQueueSettings } from "./settings";
import { checkEnqueue, conflict, notFound } from "./validate";
import { ErrorCode, PasserelleError } from "../../shared/errors";

export interface BullmqQueueOptions {
  readonly url: string;
  /** Redis key prefix of every queue (default "passerelle"); tests use a unique one. */
  readonly prefix?: string;
  readonly settings?: PartialQueueSettings;
  readonly logger?: Logger;
}

interface JobData {
  readonly job: Job;
  readonly traceId: string;
  readonly partner: string;
}

type Bull = BullJob<JobData, unknown, string>;

const FAILURE_MARK = "passerelle-failure:";
/** How long a producer operation waits for a Redis connection, then for its answer. */
const REDIS_WAIT_MS = 3000;
const REDIS_ANSWER_MS = 10_000;
/** Reconnection attempts a producer command waits through before failing. */
const PRODUCER_RETRIES_PER_REQUEST = 2;
/** BullMQ state names grouped into ours (failed is split by the recorded failure). */
const BULL_STATES: Record<"waiting" | "active" | "delayed" | "completed" | "failed", Array<"wait" | "prioritized" | "active" | "delayed" | "completed" | "failed">> = {
  waiting: ["wait", "prioritized"],
  active: ["active"],
  delayed: ["delayed"],
  completed: ["completed"],
  failed: ["failed"],
};

/** The error thrown to BullMQ for a failed attempt: the JobFailure travels in its message. */
class AttemptFailed extends Error {
  readonly delayMs: number | undefined;
  constructor(failure: JobFailure & { permanent: boolean }, delayMs?: number) {
    super(FAILURE_MARK + JSON.stringify(failure));
    this.delayMs = delayMs;
  }
}

function readFailure(reason: string | undefined, attempts: number): (JobFailure & { permanent: boolean }) | undefined {
  if (!reason) return undefined;
  if (reason.startsWith(FAILURE_MARK)) {
    try {
      return JSON.parse(reason.slice(FAILURE_MARK.length)) as JobFailure & { permanent: boolean };
    } catch {
      // fall through: an unreadable reason is reported as is
    }
  }
  // BullMQ's own reasons (a stalled job past maxStalledCount, ...): the worker was lost.
  return { code: "WORKER_LOST", message: reason, transient: true, attempt: attempts, at: new Date().toISOString(), permanent: false };
}

export class BullmqExchangeQueue implements ExchangeQueue {
  readonly kind = "bullmq" as const;
  readonly settings: QueueSettings;
  readonly gate: PartnerGate;
  readonly prefix: string;
  /** Enqueue, reads, operator commands: fails fast when Redis is down (the caller gets an error, not a hang). */
  readonly #client: Redis;
  /** Workers: blocking commands that must wait for Redis as long as it takes (BullMQ requirement). */
  #workerClient: Redis | undefined;
  readonly #queues = new Map<JobType, Queue<JobData, unknown, string>>();
  readonly #workers: Worker[] = [];
  readonly #abort = new AbortController();
  readonly #logger: Logger | undefined;
  readonly #url: string;

  constructor(options: BullmqQueueOptions) {
    this.settings = queueSettings(options.settings);
    this.gate = new PartnerGate(this.settings);
    this.prefix = options.prefix ?? "passerelle";
    this.#logger = options.logger;
    this.#url = options.url;
    this.#client = new Redis(options.url, { maxRetriesPerRequest: PRODUCER_RETRIES_PER_REQUEST, connectTimeout: 5000 });
    this.#client.on("error", (err) => this.#logger?.warn({ err: err.message }, "exchange queue: Redis connection error"));
    for (const type of JOB_TYPES) {
      const queue = new Queue<JobData, unknown, string>(`exchange-${type}`, { connection: this.#client, prefix: this.prefix });
      queue.on("error", (err) => this.#logger?.debug({ err: err.message, jobType: type }, "exchange queue: BullMQ queue error"));
      this.#queues.set(type, queue);
    }
  }

  /** Warnings about Redis settings that put jobs at risk (maxmemory-policy, persistence), logged too. */
  async checkDurability(): Promise<string[]> {
    const warnings: string[] = [];
    try {
      const [, policy] = (await this.#client.config("GET", "maxmemory-policy")) as [string, string];
      if (policy !== "noeviction") warnings.push(`Redis maxmemory-policy is ${policy}: jobs may be evicted; set noeviction`);
      const info = await this.#client.info("persistence");
      if (/aof_enabled:0/.test(info)) warnings.push("Redis appendonly is off: jobs written since the last snapshot are lost if Redis stops; set appendonly yes");
    } catch (e) {
      warnings.push(`cannot read the Redis configuration (${(e as Error).message}); make sure maxmemory-policy is noeviction and appendonly is yes`);
    }
    for (const w of warnings) this.#logger?.warn({}, w);
    return warnings;
  }

  #queue(type: JobType): Queue<JobData, unknown, string> {
    const q = this.#queues.get(type);
    if (!q) throw new PasserelleError(ErrorCode.InputInvalid, `unknown exchange job type ${type}`);
    return q;
  }

  async #enqueue<T extends JobType>(job: Job<T>, options: EnqueueOptions): Promise<EnqueueResult<T>> {
    const any = job as Job;
    const { id, traceId } = checkEnqueue(any, options);
    const existing = await this.#get(id);
    if (existing) return { job: existing as StoredJob<T>, created: false };
    // The key is taken across job types; the job id dedupes within one BullMQ queue.
    const keyName = `${this.prefix}:exchange-key:${id}`;
    const taken = await this.#client.set(keyName, any.type, "PX", this.settings.keepCompletedMs * 2, "NX");
    if (taken !== "OK") {
      const owner = await this.#client.get(keyName);
      if (owner !== any.type) return { job: (await this.#awaitOther(id, owner)) as StoredJob<T>, created: false };
    }
    const added = await this.#queue(any.type).add(any.type, { job: any, traceId, partner: partnerOf(any) }, {
      jobId: id,
      attempts: this.settings.retry.maxAttempts,
      backoff: { type: "passerelle" },
      removeOnComplete: { age: Math.ceil(this.settings.keepCompletedMs / 1000) },
      removeOnFail: false,
    });
    const stored = await this.#get(id);
    if (!stored) throw notFound(id);
    return { job: stored as StoredJob<T>, created: added.data.traceId === traceId && stored.traceId === traceId };
  }

  /** The job another enqueue of the same key (other type) is writing. */
  async #awaitOther(id: string, owner: string | null): Promise<StoredJob> {
    for (let i = 0; i < 20; i++) {
      const job = await this.#get(id);
      if (job) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new PasserelleError(ErrorCode.Conflict, `idempotency key ${id} is in use by a ${owner ?? "removed"} job`, { jobId: id });
  }

  async #find(id: string): Promise<Bull | undefined> {
    const found = await Promise.all([...this.#queues.values()].map((q) => BullJob.fromId<JobData, unknown, string>(q, id)));
    return found.find((j) => j !== undefined);
  }

  async #get(id: string): Promise<StoredJob | undefined> {
    let bj = await this.#find(id);
    if (!bj) return undefined;
    // State and data are two reads: the job may move in between (e.g. failed while its data still
    // says running). The state is kept only when the data read before and after it agree.
    let state = "unknown";
    for (let i = 0; i < 5; i++) {
      state = await bj.getState();
      const again = await this.#find(id);
      if (!again) return undefined;
      const same = snapshot(again) === snapshot(bj);
      bj = again;
      if (same) break;
    }
    return this.#toStored(bj, state === "unknown" ? "wait" : state);
  }

  #toStored(bj: Bull, bullState: string): StoredJob {
    const failure = readFailure(bj.failedReason, bj.attemptsMade);
    let state: JobState;
    if (bullState === "failed") state = failure?.permanent ? "failed-permanently" : "dead-letter";
    else if (bullState === "active" || bullState === "delayed" || bullState === "completed") state = bullState;
    else state = "waiting";
    const attempts = bj.attemptsMade + (state === "active" ? 1 : 0);
    const runAt = state === "waiting" ? new Date(bj.timestamp) : state === "delayed" ? new Date(bj.timestamp + (bj.delay ?? 0)) : undefined;
    const data = bj.data;
    let failureOut: JobFailure | undefined;
    if (failure) {
      const { permanent: _p, ...rest } = failure;
      failureOut = rest;
    }
    return {
      id: bj.id ?? "",
      type: data.job.type,
      job: data.job,
      partner: data.partner,
      traceId: data.traceId,
      state,
      attempts,
      maxAttempts: bj.opts.attempts ?? this.settings.retry.maxAttempts,
      createdAt: new Date(bj.timestamp),
      updatedAt: new Date(bj.finishedOn ?? bj.processedOn ?? bj.timestamp),
      runAt,
      finishedAt: state === "completed" || state === "failed-permanently" || state === "dead-letter" ? new Date(bj.finishedOn ?? Date.now()) : undefined,
      result: state === "completed" ? (bj.returnvalue as never) : undefined,
      failure: failureOut,
    } as StoredJob;
  }

  async #list(query: ListQuery = {}): Promise<JobPage> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
    const offset = query.cursor ? decodeOffset(query.cursor) : 0;
    const groups: Array<keyof typeof BULL_STATES> =
      query.state === undefined ? ["waiting", "active", "delayed", "completed", "failed"] : [query.state === "failed-permanently" || query.state === "dead-letter" ? "failed" : query.state];
    // Without a post-filter the newest offset+limit of each set suffice; with one, every job is read.
    const postFilter = query.partner !== undefined || groups.includes("failed");
    const end = postFilter ? -1 : offset + limit;
    const types = query.type ? [query.type] : JOB_TYPES;
    const batches = await Promise.all(
      types.flatMap((t) =>
        groups.map(async (g) => {
          const jobs = (await this.#queue(t).getJobs(BULL_STATES[g], 0, end)) as Bull[];
          return jobs.filter((j) => j !== undefined && j.data).map((j) => this.#toStored(j, g));
        }),
      ),
    );
    const all = batches
      .flat()
      .filter((j) => (query.state === undefined || j.state === query.state) && (query.partner === undefined || j.partner === query.partner))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const jobs = all.slice(offset, offset + limit);
    return { jobs, nextCursor: all.length > offset + limit ? encodeOffset(offset + limit) : undefined };
  }

  async #retry(id: string): Promise<StoredJob> {
    const bj = await this.#find(id);
    if (!bj) throw notFound(id);
    const state = await bj.getState();
    const stored = this.#toStored(bj, state);
    if (state !== "failed") throw conflict(stored);
    await bj.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    const after = await this.#get(id);
    if (!after) throw notFound(id);
    return after;
  }

  async #counts(): Promise<JobCounts> {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    await Promise.all(
      [...this.#queues.values()].map(async (q) => {
        const c = await q.getJobCounts("wait", "prioritized", "active", "delayed", "completed", "failed");
        counts.waiting += (c.wait ?? 0) + (c.prioritized ?? 0);
        counts.active += c.active ?? 0;
        counts.delayed += c.delayed ?? 0;
        counts.completed += c.completed ?? 0;
        if ((c.failed ?? 0) > 0) {
          for (const j of (await q.getFailed(0, -1)) as Bull[]) {
            if (!j) continue;
            if (readFailure(j.failedReason, j.attemptsMade)?.permanent) counts["failed-permanently"] += 1;
            else counts["dead-letter"] += 1;
          }
        }
      }),
    );
    return counts;
  }

  async enqueue<T extends JobType>(job: Job<T>, options: EnqueueOptions): Promise<EnqueueResult<T>> {
    checkEnqueue(job as Job, options);
    return this.#redis(() => this.#enqueue(job, options));
  }

  get(id: string): Promise<StoredJob | undefined> {
    return this.#redis(() => this.#get(id));
  }

  list(query: ListQuery = {}): Promise<JobPage> {
    return this.#redis(() => this.#list(query));
  }

  retry(id: string): Promise<StoredJob> {
    return this.#redis(() => this.#retry(id));
  }

  counts(): Promise<JobCounts> {
    return this.#redis(() => this.#counts());
  }

  async ping(): Promise<void> {
    await this.#redis(() => this.#client.ping());
  }

  /**
   * Runs a producer operation when Redis is there: waits up to REDIS_WAIT_MS for the connection,
   * and up to REDIS_ANSWER_MS for the answer; else a TransientError (TRANSPORT_FAILURE): callers
   * get an error they can retry (same idempotency key), never a hang.
   */
  async #redis<T>(op: () => Promise<T>): Promise<T> {
    if (this.#client.status !== "ready") {
      const ready = await within(new Promise<boolean>((resolve) => this.#client.once("ready", () => resolve(true))), REDIS_WAIT_MS);
      if (ready !== true) throw new TransientError(`Redis is not reachable (connection ${this.#client.status})`);
    }
    // The connection can drop between the status check and the answer: ioredis then gives up on the
    // request (MaxRetriesPerRequestError, "Connection is closed"), which is a transport failure too.
    const answer = await within(
      op().then(
        (value) => ({ value }),
        (err: unknown) => {
          if (isRedisConnectionLoss(err)) throw new TransientError(`Redis connection lost: ${(err as Error).message}`, {}, { cause: err });
          throw err;
        },
      ),
      REDIS_ANSWER_MS,
    );
    if (answer === undefined) throw new TransientError(`Redis did not answer within ${REDIS_ANSWER_MS} ms`);
    return answer.value;
  }

  process<T extends JobType>(type: T, handler: JobHandler<T>, options: ProcessOptions = {}): void {
    if (this.#abort.signal.aborted) throw new Error("the exchange queue is closed");
    const name = `exchange-${type}`;
    if (this.#workers.some((w) => w.name === name)) throw new Error(`a handler for ${type} is already registered`);
    const worker = new Worker<JobData, unknown, string>(name, (bj, token) => this.#process(bj, token, handler as unknown as JobHandler<JobType>), {
      connection: this.#workerConnection(),
      prefix: this.prefix,
      concurrency: Math.max(1, options.concurrency ?? 4),
      lockDuration: this.settings.leaseMs,
      stalledInterval: Math.max(100, Math.floor(this.settings.leaseMs / 2)),
      maxStalledCount: this.settings.retry.maxAttempts,
      drainDelay: 1,
      settings: { backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => (err instanceof AttemptFailed && err.delayMs !== undefined ? err.delayMs : retryDelayMs(this.settings.retry, attemptsMade)) },
    });
    worker.on("error", (err) => this.#logger?.error({ err: err.message, jobType: type }, "exchange queue worker error"));
    this.#workers.push(worker);
  }

  #workerConnection(): Redis {
    if (!this.#workerClient) {
      // Workers block on Redis: ioredis must not give up on a request (BullMQ: maxRetriesPerRequest null).
      this.#workerClient = new Redis(this.#url, { maxRetriesPerRequest: null });
      this.#workerClient.on("error", (err) => this.#logger?.warn({ err: err.message }, "exchange queue: Redis connection error (workers)"));
    }
    return this.#workerClient;
  }

  async #process(bj: Bull, token: string | undefined, handler: JobHandler<JobType>): Promise<unknown> {
    const attempt = bj.attemptsMade + 1;
    const stored = { ...this.#toStored(bj, "active"), attempts: attempt };
    const outcome: AttemptOutcome = await runAttempt(stored, attempt, handler, { gate: this.gate, settings: this.settings, signal: this.#abort.signal, logger: this.#logger });
    switch (outcome.kind) {
      case "completed":
        return outcome.result;
      case "retry":
        throw new AttemptFailed({ ...outcome.failure, permanent: false }, Math.max(0, outcome.runAt - Date.now()));
      case "dead-letter":
        // No attempt left: BullMQ fails the job (attemptsMade reaches attempts) — the dead letter.
        throw new UnrecoverableError(new AttemptFailed({ ...outcome.failure, permanent: false }).message);
      case "failed-permanently":
        throw new UnrecoverableError(new AttemptFailed({ ...outcome.failure, permanent: true }).message);
      case "postponed":
        await bj.moveToDelayed(Math.max(outcome.runAt, Date.now() + 1), token);
        throw new DelayedError();
    }
  }

  async close(): Promise<void> {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    const clients = [this.#client, this.#workerClient].filter((c): c is Redis => c !== undefined);
    // Redis unreachable: BullMQ's close would wait for it; drop the connections first (the jobs are
    // in Redis, nothing is lost: active ones are taken again once their lock expires).
    const unreachable = clients.some((c) => c.status !== "ready");
    if (unreachable) for (const c of clients) c.disconnect();
    const closed = await within(
      (async () => {
        await Promise.all(this.#workers.map((w) => w.close(unreachable)));
        await Promise.all([...this.#queues.values()].map((q) => q.close()));
        return true;
      })(),
      this.settings.leaseMs + 5000,
    );
    if (!closed) this.#logger?.warn({}, "exchange queue: BullMQ did not close in time; connections dropped");
    for (const c of clients) {
      if (c.status === "ready") await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    }
  }

}

/** The promise's value, or undefined when it takes longer than `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function encodeOffset(n: number): string {
  return Buffer.from(`o${n}`).toString("base64url");
}
function decodeOffset(cursor: string): number {
  const m = /^o(\d{1,9})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw new PasserelleError(ErrorCode.InputInvalid, "invalid cursor", { location: "cursor" });
  return Number(m[1]);
}

/** What changes on a BullMQ job as it moves between states. */
function snapshot(j: Bull): string {
  return `${j.attemptsMade}|${j.processedOn ?? ""}|${j.finishedOn ?? ""}|${j.delay}|${j.failedReason ?? ""}|${j.timestamp}`;
}

/** ioredis's ways of saying that the connection went away while a request was pending. */
function isRedisConnectionLoss(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === "MaxRetriesPerRequestError" || /Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE/.test(err.message);
}
