// Allergies and Intolerances section (LOINC 48765-2, templateId …2.12; required). Each allergy is
// an Allergy and Intolerance Concern act (…3.16) holding an Allergy and Intolerance observation
// (…3.17): type (eHDSIAdverseEventType), agent (participant CSM: eHDSIActiveIngredient /
// eHDSIAllergenNoDrug / eHDSISubstance), reactions (MFST, …3.44: eHDSIReactionAllergy, with
// severity), criticality (…3.33), certainty (…3.35) and status (…3.34), as 2-1234-W8.xml. "No
// information" / "known absent": the observation's value is the IPS absent/unknown code
// (2-5678-W8.xml).
import type { Allergy, Concept, Reaction, RequiredSection } from "../../../canonical/model";
import { el, type XChild, type XElement } from "../../../shared/xml";
import { CodeSystems } from "../../../terminology/code-systems";
import { fixedCode, ivlTs } from "../datatypes";
import { content, type NarrativeRow, narrativeTable, textRef } from "../narrative";
import { conceptText } from "../../../canonical/text";
import { absentConcept, absentNarrative, ENTRY_TEMPLATE, type PsBuild, relatedObservation, type SectionSpec, section } from "./common";

const SPEC: SectionSpec = { template: 12, code: "48765-2", display: "Allergies and adverse reactions Document", key: "allergies" };

/** FHIR AllergyIntolerance code systems as OIDs (HL7 FHIR terminology, as 2-1234-W8.xml). */
export const ALLERGY_SYSTEMS = {
  criticality: "2.16.840.1.113883.4.642.4.130",
  verification: "2.16.840.1.113883.4.642.4.1371",
  clinical: "2.16.840.1.113883.4.642.4.1373",
} as const;

/** eHDSIAdverseEventType when the record gives no type: the generic "propensity to adverse reaction". */
const DEFAULT_TYPE: Concept = { coding: { code: "420134006", system: CodeSystems.snomed.oid, display: "Propensity to adverse reaction" } };
/** Reaction observation code (eHDSICodeProb): what the sample uses for a reported reaction. */
const REACTION_CODE: Concept = { coding: { code: "418799008", system: CodeSystems.snomed.oid, display: "Finding reported by subject or history provider" } };
/** "Allergic disposition": the observation code of an absent/unknown allergy statement (2-5678-W8.xml). */
const ALLERGIC_DISPOSITION: Concept = { coding: { code: "609328004", system: CodeSystems.snomed.oid, display: "Allergic disposition" } };

const CRITICALITY_DISPLAY = { low: "Low Risk", high: "High Risk", "unable-to-assess": "Unable to Assess Risk" } as const;
const VERIFICATION_DISPLAY = { unconfirmed: "Unconfirmed", confirmed: "Confirmed", refuted: "Refuted", "entered-in-error": "Entered in Error" } as const;
const STATUS_DISPLAY = { active: "Active", inactive: "Inactive", resolved: "Resolved" } as const;

const concernAct = (b: PsBuild, localId: string, status: string, period: XElement, ...children: XChild[]): XElement =>
  el(
    "act",
    { classCode: "ACT", moodCode: "EVN" },
    el("templateId", { root: ENTRY_TEMPLATE(16) }),
    b.entryId(localId),
    fixedCode("code", "CONC", "2.16.840.1.113883.5.6", "Concern", "ActClass"),
    el("statusCode", { code: status }),
    period,
    el("entryRelationship", { typeCode: "SUBJ", inversionInd: "false" }, children),
  );

export function allergySection(b: PsBuild, data: RequiredSection<Allergy>): XElement {
  if (data.kind !== "entries" || data.entries.length === 0) {
    const kind = data.kind === "entries" ? "no-information" : data.kind;
    const concept = absentConcept("allergies", kind);
    const id = b.nextId("allergy");
    const na = el("effectiveTime", {}, el("low", { nullFlavor: "NA" }));
    const obs = el(
      "observation",
      { classCode: "OBS", moodCode: "EVN" },
      el("templateId", { root: ENTRY_TEMPLATE(17) }),
      b.entryId(`allergies.${kind}.obs`),
      b.obsCode(ALLERGIC_DISPOSITION, "allergy.type"),
      textRef(id),
      el("statusCode", { code: "completed" }),
      na,
      b.coded("value", concept, "allergy.absentOrUnknown", undefined, "CD"),
    );
    return section(b, SPEC, [absentNarrative(id, b.labels.absent.allergies[kind])], [concernAct(b, `allergies.${kind}`, "active", na, obs)]);
  }
  const rows: NarrativeRow[] = [];
  const entries = data.entries.map((a) => {
    const id = b.nextId("allergy");
    const ids = { row: id, type: `${id}-type`, agent: `${id}-agent`, reactions: a.reactions.map((_, i) => `${id}-reaction-${i + 1}`) };
    rows.push({
      id,
      cells: [
        [content(ids.type, conceptText(a.type ?? DEFAULT_TYPE))],
        [content(ids.agent, conceptText(a.agent))],
        a.reactions.flatMap((r, i) => [i > 0 ? el("br") : undefined, content(ids.reactions[i] ?? "", reactionText(r))]).filter((x) => x !== undefined),
        [b.period(a.onset, a.end)],
        [a.criticality ?? ""],
        [a.verification ?? ""],
        [b.labels.status[a.status]],
      ],
    });
    return allergyEntry(b, a, ids);
  });
  return section(b, SPEC, [narrativeTable(b.labels.headers.allergies, rows)], entries);
}

