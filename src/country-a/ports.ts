// What the country-A use cases work with: the validated request (who asks, for which patient), and the
// ports they orchestrate (national records, consent, documents, audit, the exchange queue, a clock).
// The use cases are pure orchestration over these; the gateway module wires the real adapters.
import type { Dispensation, Identifier } from "../canonical/model";
import type { Decision, DecisionQuery } from "../consent/model";
import type { NationalRecords } from "../national/port";
import type { ValidatedAssertions } from "../saml/validate";
import type { DocumentSource } from "./document-source";
import type { DispensationStore } from "./dispensation-store";

/** The requesting side: the partner matched by its TLS client certificate and its validated assertions. */
export interface Requester {
  /** Partner country (from the TLS peer, never from a DN string). */
  readonly country: string;
  readonly assertions: ValidatedAssertions;
  /** WS-Addressing MessageID of the request. */
  readonly messageId: string | undefined;
  /** The exchange (HTTP request) id: the raw messages kept for support are filed under it. */
  readonly exchangeId?: string | undefined;
}

/** The consent decision (ConsentService.check satisfies it; decisions are audited by the service). */
export interface ConsentPort {
  check(query: DecisionQuery, context?: { correlationId?: string }): Promise<Decision>;
}

export const AUDIT_EVENT_IDS = {
  xcpd: "EHDSI-11",
  psList: "EHDSI-21",
  psRetrieve: "EHDSI-22",
  epList: "EHDSI-31",
  epRetrieve: "EHDSI-32",
  dispense: "EHDSI-41",
  discard: "EHDSI-42",
} as const;
export type AuditEventId = (typeof AUDIT_EVENT_IDS)[keyof typeof AUDIT_EVENT_IDS];

/** One exchange as the audit trail records it (REFERENCE.md "Audit event ids"; issue 5 "who, which patient, which documents"). */
export interface ExchangeAuditEvent {
  readonly eventId: AuditEventId;
  readonly outcome: "success" | "failure" | "partial";
  readonly partner: string;
  readonly hcp: { readonly id: string; readonly role: string; readonly purpose: string; readonly organization: string } | undefined;
  /** Matricule or the identifier the partner sent. */
  readonly patient: string | undefined;
  readonly documents: readonly string[];
  readonly errorCode: string | undefined;
  readonly messageId: string | undefined;
  readonly exchangeId?: string | undefined;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditPort {
  record(event: ExchangeAuditEvent): Promise<void>;
}

/** Deferred delivery of a stored dispensation to the national system (exchange queue, job `deliver-dispensation`). */
export interface DeliveryQueue {
  /** Durable when it resolves; idempotent on the eD uniqueId. */
  enqueueDelivery(job: {
    readonly documentUniqueId: string;
    readonly traceId: string;
    readonly patient: Identifier;
    readonly partner: string;
    readonly dispensation: Dispensation;
  }): Promise<void>;
}

export interface IdentifierDomains {
  /** National patient id OID (the matricule, 1.3.182.4.4). */
  readonly national: string;
  /** Our eHDSI patient identification domain (pn-oid.xml). */
  readonly ehdsi: string;
  /** Whether a value is one of our national patient ids (national/patient-id.ts: the matricule in LU). */
  readonly isValidId: (value: string) => boolean;
}

export interface CountryAPorts {
  readonly national: NationalRecords;
  readonly consent: ConsentPort;
  readonly documents: DocumentSource;
  readonly dispensations: DispensationStore;
  readonly audit: AuditPort;
  readonly queue: DeliveryQueue;
  readonly clock: () => Date;
  readonly domains: IdentifierDomains;
  /** How long the national system has to record a dispensation before it is deferred (ms). */
  readonly nationalTimeoutMs: number;
}
