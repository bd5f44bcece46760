// First validation step of national input: the JSON Schemas in schemas/ (single source of truth of
// the accepted shape, draft 2020-12), compiled once with ajv. The converters then check semantics.
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { locationFromPointer } from "./errors";
import type { FhirBundle } from "./types";

export type NationalSchema = "national-patient-summary" | "national-prescription";

const SCHEMA_DIR = fileURLToPath(new URL("../../../schemas/", import.meta.url));
const compiled = new Map<NationalSchema, ValidateFunction>();
let ajv: Ajv2020 | undefined;

function validator(name: NationalSchema): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    // Our patterns are ASCII: non-unicode regular expressions are several times faster.
    ajv ??= new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true, unicodeRegExp: false });
    const schema = JSON.parse(readFileSync(`${SCHEMA_DIR}${name}.schema.json`, "utf8")) as object;
    v = ajv.compile(schema);
    compiled.set(name, v);
  }
  return v;
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "enum":
      return `must be one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(", ")}`;
    case "const":
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case "required":
      return `missing required field '${String(p.missingProperty)}'`;
    case "pattern":
      return `has the wrong format (${String(p.pattern)})`;
    default:
      return e.message ?? e.keyword;
  }
}

/** Checks a parsed bundle against a national schema; INPUT_INVALID at the first problem's location. */
export function validateShape(name: NationalSchema, input: unknown): FhirBundle {
  const validate = validator(name);
  // Say first what the input is when it is not a Bundle at all (clearer than a missing field).
  if (typeof input === "object" && input !== null && !Array.isArray(input)) {
    const type = (input as { resourceType?: unknown }).resourceType;
    if (type !== "Bundle") {
      throw new PasserelleError(ErrorCode.InputInvalid, `resourceType: must be "Bundle", got ${JSON.stringify(type ?? null)} (${name} schema)`, {
        location: "resourceType",
        schema: name,
      });
    }
  }
  if (validate(input)) return input as FhirBundle;
  const first = validate.errors?.find((e) => e.keyword !== "if") ?? validate.errors?.[0];
  const location = first ? locationFromPointer(first.instancePath) : "(bundle)";
  const message = first ? describe(first) : "does not match the schema";
  throw new PasserelleError(ErrorCode.InputInvalid, `${location}: ${message} (${name} schema)`, {
    location,
    schema: name,
    ...(first ? { keyword: first.keyword } : {}),
  });
}

export const validatePatientSummaryShape = (input: unknown) => validateShape("national-patient-summary", input);
export const validatePrescriptionShape = (input: unknown) => validateShape("national-prescription", input);
