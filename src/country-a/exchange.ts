// What every country-A use case does around its work: time it, write its audit event (success and
// failure alike, REFERENCE.md "Audit event ids"), and never let an unexpected error escape as
// anything but ERROR_GENERIC with a correlation id.
import { randomUUID } from "node:crypto";
import type { Logger } from "../shared/logger";
import { ehdsiErrorOfUnknown, type EhdsiError, type Outcome } from "./errors";
import type { AuditEventId, CountryAPorts, ExchangeAuditEvent, Requester } from "./ports";

export interface AuditFacts {
  eventId: AuditEventId;
  patient?: string | undefined;
  documents?: readonly string[];
  detail?: Record<string, unknown>;
}

function hcpOf(r: Requester): ExchangeAuditEvent["hcp"] {
  const h = r.assertions.hcp;
  return { id: h.nameId ?? h.subjectId, role: h.role.code, purpose: h.purposeOfUse, organization: h.organizationId };
}

export function auditEvent(r: Requester, facts: AuditFacts, outcome: ExchangeAuditEvent["outcome"], error: EhdsiError | undefined, started: Date, ended: Date): ExchangeAuditEvent {
  return {
    eventId: facts.eventId,
    outcome,
    partner: r.country,
    hcp: hcpOf(r),
    patient: facts.patient,
    documents: facts.documents ?? [],
    errorCode: error?.errorCode,
    messageId: r.messageId,
    ...(r.exchangeId ? { exchangeId: r.exchangeId } : {}),
    startedAt: started.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    ...(facts.detail ? { detail: facts.detail } : {}),
  };
}

/**
 * Runs a use case body with the facts it fills in as it learns them; audits the outcome. A failing
 * audit write fails the exchange (no disclosure without evidence).
 */
export async function audited<T>(
  ports: Pick<CountryAPorts, "audit" | "clock">,
  requester: Requester,
  facts: AuditFacts,
  body: (facts: AuditFacts) => Promise<Outcome<T>>,
  logger?: Logger,
): Promise<Outcome<T>> {
  const started = ports.clock();
  let outcome: Outcome<T>;
  try {
    outcome = await body(facts);
  } catch (e) {
    const correlationId = randomUUID();
    logger?.error({ err: e, correlationId, event: facts.eventId }, "country-A exchange failed");
    outcome = { ok: false, error: ehdsiErrorOfUnknown(e, correlationId) };
  }
  const error = outcome.ok ? outcome.warnings[0] : outcome.error;
  const kind = outcome.ok ? (outcome.warnings.length > 0 ? "partial" : "success") : "failure";
  await ports.audit.record(auditEvent(requester, facts, kind, error, started, ports.clock()));
  return outcome;
}