function reactionText(r: Reaction): string {
  const m = conceptText(r.manifestation);
  return r.severity ? `${m} (${conceptText(r.severity)})` : m;
}

function allergyEntry(b: PsBuild, a: Allergy, ids: { row: string; type: string; agent: string; reactions: string[] }): XElement {
  const period = { start: a.onset, end: a.end };
  const obs = el(
    "observation",
    { classCode: "OBS", moodCode: "EVN" },
    el("templateId", { root: ENTRY_TEMPLATE(17) }),
    b.entryId(`allergy.${a.id}`),
    b.obsCode(a.type ?? DEFAULT_TYPE, "allergy.type", ids.type),
    textRef(ids.row),
    el("statusCode", { code: "completed" }),
    ivlTs("effectiveTime", period, { xsiType: false }),
    el(
      "participant",
      { typeCode: "CSM" },
      el("participantRole", { classCode: "MANU" }, el("playingEntity", { classCode: "MMAT" }, b.coded("code", a.agent, "allergy.agent", ids.agent))),
    ),
    a.reactions.map((r, i) => reactionRelationship(b, a, r, i, ids.reactions[i] ?? ids.row)),
    a.criticality
      ? detail(b, "SUBJ", 33, "82606-5", "Criticality", { coding: { code: a.criticality, system: ALLERGY_SYSTEMS.criticality, display: CRITICALITY_DISPLAY[a.criticality] } }, "allergy.criticality")
      : undefined,
    a.verification && a.verification !== "entered-in-error"
      ? detail(b, "SUBJ", 35, "66455-7", "Condition status", { coding: { code: a.verification, system: ALLERGY_SYSTEMS.verification, display: VERIFICATION_DISPLAY[a.verification] } }, "allergy.certainty")
      : undefined,
    detail(b, "REFR", 34, "33999-4", "Status", { coding: { code: a.status, system: ALLERGY_SYSTEMS.clinical, display: STATUS_DISPLAY[a.status] } }, "allergy.status"),
  );
  return concernAct(b, `allergy.${a.id}.concern`, a.status === "active" ? "active" : "completed", ivlTs("effectiveTime", period, { xsiType: false }), obs);
}

function reactionRelationship(b: PsBuild, a: Allergy, r: Reaction, i: number, ref: string): XElement {
  return el(
    "entryRelationship",
    { typeCode: "MFST" },
    el(
      "observation",
      { classCode: "OBS", moodCode: "EVN" },
      el("templateId", { root: ENTRY_TEMPLATE(44) }),
      b.entryId(`allergy.${a.id}.reaction.${i + 1}`),
      b.obsCode(REACTION_CODE, "allergy.reactionCode"),
      el("statusCode", { code: "completed" }),
      b.coded("value", r.manifestation, "allergy.reaction", ref, "CD"),
      r.severity ? severityRelationship(b, r.severity) : undefined,
    ),
  );
}

/** Severity observation (IHE PCC 1.3.6.1.4.1.19376.1.5.3.1.4.1, CCD 2.16.840.1.113883.10.20.1.55). */
export function severityRelationship(b: PsBuild, severity: Concept): XElement {
  return relatedObservation({
    typeCode: "SUBJ",
    inversionInd: true,
    templates: ["1.3.6.1.4.1.19376.1.5.3.1.4.1", "2.16.840.1.113883.10.20.1.55"],
    code: fixedCode("code", "SEV", CodeSystems.actCode.oid, "Severity", "ActCode"),
    value: b.coded("value", severity, "severity", undefined, "CD"),
  });
}

function detail(b: PsBuild, typeCode: "SUBJ" | "REFR", template: number, loinc: string, display: string, value: Concept, element: string): XElement {
  return relatedObservation({
    typeCode,
    templates: [ENTRY_TEMPLATE(template)],
    code: fixedCode("code", loinc, CodeSystems.loinc.oid, display, "LOINC"),
    value: b.coded("value", value, element, undefined, "CD"),
  });
}
