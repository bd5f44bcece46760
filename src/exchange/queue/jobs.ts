// The jobs of the exchange queue (issue 6 "The exchange queue"; DESIGN.md convention 9): one typed
// payload and one typed result per job type, as plain JSON (they are stored as JSON by both adapters:
// dates are ISO 8601 strings, never Date objects).
//
//   deliver-dispensation  country A: an eDispensation received from a foreign pharmacy (XDR ITI-41) is
//                         delivered to our national system later, exactly once (NationalRecords
//                         .recordDispensation is idempotent on the dispensation id).
//   xcpd-discover         country B: patient discovery in the visitor's country (XCPD ITI-55).
//   xca-query             country B: list the visitor's PS / eP documents (XCA ITI-38).
//   xca-retrieve          country B: retrieve one document (XCA ITI-39), verify, translate, render.
//   xdr-submit            country B: send the eDispensation of a foreign ePrescription (XDR ITI-41).
import type { Dispensation, Gender, Identifier, Patient, Prescription } from "../../canonical/model";
import type { HcpUser } from "../../saml/issue";

/** The caller's HCP identity as the national client sent it (HcpUser with JSON dates). */
export type JobHcpUser = Omit<HcpUser, "authnInstant"> & { readonly authnInstant?: string };

/** Document classes of issue 6's exchanges: Patient Summary and ePrescription. */
export type ExchangeDocumentClass = "ps" | "ep";

/** Languages the clinician may ask the retrieved document in (issue 6 "REST API"). */
export type ClinicianLanguage = "fr" | "de" | "en";

/** The partner key of jobs addressed to our own national system (deliver-dispensation). */
export const NATIONAL_SYSTEM = "national";

/** Common to the jobs addressed to a foreign gateway. */
interface PartnerExchange {
  /** The partner gateway's country (ISO 3166-1 alpha-2, the partner registry's key). */
  readonly country: string;
  /** Who asks: the HCP assertion and the TRC are issued for this user when the job runs. */
  readonly requester: JobHcpUser;
}

export interface DeliverDispensationPayload {
  readonly dispensationId: string;
  /** The national patient id (matricule) the prescription belongs to. */
  readonly patientId: Identifier;
  readonly prescriptionId: string;
  /** Country of the foreign pharmacy that dispensed (the XDR sender). */
  readonly dispensedIn: string;
  /** The dispensation as read from the pivot eDispensation. */
  readonly dispensation: Dispensation;
}

export interface XcpdDiscoverPayload extends PartnerExchange {
  /** Identifiers the visitor presented (the partner's patient id domain(s), from pn-oid.xml). */
  readonly identifiers: readonly Identifier[];
  /** Demographics the partner may require for matching (eHDSI XCPD: per-country required traits). */
  readonly demographics?: {
    readonly givenName?: string;
    readonly familyName?: string;
    readonly birthDate?: string;
    readonly gender?: Gender;
  };
}

export interface XcaQueryPayload extends PartnerExchange {
  /** The patient id returned by the partner's XCPD answer. */
  readonly patientId: Identifier;
  readonly documentClass: ExchangeDocumentClass;
}

export interface XcaRetrievePayload extends PartnerExchange {
  readonly patientId: Identifier;
  readonly documentClass: ExchangeDocumentClass;
  readonly homeCommunityId: string;
  readonly repositoryUniqueId: string;
  readonly documentUniqueId: string;
  /** The clinician's language for the translation of the pivot document. */
  readonly language: ClinicianLanguage;
}

export interface XdrSubmitPayload extends PartnerExchange {
  readonly patientId: Identifier;
  /** The foreign ePrescription dispensed here. */
  readonly prescriptionId: string;
  /** What our pharmacy handed over: Passerelle builds the pivot eDispensation from it. */
  readonly dispensation: Dispensation;
}

export interface JobPayloads {
  "deliver-dispensation": DeliverDispensationPayload;
  "xcpd-discover": XcpdDiscoverPayload;
  "xca-query": XcaQueryPayload;
  "xca-retrieve": XcaRetrievePayload;
  "xdr-submit": XdrSubmitPayload;
}

/** A document the partner listed (XCA ITI-38 answer, one DocumentEntry). */
export interface ListedDocument {
  readonly homeCommunityId: string;
  readonly repositoryUniqueId: string;
  readonly documentUniqueId: string;
  readonly documentClass: ExchangeDocumentClass;
  /** eHDSI: L3 = structured pivot CDA, L1 = PDF embedded in a CDA. */
  readonly level: "L1" | "L3";
  readonly title?: string;
  readonly createdAt?: string;
  readonly description?: string;
}

export interface JobResults {
  "deliver-dispensation": { readonly prescriptionStatus: Prescription["status"]; readonly recordedAt: string; readonly duplicate: boolean };
  "xcpd-discover": { readonly patients: readonly Patient[] };
  "xca-query": { readonly documents: readonly ListedDocument[] };
  "xca-retrieve": {
    readonly documentUniqueId: string;
    /** The pivot document as received, its signature verified. */
    readonly pivotXml: string;
    readonly language: ClinicianLanguage;
    /** The pivot translated into `language`. */
    readonly translatedXml: string;
    /** HTML rendering for the clinician. */
    readonly html: string;
  };
  "xdr-submit": { readonly documentUniqueId: string; readonly status: "success" | "partial-success" };
}

export type JobType = keyof JobPayloads;
export const JOB_TYPES: readonly JobType[] = ["deliver-dispensation", "xcpd-discover", "xca-query", "xca-retrieve", "xdr-submit"];

/** The discriminated union of jobs: `{ type: "xca-query", country, requester, ... }`. */
export type Job<T extends JobType = JobType> = { [K in T]: { readonly type: K } & JobPayloads[K] }[T];
export type JobResult<T extends JobType = JobType> = JobResults[T];

export function isJobType(value: string): value is JobType {
  return (JOB_TYPES as readonly string[]).includes(value);
}

/** The partner a job talks to, the key of rate limits, concurrency limits and circuit breakers. */
export function partnerOf(job: Job): string {
  return job.type === "deliver-dispensation" ? NATIONAL_SYSTEM : job.country;
}
