// Active Problems (LOINC 11450-4, templateId …2.9; required) and History of Past Illness (LOINC
// 11348-0, …2.10; optional). Each problem is a Problem Concern act (…3.15) holding a Problem
// observation (…3.7): type (eHDSICodeProb), the problem (eHDSIIllnessandDisorder, or
// eHDSIRareDisease), onset/abatement, severity, problem status (…3.9, eHDSIStatusCode) and, for a
// past illness, health status (…3.10, eHDSIResolutionOutcome), as 2-1234-W8.xml. "No information"
// / "known absent": the observation's value is the IPS absent/unknown code (2-5678-W8.xml).
import type { Concept, Problem, RequiredSection } from "../../../canonical/model";
import { el, type XChild, type XElement } from "../../../shared/xml";
import { CodeSystems } from "../../../terminology/code-systems";
import { fixedCode, ivlTs } from "../datatypes";
import { severityRelationship } from "./allergies";
import { content, type NarrativeRow, narrativeTable, textRef } from "../narrative";
import { conceptText } from "../../../canonical/text";
import { absentConcept, absentNarrative, ENTRY_TEMPLATE, type PsBuild, relatedObservation, type SectionSpec, section } from "./common";

const ACTIVE: SectionSpec = { template: 9, parents: ["2.16.840.1.113883.10.20.1.11"], code: "11450-4", display: "Problem list - Reported", key: "problems" };
const PAST: SectionSpec = { template: 10, code: "11348-0", display: "History of Past illness Narrative", key: "pastIllnesses" };

/** eHDSICodeProb: the observation code of a problem. */
const PROBLEM_TYPE: Concept = { coding: { code: "55607006", system: CodeSystems.snomed.oid, display: "Problem" } };
const CLINICAL_FINDING: Concept = { coding: { code: "404684003", system: CodeSystems.snomed.oid, display: "Clinical finding" } };

/** eHDSIStatusCode (SNOMED CT) for the clinical status. */
const STATUS: Record<Problem["status"], { code: string; display: string }> = {
  active: { code: "55561003", display: "Active" },
  inactive: { code: "73425007", display: "Inactive" },
  resolved: { code: "413322009", display: "Problem resolved" },
};

type Kind = "problem" | "pastIllness";

function concern(b: PsBuild, localId: string, status: string, period: XElement | undefined, rowId: string | undefined, obs: XElement): XElement {
  return el(
    "act",
    { classCode: "ACT", moodCode: "EVN" },
    el("templateId", { root: ENTRY_TEMPLATE(15) }),
    el("templateId", { root: "2.16.840.1.113883.10.20.1.27" }),
    b.entryId(localId),
    fixedCode("code", "CONC", "2.16.840.1.113883.5.6", "Concern", "ActClass"),
    rowId ? textRef(rowId) : undefined,
    el("statusCode", { code: status }),
    period,
    el("entryRelationship", { typeCode: "SUBJ", inversionInd: "false" }, obs),
  );
}

export function activeProblemSection(b: PsBuild, data: RequiredSection<Problem>): XElement {
  if (data.kind !== "entries" || data.entries.length === 0) {
    const kind = data.kind === "entries" ? "no-information" : data.kind;
    const concept = absentConcept("problems", kind);
    const id = b.nextId("problem");
    const obs = el(
      "observation",
      { classCode: "OBS", moodCode: "EVN" },
      el("templateId", { root: ENTRY_TEMPLATE(7) }),
      b.entryId(`problems.${kind}.obs`),
      b.obsCode(CLINICAL_FINDING, "problem.type"),
      textRef(id),
      el("statusCode", { code: "completed" }),
      b.coded("value", concept, "problem.code", undefined, "CD"),
    );
    return section(b, ACTIVE, [absentNarrative(id, b.labels.absent.problems[kind])], [concern(b, `problems.${kind}`, "active", undefined, undefined, obs)]);
  }
  return problemList(b, ACTIVE, data.entries, "problem");
}

/** Past illnesses: optional; undefined when the record has none. */
export function pastIllnessSection(b: PsBuild, problems: Problem[]): XElement | undefined {
  if (problems.length === 0) return undefined;
  return problemList(b, PAST, problems, "pastIllness");
}

function problemList(b: PsBuild, spec: SectionSpec, problems: Problem[], kind: Kind): XElement {
  const rows: NarrativeRow[] = [];
  const entries = problems.map((p) => {
    const id = b.nextId(kind === "problem" ? "problem" : "illness");
    const valueId = `${id}-value`;
    const outcome: XChild[][] = kind === "pastIllness" ? [[conceptText(p.outcome)]] : [];
    rows.push({
      id,
      cells: [[content(valueId, conceptText(p.code))], [b.period(p.onset, p.abatement)], [b.labels.status[p.status]], [conceptText(p.severity)], ...outcome],
    });
    return problemEntry(b, p, kind, id, valueId);
  });
  return section(b, spec, [narrativeTable(kind === "pastIllness" ? b.labels.headers.pastIllnesses : b.labels.headers.problems, rows)], entries);
}

function problemEntry(b: PsBuild, p: Problem, kind: Kind, rowId: string, valueId: string): XElement {
  const period = { start: p.onset, end: p.abatement };
  const obs = el(
    "observation",
    { classCode: "OBS", moodCode: "EVN" },
    el("templateId", { root: ENTRY_TEMPLATE(7) }),
    b.entryId(`${kind}.${p.id}`),
    b.obsCode(PROBLEM_TYPE, `${kind}.type`),
    textRef(rowId),
    el("statusCode", { code: "completed" }),
    ivlTs("effectiveTime", period, { xsiType: false }),
    b.coded("value", p.code, `${kind}.code`, valueId, "CD"),
    p.severity ? severityRelationship(b, p.severity) : undefined,
    statusObservation(b, p),
    kind === "pastIllness" && p.outcome ? healthStatus(b, p.outcome) : undefined,
  );
  // Concern status: active while the problem is, completed once inactive or resolved (IHE PCC).
  return concern(b, `${kind}.${p.id}.concern`, p.status === "active" ? "active" : "completed", ivlTs("effectiveTime", period, { xsiType: false }), rowId, obs);
}

/** Problem Status observation (…3.9): eHDSIStatusCode. */
function statusObservation(b: PsBuild, p: Problem): XElement {
  const s = STATUS[p.status];
  return relatedObservation({
    typeCode: "REFR",
    templates: [ENTRY_TEMPLATE(9), "1.3.6.1.4.1.19376.1.5.3.1.4.1.1"],
    code: fixedCode("code", "33999-4", CodeSystems.loinc.oid, "Status", "LOINC"),
    value: b.coded("value", { coding: { code: s.code, system: CodeSystems.snomed.oid, display: s.display } }, "problem.status", undefined, "CE"),
  });
}

/** Health Status observation (…3.10): the resolution outcome of a past illness. */
function healthStatus(b: PsBuild, outcome: Concept): XElement {
  return relatedObservation({
    typeCode: "REFR",
    templates: [ENTRY_TEMPLATE(10)],
    code: fixedCode("code", "11323-3", CodeSystems.loinc.oid, "Health status", "LOINC"),
    value: b.coded("value", outcome, "pastIllness.outcome", undefined, "CE"),
  });
}
