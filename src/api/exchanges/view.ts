// How an exchange reads on GET /api/v1/exchanges/{id} (issue 6 "REST API"): its state and, once it
// ended, its result (the queue job's result: for a retrieve, the pivot document, its translation and
// the HTML rendering) or an RFC 9457 problem carrying the foreign gateway's eHDSI error when it was one.
import type { ProblemDetails } from "../../app/problem";
import { httpStatusOf } from "../../app/problem";
import { failureView } from "../../country-b/results";
import type { JobType, StoredJob } from "../../exchange/queue/port";
import { STATUS_CODES } from "node:http";

export const EXCHANGES_PATH = "/api/v1/exchanges";

/** The operation names of the API by job type (requests.ts). */
export const OPERATION_OF: Readonly<Record<Exclude<JobType, "deliver-dispensation">, string>> = {
  "xcpd-discover": "patient-discovery",
  "xca-query": "document-list",
  "xca-retrieve": "document-retrieve",
  "xdr-submit": "dispensation",
};

export interface ExchangeProblem extends ProblemDetails {
  /** The foreign gateway's eHDSI error code (numeric or ERROR_*), verbatim, when the failure was one. */
  readonly ehdsiCode?: string;
  /** true: the partner could not be reached (the exchange went to the dead letter after its retries). */
  readonly transient: boolean;
}

export interface ExchangeView {
  readonly id: string;
  readonly operation: string;
  readonly country: string;
  readonly state: StoredJob["state"];
  /** true once the state will not change by itself (completed, failed-permanently, dead-letter). */
  readonly done: boolean;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly traceId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly nextAttemptAt?: string;
  readonly result?: unknown;
  readonly problem?: ExchangeProblem;
  readonly links: { readonly self: string; readonly html?: string };
}

// HTTP status of the partner's eHDSI errors (REFERENCE.md "Error codes").
const EHDSI_STATUS: ReadonlyArray<[RegExp, number]> = [
  [/^(4701|4703|1001|1002|4206|ERROR_[A-Z]+_NO_CONSENT)$/, 403],
  [/^(1101|1102|ERROR_PI_NO_MATCH|ERROR_PS_NOT_FOUND|ERROR_EP_NOT_FOUND)$/, 404],
  [/^(4106|ERROR_PI_MULTIPLE_MATCHES|ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION)$/, 409],
  [/^(4202|4203|ERROR_[A-Z]+_MISSING_EXPECTED_MAPPING)$/, 422],
];

function statusOfFailure(code: string, ehdsi: boolean, transient: boolean): number {
  if (transient) return 504;
  if (ehdsi) return EHDSI_STATUS.find(([re]) => re.test(code))?.[1] ?? 502;
  return httpStatusOf(code);
}

const DONE = new Set<StoredJob["state"]>(["completed", "failed-permanently", "dead-letter"]);

export function exchangeProblem(job: StoredJob): ExchangeProblem | undefined {
  if (!job.failure || (job.state !== "failed-permanently" && job.state !== "dead-letter")) return undefined;
  const f = failureView(job.failure);
  const status = statusOfFailure(f.code, f.ehdsiCode !== undefined, f.transient || job.state === "dead-letter");
  return {
    type: `urn:passerelle:problem:${f.code}`,
    title: STATUS_CODES[status] ?? "Error",
    status,
    code: f.code,
    detail: job.state === "dead-letter" ? `the partner gateway could not be reached after ${job.attempts} attempts: ${f.message}` : f.message,
    instance: `${EXCHANGES_PATH}/${job.id}`,
    ...(f.ehdsiCode ? { ehdsiCode: f.ehdsiCode } : {}),
    transient: f.transient,
  };
}

export function exchangeView(job: StoredJob): ExchangeView {
  const self = `${EXCHANGES_PATH}/${encodeURIComponent(job.id)}`;
  const problem = exchangeProblem(job);
  const hasHtml = job.type === "xca-retrieve" && job.state === "completed";
  return {
    id: job.id,
    operation: OPERATION_OF[job.type as keyof typeof OPERATION_OF] ?? job.type,
    country: "country" in job.job ? job.job.country : "",
    state: job.state,
    done: DONE.has(job.state),
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    traceId: job.traceId,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    ...(job.finishedAt ? { finishedAt: job.finishedAt.toISOString() } : {}),
    ...(job.runAt && !DONE.has(job.state) ? { nextAttemptAt: job.runAt.toISOString() } : {}),
    ...(job.state === "completed" && job.result !== undefined ? { result: job.result } : {}),
    ...(problem ? { problem } : {}),
    links: { self, ...(hasHtml ? { html: `${self}/html` } : {}) },
  };
}
