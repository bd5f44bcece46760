// The exchange queue port (issue 6 "The exchange queue"; DESIGN.md convention 9). Two adapters pass
// the same contract tests (test/exchange/queue/): the embedded queue in the database (default, no
// REDIS_URL) and BullMQ on Redis.
//
// Guarantees
//   - Durable: `enqueue` resolves only once the job is stored (database commit / Redis write).
//   - Idempotent: the idempotency key (the client's request id) is the job id; enqueueing a key that
//     exists returns the existing job (`created: false`), never a second one, whatever its type.
//   - At-least-once execution, exactly-once outcome: a worker that dies mid-job (lease expired /
//     stalled job) lets another worker run the job again; the job still ends exactly once (completed,
//     failed-permanently or dead-letter).
//   - Never vanishes: failures stay inspectable (`list`, `get`) and replayable (`retry`).
//
// Rules for handlers
//   - Handlers MUST be idempotent by job id and MUST re-check state when they run: the job may have
//     been queued long ago (a retry, a restart, a dead letter replayed by the operator) and the world
//     may have moved on (prescription already dispensed, partner removed, consent revoked). Read the
//     current state, act only if still needed, and return what is true now.
//   - Throw TransientError (or let a Node network error through) for a transport failure: retried with
//     exponential backoff. Throw BusinessError (the partner's eHDSI error) or a PasserelleError for an
//     answer that will not change: the job fails permanently, without retry. (errors.ts)
//   - Honour `signal`: it aborts when the queue shuts down.
import type { Job, JobResult, JobType } from "./jobs";
import type { JobFailure } from "./errors";
import type { BreakerOptions } from "./breaker";

export * from "./jobs";
export { TransientError, BusinessError, type JobFailure } from "./errors";

export const JOB_STATES = ["waiting", "active", "delayed", "completed", "failed-permanently", "dead-letter"] as const;
/**
 * waiting: ready to run; active: a worker holds it; delayed: waiting for its retry time (or for a
 * partner's breaker / rate limit); completed; failed-permanently: business error, no retry;
 * dead-letter: transport failures until the attempts ran out (operator: inspect, `retry`).
 */
export type JobState = (typeof JOB_STATES)[number];

/** The client's request id: letters, digits and . _ ~ -, 1..128 characters, not all digits. */
export const IDEMPOTENCY_KEY = /^(?![0-9]+$)[A-Za-z0-9._~-]{1,128}$/;

export interface EnqueueOptions {
  /** The client request id; becomes the job id. */
  readonly idempotencyKey: string;
  /** Correlation id carried into logs and the partner messages, 1..256 characters without control characters (default: a fresh UUID). */
  readonly traceId?: string;
}

export interface StoredJob<T extends JobType = JobType> {
  /** = the idempotency key. */
  readonly id: string;
  readonly type: T;
  readonly job: Job<T>;
  /** partnerOf(job): the partner country, or "national". */
  readonly partner: string;
  readonly traceId: string;
  readonly state: JobState;
  /** Attempts started so far (a run interrupted by a worker crash counts). */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When a waiting / delayed job may run next. */
  readonly runAt: Date | undefined;
  readonly finishedAt: Date | undefined;
  readonly result: JobResult<T> | undefined;
  /** The last failure (the one that ended the job, for failed-permanently and dead-letter). */
  readonly failure: JobFailure | undefined;
}

export interface EnqueueResult<T extends JobType = JobType> {
  readonly job: StoredJob<T>;
  /** false: the key was known; `job` is the existing job (possibly of another type). */
  readonly created: boolean;
}

export interface ListQuery {
  readonly state?: JobState;
  readonly type?: JobType;
  readonly partner?: string;
  /** Default 50, at most 1000. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface JobPage {
  /** Newest first. */
  readonly jobs: readonly StoredJob[];
  readonly nextCursor: string | undefined;
}

export type JobCounts = Readonly<Record<JobState, number>>;

export interface HandlerContext {
  /** 1 for the first run. */
  readonly attempt: number;
  /** Aborted when the queue shuts down. */
  readonly signal: AbortSignal;
}

export type JobHandler<T extends JobType> = (job: StoredJob<T>, ctx: HandlerContext) => Promise<JobResult<T>>;

export interface ProcessOptions {
  /** Jobs of this type run at once in this process (default 4). */
  readonly concurrency?: number;
}

export interface RetryPolicy {
  /** Attempts in all, the first included (default 5). */
  readonly maxAttempts: number;
  /** Delay before the second attempt (default 1000 ms). */
  readonly baseDelayMs: number;
  /** Each further delay is multiplied by this (default 2). */
  readonly factor: number;
  /** Upper bound of one delay (default 10 min). */
  readonly maxDelayMs: number;
}

export interface PartnerLimits {
  /** Jobs of one partner running at once in this process (default 4). */
  readonly concurrency: number;
  /** Jobs of one partner started per second in this process (default 20). */
  readonly ratePerSecond: number;
}

/** Settings shared by both adapters; every field has a default (config.ts). */
export interface QueueSettings {
  readonly retry: RetryPolicy;
  readonly partnerLimits: PartnerLimits;
  /** Per-partner overrides, by partner key (country code, or "national"). */
  readonly partnerOverrides: Readonly<Record<string, Partial<PartnerLimits>>>;
  readonly breaker: BreakerOptions;
  /** How long a worker holds a job without renewing its lease (embedded lease / BullMQ lock). */
  readonly leaseMs: number;
  /** Embedded: how often idle workers look for due jobs (enqueue also wakes them at once). */
  readonly pollIntervalMs: number;
  /** How long completed jobs are kept (their results and their idempotency keys); default 7 days. */
  readonly keepCompletedMs: number;
}

export interface ExchangeQueue {
  /** "embedded" (database table) or "bullmq" (Redis). */
  readonly kind: "embedded" | "bullmq";
  /** Stores the job (durable when it resolves), or returns the existing job of the same key. */
  enqueue<T extends JobType>(job: Job<T>, options: EnqueueOptions): Promise<EnqueueResult<T>>;
  get(id: string): Promise<StoredJob | undefined>;
  list(query?: ListQuery): Promise<JobPage>;
  /**
   * Operator replay: a dead-letter (or failed-permanently) job goes back to waiting with a fresh
   * attempt budget. NOT_FOUND for an unknown id, CONFLICT for a job in another state.
   */
  retry(id: string): Promise<StoredJob>;
  counts(): Promise<JobCounts>;
  /** Starts workers for one job type in this process; one registration per type. */
  process<T extends JobType>(type: T, handler: JobHandler<T>, options?: ProcessOptions): void;
  /** Throws when the backing store does not answer (readiness). */
  ping(): Promise<void>;
  /**
   * Stops the workers (running handlers are aborted and awaited) and closes connections this queue
   * opened. Jobs not finished stay stored and run again after a restart.
   */
  close(): Promise<void>;
}
