// Per-partner admission of jobs in this process (issue 6: "per-partner rate limit and concurrency, a
// circuit breaker per partner"), shared by both adapters: a job of partner P starts only when P has a
// free concurrency slot, a rate token (token bucket refilled at ratePerSecond, burst = one second's
// worth) and a breaker that lets it through. A refused job is postponed, not failed: it keeps its
// attempts.
import { CircuitBreakers } from "./breaker";
import type { PartnerLimits, QueueSettings } from "./port";

/** How soon a job refused for a full concurrency slot is looked at again. */
export const SLOT_RETRY_MS = 100;

export type Admission = { readonly admitted: true; readonly probe: boolean } | { readonly admitted: false; readonly retryAt: number; readonly reason: "concurrency" | "rate" | "breaker" };

interface Bucket {
  tokens: number;
  refilledAt: number;
}

export class PartnerGate {
  readonly breakers: CircuitBreakers;
  readonly #settings: QueueSettings;
  readonly #running = new Map<string, number>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(settings: QueueSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
    this.breakers = new CircuitBreakers(settings.breaker, now);
  }

  limits(partner: string): PartnerLimits {
    return { ...this.#settings.partnerLimits, ...this.#settings.partnerOverrides[partner] };
  }

  running(partner: string): number {
    return this.#running.get(partner) ?? 0;
  }

  /** Partners with no free concurrency slot (the embedded adapter leaves their jobs unclaimed). */
  saturated(): string[] {
    return [...this.#running].filter(([p, n]) => n >= this.limits(p).concurrency).map(([p]) => p);
  }

  /** Takes a slot, a token and the breaker's leave, or none of them. Call `finish` after an admitted job. */
  admit(partner: string): Admission {
    const limits = this.limits(partner);
    const now = this.#now();
    if (this.running(partner) >= limits.concurrency) return { admitted: false, retryAt: now + SLOT_RETRY_MS, reason: "concurrency" };
    const bucket = this.#refill(partner, limits, now);
    if (bucket.tokens < 1) return { admitted: false, retryAt: now + Math.ceil(((1 - bucket.tokens) * 1000) / limits.ratePerSecond), reason: "rate" };
    const probe = this.breakers.state(partner) !== "closed";
    const decision = this.breakers.tryStart(partner);
    if (!decision.allowed) return { admitted: false, retryAt: decision.retryAt, reason: "breaker" };
    bucket.tokens -= 1;
    this.#running.set(partner, this.running(partner) + 1);
    return { admitted: true, probe };
  }

  /**
   * Ends an admitted job: "answered" (a result or a business error: the partner is up), "transient"
   * (transport failure, counts towards opening the breaker) or "none" (no verdict on the partner).
   * Returns true when this ended job opened the breaker.
   */
  finish(partner: string, verdict: "answered" | "transient" | "none"): boolean {
    const n = this.running(partner) - 1;
    if (n > 0) this.#running.set(partner, n);
    else this.#running.delete(partner);
    if (verdict === "answered") this.breakers.recordSuccess(partner);
    else if (verdict === "transient") return this.breakers.recordTransientFailure(partner);
    else this.breakers.release(partner);
    return false;
  }

  #refill(partner: string, limits: PartnerLimits, now: number): Bucket {
    let b = this.#buckets.get(partner);
    if (!b) {
      b = { tokens: Math.max(1, limits.ratePerSecond), refilledAt: now };
      this.#buckets.set(partner, b);
    }
    b.tokens = Math.min(Math.max(1, limits.ratePerSecond), b.tokens + ((now - b.refilledAt) * limits.ratePerSecond) / 1000);
    b.refilledAt = now;
    return b;
  }
}
