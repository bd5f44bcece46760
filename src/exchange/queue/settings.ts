// Defaults of the queue settings (port.ts QueueSettings) and the retry delay they give.
import type { QueueSettings, RetryPolicy } from "./port";

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  retry: { maxAttempts: 5, baseDelayMs: 1000, factor: 2, maxDelayMs: 10 * 60_000 },
  partnerLimits: { concurrency: 4, ratePerSecond: 20 },
  partnerOverrides: {},
  breaker: { failureThreshold: 5, cooldownMs: 30_000 },
  leaseMs: 30_000,
  pollIntervalMs: 200,
  keepCompletedMs: 7 * 24 * 3600_000,
};

/** Settings given in part, over the defaults (nested objects merged field by field). */
export type PartialQueueSettings = Partial<Omit<QueueSettings, "retry" | "partnerLimits" | "breaker">> & {
  readonly retry?: Partial<QueueSettings["retry"]>;
  readonly partnerLimits?: Partial<QueueSettings["partnerLimits"]>;
  readonly breaker?: Partial<QueueSettings["breaker"]>;
};

export function queueSettings(partial: PartialQueueSettings = {}): QueueSettings {
  const d = DEFAULT_QUEUE_SETTINGS;
  const s: QueueSettings = {
    retry: { ...d.retry, ...partial.retry },
    partnerLimits: { ...d.partnerLimits, ...partial.partnerLimits },
    partnerOverrides: partial.partnerOverrides ?? d.partnerOverrides,
    breaker: { ...d.breaker, ...partial.breaker },
    leaseMs: partial.leaseMs ?? d.leaseMs,
    pollIntervalMs: partial.pollIntervalMs ?? d.pollIntervalMs,
    keepCompletedMs: partial.keepCompletedMs ?? d.keepCompletedMs,
  };
  const bad: string[] = [];
  if (!Number.isInteger(s.retry.maxAttempts) || s.retry.maxAttempts < 1) bad.push("retry.maxAttempts must be an integer >= 1");
  if (!(s.retry.baseDelayMs >= 0) || !(s.retry.factor >= 1) || !(s.retry.maxDelayMs >= s.retry.baseDelayMs)) bad.push("retry: baseDelayMs >= 0, factor >= 1, maxDelayMs >= baseDelayMs");
  if (!(s.partnerLimits.concurrency >= 1) || !(s.partnerLimits.ratePerSecond > 0)) bad.push("partnerLimits: concurrency >= 1, ratePerSecond > 0");
  if (!(s.leaseMs >= 100) || !(s.pollIntervalMs >= 1)) bad.push("leaseMs >= 100, pollIntervalMs >= 1");
  if (bad.length > 0) throw new RangeError(`exchange queue settings: ${bad.join("; ")}`);
  return s;
}

/** Exponential backoff: the delay after failed attempt n (1-based) is base * factor^(n-1), capped. */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  return Math.min(policy.maxDelayMs, Math.round(policy.baseDelayMs * policy.factor ** Math.max(0, failedAttempt - 1)));
}
