// National record in, eHDSI documents out: the document engine as one call. Parse the national FHIR
// bundle into the canonical model, build the pivot L3 (or the L1 PDF rendering), optionally render
// it in a clinician's language (country-B translation), optionally seal it. Pure composition of the
// converters and builders; the caller supplies the context and the key (documents/ reads no config).
import type { PatientSummary, Prescription } from "../canonical/model";
import { patientSummaryFromFhir } from "../national/fhir/patient-summary";
import { prescriptionsFromFhir } from "../national/fhir/prescription";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { SigningKey } from "../signing/keys";
import { signDocument } from "../signing/sign";
import { buildEPrescriptionL3 } from "./cda/eprescription";
import { buildEPrescriptionL1, buildPatientSummaryL1 } from "./cda/level1";
import { buildPatientSummaryL3 } from "./cda/patient-summary";
import { translateCda } from "./cda/translate";
import type { DocumentContext } from "./context";

export type NationalKind = "ps" | "ep";
export type DocumentLevel = "L3" | "L1";

export interface PipelineOptions {
  kind: NationalKind;
  /** L3 (structured pivot, default) or L1 (PDF in a CDA nonXMLBody). */
  level?: DocumentLevel;
  /** Render the pivot's display names in this language (fr, de, en), keeping the pivot as translation. */
  language?: string;
  /** Seal the document (enveloped XML-DSig) with this key. */
  signingKey?: SigningKey;
}

export interface GeneratedDocument {
  kind: NationalKind;
  level: DocumentLevel;
  /** National id of what the document was made from (summary id, prescription id). */
  sourceId: string;
  xml: string;
}

/**
 * Documents from a national FHIR bundle (parsed JSON; read it with parseBundleJson, which enforces the
 * size limit): one PS, or one eP per prescription.
 */
export async function documentsFromNational(json: unknown, options: PipelineOptions, ctx: DocumentContext): Promise<GeneratedDocument[]> {
  if (options.kind === "ps") return [await patientSummaryDocument(patientSummaryFromFhir(json), options, ctx)];
  const prescriptions = prescriptionsFromFhir(json);
  if (prescriptions.length === 0) throw new PasserelleError(ErrorCode.EpNotFound, "the bundle holds no dispensable prescription");
  const out: GeneratedDocument[] = [];
  for (const p of prescriptions) out.push(await prescriptionDocument(p, options, ctx));
  return out;
}

export async function patientSummaryDocument(ps: PatientSummary, options: Omit<PipelineOptions, "kind">, ctx: DocumentContext): Promise<GeneratedDocument> {
  const level = options.level ?? "L3";
  const xml = level === "L1" ? (await buildPatientSummaryL1(ps, ctx)).xml : buildPatientSummaryL3(ps, ctx);
  return { kind: "ps", level, sourceId: ps.id, xml: finish(xml, level, options, ctx) };
}

export async function prescriptionDocument(p: Prescription, options: Omit<PipelineOptions, "kind">, ctx: DocumentContext): Promise<GeneratedDocument> {
  const level = options.level ?? "L3";
  const xml = level === "L1" ? (await buildEPrescriptionL1(p, ctx)).xml : buildEPrescriptionL3(p, ctx);
  return { kind: "ep", level, sourceId: p.id, xml: finish(xml, level, options, ctx) };
}

function finish(xml: string, level: DocumentLevel, options: Omit<PipelineOptions, "kind">, ctx: DocumentContext): string {
  let out = xml;
  // Translation renders coded display names; an L1 body is a PDF made from the national text already.
  if (options.language && level === "L3") out = translateCda(out, ctx.terminology, options.language).xml;
  if (options.signingKey) out = signDocument(out, options.signingKey);
  return out;
}
