// The real parts behind the country-A ports: the hash-chained audit trail (src/audit/) and the
// exchange queue's `deliver-dispensation` job (src/exchange/queue/).
import type { AuditTrail } from "../audit/trail";
import type { AuditEventInput, JsonValue } from "../audit/event";
import type { ExchangeQueue } from "../exchange/queue/port";
import { IDEMPOTENCY_KEY } from "../exchange/queue/port";
import { createHash } from "node:crypto";
import { parseCx, toCx } from "./patient-id";
import type { AuditPort, DeliveryQueue, ExchangeAuditEvent, IdentifierDomains } from "./ports";

/** Our patient in CX form for the trail (our national id in our eHDSI domain); other values go in details. */
function cxOf(patient: string | undefined, domains: IdentifierDomains): { patientId?: string; asked?: string } {
  if (patient === undefined) return {};
  if (domains.isValidId(patient)) return { patientId: toCx(patient, domains.ehdsi) };
  if (parseCx(patient)) return { patientId: patient };
  return { asked: patient.slice(0, 256) };
}

export function auditTrailPort(trail: AuditTrail, domains: IdentifierDomains): AuditPort {
  return {
    async record(e: ExchangeAuditEvent): Promise<void> {
      const patient = cxOf(e.patient, domains);
      const details: Record<string, JsonValue> = { ...((e.detail ?? {}) as Record<string, JsonValue>) };
      if (e.outcome === "partial") details["partial"] = true;
      if (patient.asked) details["patientAsked"] = patient.asked;
      const input: AuditEventInput = {
        type: e.eventId,
        time: e.startedAt,
        outcome: e.outcome === "failure" ? "failure" : "success",
        ...(e.errorCode ? { errorCode: e.errorCode } : {}),
        who: {
          partnerCountry: e.partner,
          ...(e.hcp ? { hcpId: e.hcp.id, role: e.hcp.role, organisationId: e.hcp.organization, purposeOfUse: e.hcp.purpose, emergency: e.hcp.purpose === "EMERGENCY" } : {}),
        },
        ...(patient.patientId ? { patientId: patient.patientId } : {}),
        ...(e.documents.length > 0 ? { documentIds: e.documents } : {}),
        direction: "inbound",
        durationMs: e.durationMs,
        ...(e.messageId ? { traceId: e.messageId.slice(0, 512) } : {}),
        ...(e.exchangeId ? { exchangeId: e.exchangeId } : {}),
        ...(Object.keys(details).length > 0 ? { details } : {}),
      };
      await trail.record(input);
    },
  };
}

/** The queue's idempotency key of a delivery: derived from the eD uniqueId (which may hold ^ and dots). */
export function deliveryKey(documentUniqueId: string): string {
  const key = `deliver-dispensation.${createHash("sha256").update(documentUniqueId).digest("hex").slice(0, 40)}`;
  if (!IDEMPOTENCY_KEY.test(key)) throw new Error("delivery key shape");
  return key;
}

export function exchangeQueuePort(queue: ExchangeQueue): DeliveryQueue {
  return {
    async enqueueDelivery(job) {
      await queue.enqueue(
        {
          type: "deliver-dispensation",
          dispensationId: job.documentUniqueId,
          patientId: job.patient,
          prescriptionId: job.dispensation.prescriptionId,
          dispensedIn: job.partner,
          dispensation: job.dispensation,
        },
        { idempotencyKey: deliveryKey(job.documentUniqueId), traceId: job.traceId.slice(0, 128) },
      );
    },
  };
}
