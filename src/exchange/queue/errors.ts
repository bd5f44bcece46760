// What a job handler throws, and what the queue makes of it (issue 6: "retries with exponential
// backoff for transport failures only (not for eHDSI business errors)").
//   TransientError, or a Node network error (ECONNREFUSED, ETIMEDOUT, ...)  -> retried with backoff,
//                                                                             dead letter when exhausted
//   anything else: BusinessError (the partner's eHDSI error), PasserelleError,
//   an unexpected Error                                                     -> failed-permanently, no retry
import { ErrorCode, PasserelleError, isPasserelleError } from "../../shared/errors";

/** The partner (or the national system) could not be reached or did not answer: try again later. */
export class TransientError extends PasserelleError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(ErrorCode.TransportFailure, message, details, options);
    this.name = "TransientError";
  }
}

/**
 * The partner answered with an eHDSI error (numeric such as "4703" or string such as
 * "ERROR_PI_NO_MATCH", kept verbatim): asking again would get the same answer.
 */
export class BusinessError extends Error {
  readonly ehdsiCode: string;
  readonly details: Record<string, unknown>;

  constructor(ehdsiCode: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BusinessError";
    this.ehdsiCode = ehdsiCode;
    this.details = details;
  }
}

/** Node / undici error codes of a connection that failed or broke: transport failures. */
const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ECONNABORTED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** How a failed attempt is recorded on the job (JSON, both adapters). */
export interface JobFailure {
  /** Stable code: an ErrorCode, the partner's eHDSI code, or a Node network error code. */
  readonly code: string;
  readonly message: string;
  /** true: a transport failure (retried); false: a business or unexpected error (not retried). */
  readonly transient: boolean;
  readonly attempt: number;
  readonly at: string;
}

export function isTransient(e: unknown): boolean {
  if (e instanceof TransientError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return !isPasserelleError(e) && typeof code === "string" && NETWORK_ERROR_CODES.has(code);
}

export function describeFailure(e: unknown, attempt: number, at: Date = new Date()): JobFailure {
  const transient = isTransient(e);
  let code: string = ErrorCode.Internal;
  if (e instanceof BusinessError) code = e.ehdsiCode;
  else if (isPasserelleError(e)) code = e.code;
  else if (transient) code = String((e as { code: string }).code);
  const message = e instanceof Error ? e.message : String(e);
  return { code, message: message.slice(0, 2000), transient, attempt, at: at.toISOString() };
}
