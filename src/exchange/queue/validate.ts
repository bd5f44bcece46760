// Checks shared by both adapters: what enqueue accepts, and the errors of get/retry.
import { randomUUID } from "node:crypto";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { IDEMPOTENCY_KEY, isJobType, type EnqueueOptions, type Job, type StoredJob } from "./port";

/** Printable, no control characters (a SOAP MessageID such as urn:uuid:... or a request id fits). */
// eslint-disable-next-line no-control-regex
const TRACE_ID = /^[^\u0000-\u001f\u007f]{1,256}$/;

/** The job id (= idempotency key) and trace id of an enqueue; INPUT_INVALID when unusable. */
export function checkEnqueue(job: Job, options: EnqueueOptions): { id: string; traceId: string } {
  if (!job || typeof job !== "object" || typeof job.type !== "string" || !isJobType(job.type)) {
    throw new PasserelleError(ErrorCode.InputInvalid, `unknown exchange job type: ${String((job as { type?: unknown } | null)?.type)}`);
  }
  if (typeof options.idempotencyKey !== "string" || !IDEMPOTENCY_KEY.test(options.idempotencyKey)) {
    throw new PasserelleError(ErrorCode.InputInvalid, "idempotency key: 1 to 128 of A-Z a-z 0-9 . _ ~ -, not only digits", { location: "idempotencyKey" });
  }
  const traceId = options.traceId ?? randomUUID();
  if (!TRACE_ID.test(traceId)) throw new PasserelleError(ErrorCode.InputInvalid, "trace id: 1 to 256 characters, no control characters", { location: "traceId" });
  return { id: options.idempotencyKey, traceId };
}

export function notFound(id: string): PasserelleError {
  return new PasserelleError(ErrorCode.NotFound, `no exchange job ${id}`, { jobId: id });
}

export function conflict(job: StoredJob): PasserelleError {
  return new PasserelleError(ErrorCode.Conflict, `exchange job ${job.id} is ${job.state}: only dead-letter and failed-permanently jobs can be retried`, { jobId: job.id, state: job.state });
}
