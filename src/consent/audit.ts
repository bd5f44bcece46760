// The consent domain's port to the audit trail (DESIGN.md: audit/ records every step that decides or
// discloses). Every decision, permit and deny, is recorded with its reason; an emergency access without
// consent is flagged. A failing audit write fails the request: no disclosure without evidence.
import type { ConsentAction, ConsentService, DenyReason, PurposeOfUse } from "./model";

export interface ConsentDecisionEvent {
  readonly type: "consent-decision";
  readonly at: string;
  readonly patient: string;
  readonly country: string;
  readonly service: ConsentService;
  readonly purpose: PurposeOfUse;
  readonly permit: boolean;
  /** "consent-granted", "emergency-override", or the deny reason. */
  readonly reason: string;
  readonly grantVersion: number | null;
  /** Purpose EMERGENCY let through without a consent in force (deployment policy). */
  readonly emergencyOverride: boolean;
  /** Why it would have been denied, for an emergency override. */
  readonly deniedReason?: DenyReason;
  /** The request or exchange this decision belongs to, when the caller knows it. */
  readonly correlationId?: string;
}

export interface ConsentChangeEvent {
  readonly type: "consent-change";
  readonly at: string;
  readonly patient: string;
  readonly action: ConsentAction;
  readonly version: number;
  readonly requestId: string;
  readonly recordedBy: string;
  readonly source: string;
  readonly correlationId?: string;
}

/** A bulk import is audited once, with its counts (one event per imported line would double its cost). */
export interface ConsentImportEvent {
  readonly type: "consent-import";
  readonly at: string;
  readonly importedBy: string;
  readonly lines: number;
  readonly imported: number;
  readonly replayed: number;
  readonly rejected: number;
  readonly correlationId?: string;
}

export type ConsentAuditEvent = ConsentDecisionEvent | ConsentChangeEvent | ConsentImportEvent;

export interface AuditSink {
  record(event: ConsentAuditEvent): Promise<void>;
}
