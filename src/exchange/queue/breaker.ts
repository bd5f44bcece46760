// Circuit breaker per partner (issue 6: "a circuit breaker per partner"), used by both queue adapters.
//   closed     jobs run; consecutive transient failures are counted (a success or a business answer
//              resets the count: the partner did answer);
//   open       after `failureThreshold` consecutive transient failures: no job of that partner starts
//              (they are postponed, not failed) until `cooldownMs` has passed;
//   half-open  after the cool-down one probe job runs; its success closes the breaker, its transient
//              failure opens it again for another cool-down.
// The state lives in the process running the workers (each gateway instance has its own).

export interface BreakerOptions {
  /** Consecutive transient failures that open the breaker (default 5). */
  readonly failureThreshold: number;
  /** How long it stays open before a probe is let through (default 30 s). */
  readonly cooldownMs: number;
}

export type BreakerState = "closed" | "open" | "half-open";

export type BreakerDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAt: number };

interface PartnerCircuit {
  state: BreakerState;
  failures: number;
  openedAt: number;
  probing: boolean;
}

export class CircuitBreakers {
  readonly #options: BreakerOptions;
  readonly #circuits = new Map<string, PartnerCircuit>();
  readonly #now: () => number;

  constructor(options: BreakerOptions, now: () => number = Date.now) {
    if (!(options.failureThreshold >= 1) || !(options.cooldownMs >= 0)) throw new RangeError("breaker: failureThreshold >= 1 and cooldownMs >= 0");
    this.#options = options;
    this.#now = now;
  }

  #circuit(partner: string): PartnerCircuit {
    let c = this.#circuits.get(partner);
    if (!c) {
      c = { state: "closed", failures: 0, openedAt: 0, probing: false };
      this.#circuits.set(partner, c);
    }
    return c;
  }

  /** The state now (an open breaker past its cool-down reads half-open). */
  state(partner: string): BreakerState {
    const c = this.#circuits.get(partner);
    if (!c) return "closed";
    if (c.state === "open" && this.#now() >= c.openedAt + this.#options.cooldownMs) return "half-open";
    return c.state;
  }

  /** May a job of this partner start now? A half-open breaker lets one probe through at a time. */
  tryStart(partner: string): BreakerDecision {
    const c = this.#circuit(partner);
    const now = this.#now();
    if (c.state === "open") {
      const reopen = c.openedAt + this.#options.cooldownMs;
      if (now < reopen) return { allowed: false, retryAt: reopen };
      c.state = "half-open";
      c.probing = false;
    }
    if (c.state === "half-open") {
      if (c.probing) return { allowed: false, retryAt: now + Math.max(50, Math.min(1000, this.#options.cooldownMs)) };
      c.probing = true;
    }
    return { allowed: true };
  }

  /** The partner answered (a result or a business error). */
  recordSuccess(partner: string): void {
    const c = this.#circuit(partner);
    c.state = "closed";
    c.failures = 0;
    c.probing = false;
  }

  /** A transport failure. Returns true when this failure opened the breaker. */
  recordTransientFailure(partner: string): boolean {
    const c = this.#circuit(partner);
    c.failures += 1;
    const opens = c.state === "half-open" || (c.state === "closed" && c.failures >= this.#options.failureThreshold);
    if (opens) {
      c.state = "open";
      c.openedAt = this.#now();
    }
    c.probing = false;
    return opens;
  }

  /** A started job ended without an answer either way (postponed, shut down): frees a probe slot. */
  release(partner: string): void {
    const c = this.#circuits.get(partner);
    if (c) c.probing = false;
  }

  /** Partners whose breaker is not closed, for metrics and logs. */
  notClosed(): Array<{ partner: string; state: BreakerState }> {
    return [...this.#circuits.keys()].map((partner) => ({ partner, state: this.state(partner) })).filter((e) => e.state !== "closed");
  }
}
