// The eHDSI pivot Patient Summary, CDA Level 3 (templateId 1.3.6.1.4.1.12559.11.10.1.3.1.1.3,
// LOINC 60591-5). The five required sections are always present (medication summary, allergies,
// active problems, procedures, medical devices), with an IPS absent/unknown statement when the
// record has no entries; the optional sections appear when the record has data for them
// (REFERENCE.md "Document codes"). Pure: canonical summary + document context in, XML string out.
import type { PatientSummary } from "../../canonical/model";
import { el, serialize, type XElement } from "../../shared/xml";
import type { DocumentContext } from "../context";
import { clinicalDocument, headerElements, type DocumentHeader } from "./header";
import { documentId, documentSetId } from "./ids";
import { allergySection } from "./ps-sections/allergies";
import { PsBuild } from "./ps-sections/common";
import { labelsFor } from "./ps-sections/labels";
import { deviceSection } from "./ps-sections/devices";
import { immunizationSection } from "./ps-sections/immunizations";
import { medicationSection } from "./ps-sections/medications";
import {
  advanceDirectivesSection,
  functionalStatusSection,
  resultsSection,
  socialHistorySection,
  vitalSignsSection,
} from "./ps-sections/observations";
import { pregnancySection } from "./ps-sections/pregnancy";
import { activeProblemSection, pastIllnessSection } from "./ps-sections/problems";
import { procedureSection } from "./ps-sections/procedures";

export const PS_L3_TEMPLATE = "1.3.6.1.4.1.12559.11.10.1.3.1.1.3";
export const PS_CODE = { code: "60591-5", display: "Patient summary Document" } as const;

/** The header of a PS (L3, and the L1 rendering with its own templateId and id). */
export function patientSummaryHeader(ps: PatientSummary, ctx: DocumentContext, options: { templateId?: string; kind?: string } = {}): DocumentHeader {
  const kind = options.kind ?? "ps";
  return {
    kind: "ps",
    templateIds: [options.templateId ?? PS_L3_TEMPLATE],
    id: documentId(ctx, kind, ps.id, ps),
    setId: documentSetId(ctx, kind, ps.patient.ids[0]?.value ?? ps.id),
    code: PS_CODE,
    title: labelsFor(ps.language).documentTitle,
    language: ps.language,
    patient: ps.patient,
    authors: ps.authors.map((practitioner) => ({ practitioner, time: ps.time })),
    custodian: ps.custodian,
    legalAuthenticator: ps.legalAuthenticator ? { practitioner: ps.legalAuthenticator, time: ps.time } : undefined,
    // Provision of care over which the summary was kept; its end is the record's last update.
    serviceEvent: { classCode: "PCPR", period: { end: ps.time } },
  };
}

/** The structuredBody sections of the PS, required ones first in the eHDSI order. */
export function patientSummarySections(ps: PatientSummary, ctx: DocumentContext): XElement[] {
  const b = new PsBuild(ctx, ps.language);
  const sections = [
    medicationSection(b, ps.medications),
    allergySection(b, ps.allergies),
    activeProblemSection(b, ps.problems),
    procedureSection(b, ps.procedures),
    deviceSection(b, ps.devices),
    immunizationSection(b, ps.immunizations),
    pastIllnessSection(b, ps.pastIllnesses),
    pregnancySection(b, ps.pregnancy),
    socialHistorySection(b, ps.socialHistory),
    vitalSignsSection(b, ps.vitalSigns),
    resultsSection(b, ps.results),
    advanceDirectivesSection(b, ps.advanceDirectives),
    functionalStatusSection(b, ps.functionalStatus),
  ];
  return sections.filter((s): s is XElement => s !== undefined);
}

/** The PS as an XElement tree (for callers that sign or embed it before serialising). */
export function patientSummaryL3Element(ps: PatientSummary, ctx: DocumentContext): XElement {
  const header = headerElements(patientSummaryHeader(ps, ctx), ctx);
  const body = el("component", {}, el("structuredBody", {}, patientSummarySections(ps, ctx)));
  return clinicalDocument(header, body);
}

/**
 * The eHDSI pivot PS L3 of a national summary. Throws ERROR_PS_MISSING_EXPECTED_MAPPING when a
 * required coded element has no MVC mapping, DOCUMENT_INVALID when a value cannot be written
 * validly (an impossible date, a non-UCUM unit, ...).
 */
export function buildPatientSummaryL3(ps: PatientSummary, ctx: DocumentContext): string {
  return serialize(patientSummaryL3Element(ps, ctx));
}
