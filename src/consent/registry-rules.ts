// The registry's rules for appending to a patient's history, pure (the repository applies them
// inside its transaction, the bulk import applies them batch by batch):
// - idempotency: a request id already recorded with the same body answers that record again; with a
//   different body it is refused, naming the differing fields;
// - optimistic concurrency: an expected version other than the current one is refused;
// - a grant may not overlap a grant still in effect for the same service and country (one grant in
//   force per scope at any time, so every permit names exactly one grant version).
import { MYHEALTH_EU_COUNTRIES } from "./countries";
import { coversCountry, decide, endOf, startOf } from "./decision";
import { differingFields } from "./command";
import { ConsentProblem, consentError } from "./errors";
import type { ConsentCommand, ConsentRecord, ConsentService, CountryScope } from "./model";
import { CONSENT_SERVICES } from "./model";

export type AppendPlan = { readonly kind: "replay"; readonly record: ConsentRecord } | { readonly kind: "append"; readonly record: ConsentRecord };

export function currentVersion(history: readonly ConsentRecord[]): number {
  let v = 0;
  for (const r of history) if (r.version > v) v = r.version;
  return v;
}

/**
 * Decides what appending `command` to `history` means. `sameRequest` is the record already stored
 * under the command's request id, for any patient. Throws a consent error when it is refused.
 */
export function planAppend(
  history: readonly ConsentRecord[],
  command: ConsentCommand,
  options: { expectedVersion?: number | undefined; sameRequest?: ConsentRecord | undefined; now: string },
): AppendPlan {
  const { sameRequest } = options;
  if (sameRequest) {
    const differing = differingFields(stripRecord(sameRequest), command);
    if (differing.length === 0) return { kind: "replay", record: sameRequest };
    throw consentError(
      ConsentProblem.RequestIdReused,
      `request id ${command.requestId} was already used for another consent change (version ${sameRequest.version} of patient ${sameRequest.patient}); differing fields: ${differing.join(", ")}`,
      { requestId: command.requestId, differingFields: differing, recordedVersion: sameRequest.version },
    );
  }
  const version = currentVersion(history);
  if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
    throw consentError(ConsentProblem.VersionMismatch, `expected version ${options.expectedVersion} of patient ${command.patient}'s consent, current version is ${version}`, {
      expectedVersion: options.expectedVersion,
      currentVersion: version,
    });
  }
  const record: ConsentRecord = { ...command, version: version + 1, recordedAt: options.now };
  if (record.action === "grant") checkNoOverlap(history, record);
  return { kind: "append", record };
}

function stripRecord(r: ConsentRecord): ConsentCommand {
  const { version: _v, recordedAt: _t, ...command } = r;
  return command;
}

function expand(scope: CountryScope): readonly string[] {
  return scope === "ALL" ? MYHEALTH_EU_COUNTRIES : scope;
}

/** Throws CONSENT_PERIOD_OVERLAP when `grant` overlaps a grant still in effect on a common scope. */
export function checkNoOverlap(history: readonly ConsentRecord[], grant: ConsentRecord): void {
  const start = startOf(grant);
  const end = endOf(grant);
  for (const g of history) {
    if (g.action !== "grant" || g.patient !== grant.patient) continue;
    for (const service of grant.services) {
      if (!g.services.includes(service)) continue;
      for (const country of expand(grant.countries)) {
        if (!coversCountry(g.countries, country)) continue;
        const gEnd = Math.min(endOf(g), cancelledFrom(history, g, service, country));
        if (start < gEnd && startOf(g) < end) {
          throw consentError(
            ConsentProblem.PeriodOverlap,
            `this grant overlaps grant version ${g.version} (still in effect for ${service} in ${country} from ${new Date(startOf(g)).toISOString()}${Number.isFinite(gEnd) ? ` until ${new Date(gEnd).toISOString()}` : ", open-ended"}): revoke it first or start after it`,
            { conflictingVersion: g.version, service, country, location: "/validFrom" },
          );
        }
      }
    }
  }
}

/** When a later revocation cancels grant `g` for one service and country (epoch ms; +Infinity: never). */
function cancelledFrom(history: readonly ConsentRecord[], g: ConsentRecord, service: ConsentService, country: string): number {
  let from = Number.POSITIVE_INFINITY;
  for (const r of history) {
    if (r.action === "revoke" && r.version > g.version && r.services.includes(service) && coversCountry(r.countries, country)) from = Math.min(from, startOf(r));
  }
  return from;
}

/** Countries permitted now per service, for a readable current state (GET, `consent show`). */
export interface ConsentState {
  readonly version: number;
  /** Grants permitting at least one scope at `at`, newest first. */
  readonly grantsInForce: readonly number[];
  readonly permitted: Readonly<Record<ConsentService, readonly string[]>>;
}

/** The current state derived from the history: what decide() permits at `at` for purpose TREATMENT. */
export function stateAt(history: readonly ConsentRecord[], patient: string, at: number): ConsentState {
  const permitted: Record<ConsentService, string[]> = { ps: [], ep: [] };
  const grants = new Set<number>();
  for (const service of CONSENT_SERVICES) {
    for (const country of MYHEALTH_EU_COUNTRIES) {
      const d = decide(history, { patient, country, service, purpose: "TREATMENT", at });
      if (d.permit && d.grantVersion !== null) {
        permitted[service].push(country);
        grants.add(d.grantVersion);
      }
    }
  }
  return { version: currentVersion(history), grantsInForce: [...grants].sort((a, b) => b - a), permitted };
}
