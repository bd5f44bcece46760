// Validated assertions, remembered for their reuse (eHDSI gateways reuse one HCP assertion, and one
// TRC, across the XCPD, XCA and XDR requests of a consultation). Verifying two enveloped signatures and
// the eHDSI rules costs ~25 ms a request here; the same assertion bytes, for the same service, peer
// and patient, under the same partner registry, give the same verdict, except for what depends on
// the time and on the message — which is checked again on every hit:
//  - the validity window of each assertion, with the same 60 s skew as src/saml/rules.ts;
//  - replay: the request's WS-Addressing MessageID must be new (the same ReplayCache as validateAssertions).
// Anything else (a NOK assertion, no MessageID) is not cached and goes through full validation.
// Entries live at most CACHE_TTL_MS and never past the assertions' NotOnOrAfter.
import { createHash } from "node:crypto";
import type { ReplayCache } from "../saml/replay";
import { refuse } from "../saml/refusal";
import type { ValidatedAssertions } from "../saml/validate";
import { CLOCK_SKEW_MS } from "../saml/vocabulary";

export const CACHE_TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 2000;

interface Entry {
  readonly assertions: ValidatedAssertions;
  readonly notBefore: number;
  readonly notOnOrAfter: number;
  readonly expires: number;
}

export interface CacheKeyParts {
  /** The wsse:Security header as received (serialised): the assertions and their signatures. */
  readonly security: string;
  readonly service: string;
  readonly country: string;
  readonly patient: string;
  readonly registryGeneration: number;
}

export class AssertionCache {
  private readonly entries = new Map<string, Entry>();
  hits = 0;

  key(p: CacheKeyParts): string {
    return createHash("sha256").update(p.security).update("\u0000").update(`${p.service}|${p.country}|${p.patient}|${p.registryGeneration}`).digest("hex");
  }

  remember(key: string, assertions: ValidatedAssertions, at: Date): void {
    // Only verdicts reached with the TLS peer and the replay cache (a skipped TRC-patient comparison
    // is part of the key: the caller compares the TRC's patient itself).
    if (assertions.signers.nok !== undefined || assertions.notChecked.some((n) => !n.startsWith("TRC patient"))) return;
    const bounds = [assertions.hcp, ...(assertions.trc ? [assertions.trc] : [])];
    const notBefore = Math.max(...bounds.map((b) => b.notBefore.getTime()));
    const notOnOrAfter = Math.min(...bounds.map((b) => b.notOnOrAfter.getTime()));
    this.entries.set(key, { assertions, notBefore, notOnOrAfter, expires: at.getTime() + CACHE_TTL_MS });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
  }

  /**
   * The cached verdict for a new message, re-checked for time and replay; undefined when there is none
   * (validate fully). Throws the same refusal as validateAssertions for a replayed MessageID.
   */
  async recall(key: string, messageId: string | undefined, at: Date, replay: ReplayCache): Promise<ValidatedAssertions | undefined> {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const t = at.getTime();
    if (t >= e.expires || t + CLOCK_SKEW_MS < e.notBefore || t - CLOCK_SKEW_MS >= e.notOnOrAfter || !messageId) {
      if (t >= e.expires || t - CLOCK_SKEW_MS >= e.notOnOrAfter) this.entries.delete(key);
      return undefined;
    }
    const until = Math.max(e.assertions.hcp.notOnOrAfter.getTime(), e.assertions.trc?.notOnOrAfter.getTime() ?? 0) + CLOCK_SKEW_MS;
    if (!(await replay.firstUse(messageId, e.assertions.country, new Date(until), at))) {
      throw refuse("1001", "message", "replayed: this WS-Addressing MessageID was already accepted");
    }
    this.hits += 1;
    return { ...e.assertions, messageId };
  }
}
