// Test support for the eP/eD builders and parser: a document context over the real MVC catalogue
// (../shared/ehdsi/mvc plus the shipped demo catalogue), the XSD, and the golden inputs.
import { ehdsiPath } from "../../../test/helpers/ehdsi";
import { readJson, relativeTo } from "../../../test/helpers/golden";
import type { Dispensation, Prescription } from "../../canonical/model";
import { loadCatalogue, type Catalogue } from "../../terminology/catalogue";
import type { DocumentContext } from "../context";
import { loadCdaSchema, type CdaSchema } from "./schema";

let catalogue: Catalogue | undefined;

export function testContext(overrides: Partial<DocumentContext> = {}): DocumentContext {
  catalogue ??= loadCatalogue({ mvcDir: ehdsiPath("mvc") });
  return {
    country: "LU",
    documentIdRoot: "1.3.182.10.1",
    custodian: { id: { system: "1.3.182.4.1", value: "ESANTE" }, name: "Agence eSanté" },
    terminology: catalogue,
    now: () => new Date("2026-11-27T12:00:00Z"),
    ...overrides,
  };
}

export function cdaSchema(): CdaSchema {
  return loadCdaSchema(ehdsiPath("schema-cda", "CDA_Pharma.xsd"));
}

/** An eD golden input: the dispensation, and the prescription it dispenses (a path to an eP input). */
export interface EdGoldenInput {
  prescription?: string;
  dispensation: Dispensation;
}

export function readEdInput(path: string): { dispensation: Dispensation; prescription?: Prescription } {
  const input = readJson<EdGoldenInput>(path);
  const prescription = input.prescription ? readJson<Prescription>(relativeTo(path, input.prescription)) : undefined;
  return prescription ? { dispensation: input.dispensation, prescription } : { dispensation: input.dispensation };
}

/** A deep copy to mutate in a test. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}
