// Brute-force brake for national client authentication: failed attempts are counted per remote
// address over a window; past the limit the address is refused (429) for a while without its
// credentials even being looked at. A success does not clear the count (a valid credential on one
// connection must not cover guesses on another).

export interface FailureLimiterOptions {
  /** Failures allowed per address within `windowMs` (default 10). */
  readonly maxFailures?: number;
  /** Counting window (default 60 s). */
  readonly windowMs?: number;
  /** How long an address is refused once over the limit (default 5 min). */
  readonly blockMs?: number;
  readonly now?: () => number;
}

/** Addresses tracked at most; beyond, the stalest entries are dropped first. */
const MAX_TRACKED = 10_000;

interface Entry {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

export class FailureLimiter {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly blockMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: FailureLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.blockMs = options.blockMs ?? 300_000;
    this.now = options.now ?? Date.now;
    if (!(this.maxFailures >= 1 && this.windowMs > 0 && this.blockMs > 0)) throw new Error("failure limiter: maxFailures >= 1, windowMs and blockMs > 0");
  }

  /** Milliseconds the address must still wait, or 0 when it may try. */
  retryAfterMs(address: string): number {
    const entry = this.entries.get(address);
    return entry ? Math.max(0, entry.blockedUntil - this.now()) : 0;
  }

  /** Counts a failure; returns true when this one put the address over the limit. */
  fail(address: string): boolean {
    const now = this.now();
    let entry = this.entries.get(address);
    if (!entry || now - entry.windowStart >= this.windowMs) {
      entry = { windowStart: now, failures: 0, blockedUntil: entry?.blockedUntil ?? 0 };
    }
    entry.failures += 1;
    // Re-inserted so that the map's order is the order of last activity (oldest first).
    this.entries.delete(address);
    this.entries.set(address, entry);
    this.prune();
    if (entry.failures >= this.maxFailures && entry.blockedUntil <= now) {
      entry.blockedUntil = now + this.blockMs;
      entry.failures = 0;
      entry.windowStart = now;
      return true;
    }
    return false;
  }

  private prune(): void {
    while (this.entries.size > MAX_TRACKED) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) return;
      this.entries.delete(oldest);
    }
  }
}
