// Input errors of the national converters: INPUT_INVALID with a JSON location such as
// `entry[3].resource.code` (details.location), so the sender can find the faulty element.
import { ErrorCode, PasserelleError } from "../../shared/errors";

export function fhirError(message: string, location: string, extra: Record<string, unknown> = {}): PasserelleError {
  return new PasserelleError(ErrorCode.InputInvalid, `${location}: ${message}`, { location, ...extra });
}

/** `entry[3].resource` + `code` -> `entry[3].resource.code`; array indexes as `[n]`. */
export function at(base: string, field: string | number): string {
  if (typeof field === "number") return `${base}[${field}]`;
  return base === "" ? field : `${base}.${field}`;
}

/** An ajv instancePath (`/entry/3/resource/code`) as a location (`entry[3].resource.code`). */
export function locationFromPointer(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out = /^[0-9]+$/.test(part) ? at(out, Number(part)) : at(out, part);
  }
  return out === "" ? "(bundle)" : out;
}
