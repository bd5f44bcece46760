// One attempt of one job, the same for both adapters: admission by the partner gate (breaker, rate,
// concurrency), the handler, and the verdict the adapter then stores (issue 6 "The exchange queue").
import { runInExchangeContext } from "../../shared/context";
import type { Logger } from "../../shared/logger";
import { describeFailure, isTransient, BusinessError, type JobFailure } from "./errors";
import type { PartnerGate } from "./partner-gate";
import type { JobHandler, JobType, QueueSettings, StoredJob } from "./port";
import { retryDelayMs } from "./settings";

export type AttemptOutcome =
  | { readonly kind: "completed"; readonly result: unknown }
  /** Transient failure with attempts left: run again at `runAt`. */
  | { readonly kind: "retry"; readonly runAt: number; readonly failure: JobFailure }
  | { readonly kind: "dead-letter"; readonly failure: JobFailure }
  | { readonly kind: "failed-permanently"; readonly failure: JobFailure }
  /** Not run (breaker open, rate limit, partner busy) or interrupted by shutdown: does not count as an attempt. */
  | { readonly kind: "postponed"; readonly runAt: number; readonly reason: string };

export interface AttemptContext {
  readonly gate: PartnerGate;
  readonly settings: QueueSettings;
  /** Aborted on shutdown. */
  readonly signal: AbortSignal;
  readonly logger?: Logger | undefined;
}

/** The failure recorded when a job's earlier attempts were lost with their worker and none is left. */
export function workerLostFailure(attempt: number): JobFailure {
  return { code: "WORKER_LOST", message: `the worker running attempt ${attempt - 1} stopped without an outcome and no attempt is left`, transient: true, attempt: attempt - 1, at: new Date().toISOString() };
}

/** Runs attempt number `attempt` (1-based) of `job` with `handler`. Never throws. */
export async function runAttempt<T extends JobType>(job: StoredJob<T>, attempt: number, handler: JobHandler<T>, ctx: AttemptContext): Promise<AttemptOutcome> {
  const admission = ctx.gate.admit(job.partner);
  if (!admission.admitted) return { kind: "postponed", runAt: admission.retryAt, reason: admission.reason };
  // traceId and exchangeId come from the exchange context (shared/context.ts, the logger's mixin), for
  // these lines and every line the handler writes.
  return runInExchangeContext({ traceId: job.traceId, exchangeId: job.id }, () => attemptInContext(job, attempt, handler, ctx));
}

async function attemptInContext<T extends JobType>(job: StoredJob<T>, attempt: number, handler: JobHandler<T>, ctx: AttemptContext): Promise<AttemptOutcome> {
  const log = ctx.logger?.child({ jobId: job.id, jobType: job.type, partner: job.partner, attempt });
  try {
    const result = await handler(job, { attempt, signal: ctx.signal });
    ctx.gate.finish(job.partner, "answered");
    log?.debug({}, "exchange job completed");
    return { kind: "completed", result: result ?? null };
  } catch (e) {
    if (ctx.signal.aborted) {
      ctx.gate.finish(job.partner, "none");
      return { kind: "postponed", runAt: Date.now(), reason: "shutdown" };
    }
    const failure = describeFailure(e, attempt);
    if (isTransient(e)) {
      if (ctx.gate.finish(job.partner, "transient")) log?.warn({ code: failure.code }, "circuit breaker opened for partner");
      if (attempt >= job.maxAttempts) {
        log?.error({ failure }, "exchange job dead-lettered: attempts exhausted");
        return { kind: "dead-letter", failure };
      }
      const delay = retryDelayMs(ctx.settings.retry, attempt);
      log?.warn({ failure, delayMs: delay }, "exchange job failed (transient), retrying");
      return { kind: "retry", runAt: Date.now() + delay, failure };
    }
    // A business error is an answer: the partner is up. An unexpected error says nothing about it.
    ctx.gate.finish(job.partner, e instanceof BusinessError ? "answered" : "none");
    log?.warn({ failure }, "exchange job failed permanently");
    return { kind: "failed-permanently", failure };
  }
}
