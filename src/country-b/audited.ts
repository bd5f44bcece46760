// The audit record of one outbound transaction (country B): EHDSI-11 / 21 / 22 / 31 / 32 / 41 with
// direction outbound, who asked (the HCP of the job), the patient and the documents, the outcome and
// its error code (the partner's eHDSI code for a BusinessError); a transport failure is recorded as
// EHDSI-CF (communication failure) as well.
import type { AuditEventInput, AuditEventType, AuditWho } from "../audit/event";
import { BusinessError, isTransient } from "../exchange/queue/errors";
import { isPasserelleError } from "../shared/errors";
import type { CountryBDeps, ExchangeRun } from "./deps";

export interface AuditFacts {
  type: AuditEventType;
  who: AuditWho;
  patientId?: string;
  documentIds?: string[];
}

export function errorCodeOf(e: unknown): string {
  if (e instanceof BusinessError) return e.ehdsiCode;
  if (isPasserelleError(e)) return e.code;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "ERROR_GENERIC";
}

/** Runs `fn`, then records its outcome (success with the documents `fn` added to facts, or the failure). */
export async function audited<T>(deps: CountryBDeps, run: ExchangeRun, facts: AuditFacts, fn: (facts: AuditFacts) => Promise<T>): Promise<T> {
  const started = deps.clock().getTime();
  const base = () => ({
    direction: "outbound" as const,
    who: facts.who,
    traceId: run.traceId,
    exchangeId: run.exchangeId,
    durationMs: Math.max(0, deps.clock().getTime() - started),
    ...(facts.patientId ? { patientId: facts.patientId } : {}),
    ...(facts.documentIds ? { documentIds: facts.documentIds } : {}),
  });
  try {
    const result = await fn(facts);
    await deps.audit.record({ ...base(), type: facts.type, outcome: "success" });
    return result;
  } catch (e) {
    const errorCode = errorCodeOf(e);
    const events: AuditEventInput[] = [{ ...base(), type: facts.type, outcome: "failure", errorCode }];
    if (isTransient(e)) events.push({ ...base(), type: "EHDSI-CF", outcome: "failure", errorCode, details: { transaction: facts.type } });
    await deps.audit.recordMany(events);
    throw e;
  }
}
