// The consent decision: pure, no I/O, a few microseconds (bench/consent.ts measures it).
//
// Rules (issue 4, "Decisions"):
// - a grant permits a request when it covers the patient, the requesting country and the service,
//   and the time lies in its validity period [validFrom ?? recordedAt, validUntil);
// - a revocation covering the same country and service, in effect at that time (its start has come),
//   cancels every OLDER grant (lower version), whatever that grant's dates; a newer grant permits again;
// - purpose EMERGENCY on the Patient Summary may pass without consent only as the deployment policy
//   says (default: no); such a permit is flagged `emergencyOverride`.
import { ErrorCode, PasserelleError } from "../shared/errors";
import { isMyHealthEuCountry } from "./countries";
import type { ConsentRecord, CountryScope, Decision, DecisionPolicy, DecisionQuery, DenyReason } from "./model";
import { DEFAULT_DECISION_POLICY } from "./model";

/** Epoch ms of an ISO timestamp or epoch ms; throws INPUT_INVALID on anything else. */
export function toEpochMs(at: number | string): number {
  const t = typeof at === "number" ? at : Date.parse(at);
  if (!Number.isFinite(t)) throw new PasserelleError(ErrorCode.InputInvalid, `not a valid time: ${String(at)}`, { location: "at" });
  return t;
}

export function coversCountry(scope: CountryScope, country: string): boolean {
  return scope === "ALL" || scope.includes(country as never);
}

/** Start of a record's effect, epoch ms. */
export function startOf(r: ConsentRecord): number {
  return Date.parse(r.validFrom ?? r.recordedAt);
}

/** End of a grant's validity (exclusive), epoch ms; +Infinity when open-ended. */
export function endOf(r: ConsentRecord): number {
  return r.validUntil === undefined ? Number.POSITIVE_INFINITY : Date.parse(r.validUntil);
}

export function decide(history: readonly ConsentRecord[], query: DecisionQuery, policy: DecisionPolicy = DEFAULT_DECISION_POLICY): Decision {
  const t = toEpochMs(query.at);
  const { patient, country, service } = query;
  if (!isMyHealthEuCountry(country)) return deny("country-not-participating", query, policy);

  // Pass 1: the newest revocation in effect for this country and service; other scopes seen.
  let newestRevocation = 0;
  let grantOtherCountry = false;
  let grantOtherService = false;
  for (const r of history) {
    if (r.patient !== patient) continue;
    const s = r.services.includes(service);
    const c = coversCountry(r.countries, country);
    if (r.action === "revoke") {
      if (s && c && r.version > newestRevocation && startOf(r) <= t) newestRevocation = r.version;
    } else if (s && !c) grantOtherCountry = true;
    else if (c && !s) grantOtherService = true;
  }

  // Pass 2: covering grants not cancelled by that revocation.
  let permitVersion = 0;
  let notYetValid = false;
  let expired = false;
  for (const r of history) {
    if (r.patient !== patient || r.action !== "grant" || r.version <= newestRevocation) continue;
    if (!r.services.includes(service) || !coversCountry(r.countries, country)) continue;
    if (startOf(r) > t) notYetValid = true;
    else if (endOf(r) <= t) expired = true;
    else if (r.version > permitVersion) permitVersion = r.version;
  }
  if (permitVersion > 0) return { permit: true, reason: "consent-granted", grantVersion: permitVersion, emergencyOverride: false };

  const reason: DenyReason = notYetValid
    ? "not-yet-valid"
    : expired
      ? "expired"
      : newestRevocation > 0
        ? "revoked"
        : grantOtherCountry
          ? "country-not-covered"
          : grantOtherService
            ? "service-not-covered"
            : "no-consent";
  return deny(reason, query, policy);
}

function deny(reason: DenyReason, query: DecisionQuery, policy: DecisionPolicy): Decision {
  // Emergency override: Patient Summary only, and never towards a country outside the network.
  const override =
    query.purpose === "EMERGENCY" &&
    query.service === "ps" &&
    reason !== "country-not-participating" &&
    (policy.emergency === "permit" || (policy.emergency === "permit-unless-revoked" && reason !== "revoked"));
  if (override) return { permit: true, reason: "emergency-override", grantVersion: null, emergencyOverride: true, deniedReason: reason };
  return { permit: false, reason };
}
