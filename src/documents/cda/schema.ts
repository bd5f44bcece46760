// XSD validation of CDA documents against the eHDSI CDA_Pharma.xsd (CDA R2 + pharm extension), the
// hard gate every generated L1/L3 document must pass (issue 2: "Every generated L3 and L1 document
// validates against CDA_Pharma.xsd"). libxml2 compiled to WASM: the schema is compiled once, then
// each document costs one parse and one validation. The XSD path is given by the caller (documents/
// does not read configuration); its includes (coreschemas/, extPHARM/) are resolved from disk.
import { XmlDocument, XmlParseError, XmlValidateError, XsdValidator, type ErrorDetail } from "libxml2-wasm";
import { xmlRegisterFsInputProviders } from "libxml2-wasm/lib/nodejs.mjs";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ErrorCode, PasserelleError } from "../../shared/errors";

export interface SchemaError {
  line: number;
  message: string;
}

export interface ValidationResult {
  valid: boolean;
  errors: SchemaError[];
}

export interface CdaSchema {
  validate(xml: string): ValidationResult;
  /** Validate and throw DOCUMENT_INVALID (listing the first errors) when the document fails. */
  assertValid(xml: string, what?: string): void;
}

let fsProvidersRegistered = false;
const cache = new Map<string, CdaSchema>();

/** Compile the XSD at `xsdPath` once per path; later calls return the same validator. */
export function loadCdaSchema(xsdPath: string): CdaSchema {
  const path = resolve(xsdPath);
  const cached = cache.get(path);
  if (cached) return cached;
  if (!fsProvidersRegistered) {
    xmlRegisterFsInputProviders();
    fsProvidersRegistered = true;
  }
  let validator: XsdValidator;
  try {
    const xsdDoc = XmlDocument.fromBuffer(readFileSync(path), { url: path });
    try {
      validator = XsdValidator.fromDoc(xsdDoc);
    } finally {
      xsdDoc.dispose();
    }
  } catch (e) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `cannot compile CDA schema ${path}: ${(e as Error).message}`, { location: path }, { cause: e });
  }
  const schema: CdaSchema = {
    validate: (xml) => validateWith(validator, xml),
    assertValid(xml, what = "CDA document") {
      const r = validateWith(validator, xml);
      if (!r.valid) {
        const first = r.errors.slice(0, 5).map((e) => `line ${e.line}: ${e.message}`).join("; ");
        throw new PasserelleError(ErrorCode.DocumentInvalid, `${what} fails CDA_Pharma.xsd: ${first}`, { errors: r.errors });
      }
    },
  };
  cache.set(path, schema);
  return schema;
}

function toErrors(details: ErrorDetail[]): SchemaError[] {
  return details.map((d) => ({ line: d.line ?? 0, message: d.message.trim() }));
}

function validateWith(validator: XsdValidator, xml: string): ValidationResult {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(xml);
  } catch (e) {
    if (e instanceof XmlParseError) return { valid: false, errors: toErrors(e.details) };
    throw e;
  }
  try {
    validator.validate(doc);
    return { valid: true, errors: [] };
  } catch (e) {
    if (e instanceof XmlValidateError) return { valid: false, errors: toErrors(e.details) };
    throw e;
  } finally {
    doc.dispose();
  }
}
