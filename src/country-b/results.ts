// What a country-B exchange ends with, as the REST API shows it (issue 6 "REST API": every call
// returns an exchange id; GET /api/v1/exchanges/{id} gives its state and result). The results are the
// queue's job results (src/exchange/queue/jobs.ts, plain JSON); a failure is the job's JobFailure,
// whose `code` is the partner's eHDSI code (numeric "4701" or string "ERROR_PS_NO_CONSENT", verbatim)
// for a business error, an ErrorCode of ours, or a Node network code for a transport failure.
import type { JobFailure, JobResult, JobType } from "../exchange/queue/port";

/** The job types country B sends to partner gateways (everything but the national delivery). */
export type CountryBJobType = Exclude<JobType, "deliver-dispensation">;
export const COUNTRY_B_JOB_TYPES: readonly CountryBJobType[] = ["xcpd-discover", "xca-query", "xca-retrieve", "xdr-submit"];

/** The result of a completed exchange, by job type. */
export type ExchangeResult<T extends CountryBJobType = CountryBJobType> = JobResult<T>;
export type DiscoverResult = ExchangeResult<"xcpd-discover">;
export type ListDocumentsResult = ExchangeResult<"xca-query">;
export type RetrieveDocumentResult = ExchangeResult<"xca-retrieve">;
export type SubmitDispensationResult = ExchangeResult<"xdr-submit">;

/** How a failed exchange reads for the API (RFC 9457 problem details carry it). */
export interface ExchangeFailureView {
  /** The stable code (eHDSI code, ErrorCode, or network error code). */
  readonly code: string;
  /** Set when the code is the partner gateway's eHDSI error. */
  readonly ehdsiCode: string | undefined;
  readonly message: string;
  /** true: a transport failure (retried, dead letter when attempts ran out). */
  readonly transient: boolean;
}

/**
 * eHDSI error codes: numeric codes of the eHDSI catalogue (1xxx, 2xxx, 4xxx) and the ERROR_* names
 * and WARNING_* names (REFERENCE.md "Error codes"; XCPD NF answers carry e.g. WARNING_PI_NO_CONSENT). Everything else is ours (ErrorCode) or a network code.
 */
export function isEhdsiCode(code: string): boolean {
  return /^[0-9]{4}$/.test(code) || /^(ERROR|WARNING)_[A-Z0-9_]+$/.test(code);
}

export function failureView(failure: JobFailure): ExchangeFailureView {
  return { code: failure.code, ehdsiCode: !failure.transient && isEhdsiCode(failure.code) ? failure.code : undefined, message: failure.message, transient: failure.transient };
}
