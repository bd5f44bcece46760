// The consent OpenAPI document and JSON Schemas, compiled with ajv for response checks in tests.
import { Ajv2020 } from "ajv/dist/2020";
import addFormatsModule from "ajv-formats";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ValidateFunction } from "ajv";

const SCHEMAS = join(import.meta.dirname, "../../schemas");
const read = (f: string) => JSON.parse(readFileSync(join(SCHEMAS, f), "utf8")) as Record<string, unknown>;

export const openapi = read("openapi-consent.json") as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
ajv.addSchema(read("consent-command.schema.json"));
ajv.addSchema(read("consent-record.schema.json"));
// Components as $defs of a schema whose id makes the relative $refs resolve beside it.
const components = JSON.parse(JSON.stringify(openapi.components.schemas).replaceAll("#/components/schemas/", "#/$defs/")) as Record<string, unknown>;
ajv.addSchema({ $id: "https://passerelle.lu/schemas/openapi-consent.json", $defs: components });

export function validator(name: string): ValidateFunction {
  const v = ajv.getSchema(name.endsWith(".json") ? `https://passerelle.lu/schemas/${name}` : `https://passerelle.lu/schemas/openapi-consent.json#/$defs/${name}`);
  if (!v) throw new Error(`no schema ${name}`);
  return v;
}

/** Throws with ajv's errors unless `value` matches the named schema. */
export function assertMatches(name: string, value: unknown): void {
  const v = validator(name);
  if (!v(value)) throw new Error(`${name}: ${JSON.stringify(v.errors, null, 1)}\nvalue: ${JSON.stringify(value)}`);
}
