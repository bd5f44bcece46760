// The binding table: for each coded element the CDA builders emit, the MVC value set it is drawn
// from and its usage per document kind (R, RNFA, O, NA). The facts are copied from the eHDSI coded
// element list (OpenNCP coded_element_list_ehdsi.xml, Wave 8); `paths` are that list's elementPath
// values, kept verbatim so the binding checker (documents/cda/bindings-check.ts) evaluates exactly
// them. The file itself is never read at run time.
//
// Choices where the list is silent, overlapping or ambiguous (the element's eHDSI template decides):
//  - allergy.reaction (3.44 value): the list binds eHDSIIllnessandDisorder (42.5); the template
//    names eHDSIReactionAllergy (42.11). 42.11 is primary, 42.5 accepted.
//  - allergy.agent: the list binds eHDSIActiveIngredient (42.24) and its comment names
//    eHDSIAllergenNoDrug; the template also takes eHDSISubstance (42.61). All three accepted.
//  - problem.code / pastIllness.code: the list gives the same path to both (act 3.15 / observation
//    3.7); we tell them apart by the enclosing section code (11450-4 active, 11348-0 history).
//    Both also accept eHDSIRareDisease (42.63) and eHDSIAbsentOrUnknownProblem (42.50).
//  - procedure.code, device.code, medication.absentOrUnknown, allergy.absentOrUnknown: absent/unknown
//    value sets 42.47..42.51 (not in the MVC package; shipped in catalogue/absent-unknown.json).
//  - severity: the list's path `//observation/entryRelationship[SUBJ]/observation/value` also
//    matches criticality (3.33), allergy certainty (3.35) and problem certainty (3.49, which the list
//    does not bind) observations. We narrow it to the severity observation (code SEV, ActCode, IHE
//    template ...4.1) and mark it `fallback` so a more specific path claims a node first.
//  - guardian.relationship: not in the list; the PS guardian template takes eHDSIPersonalRelationship.
//  - immunization.targetDisease: not in the list; bound to eHDSIIllnessandDisorder, usage O.
//  - result.unit / vitalSign.unit: not in the list; eHDSIUnit, usage O (UCUM either way).
//  - Elements with no MVC value set bound (result.code: eHDSILaboratoryObservation is not shipped;
//    vital sign codes, functional status, advance directives): not in this table. Builders emit
//    the source code as is; `isBound()` tells them.
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { Binding, DocumentKind, Usage } from "./types";

const VS = (n: number): string => `1.3.6.1.4.1.12559.11.10.1.3.1.42.${n}`;

/** MVC value set OIDs by name (those the table uses). */
export const ValueSets = {
  healthcareProfessionalRole: VS(1),
  doseForm: VS(2),
  package: VS(3),
  illnessAndDisorder: VS(5),
  substitutionCode: VS(7),
  medicalDevice: VS(8),
  pregnancyInformation: VS(9),
  procedure: VS(10),
  reactionAllergy: VS(11),
  routeOfAdministration: VS(12),
  severity: VS(13),
  socialHistory: VS(14),
  statusCode: VS(15),
  unit: VS(16),
  adverseEventType: VS(18),
  allergenNoDrug: VS(19),
  bloodGroup: VS(20),
  bloodPressure: VS(21),
  codeProb: VS(23),
  activeIngredient: VS(24),
  section: VS(26),
  vaccine: VS(28),
  resolutionOutcome: VS(30),
  confidentiality: VS(31),
  documentCode: VS(32),
  administrativeGender: VS(34),
  personalRelationship: VS(38),
  timingEvent: VS(41),
  absentOrUnknownAllergy: VS(47),
  absentOrUnknownDevice: VS(48),
  absentOrUnknownMedication: VS(49),
  absentOrUnknownProblem: VS(50),
  absentOrUnknownProcedure: VS(51),
  criticality: VS(57),
  allergyCertainty: VS(58),
  allergyStatus: VS(59),
  currentPregnancyStatus: VS(60),
  substance: VS(61),
  outcomeOfPregnancy: VS(62),
  rareDisease: VS(63),
} as const;

export interface BindingFact {
  valueSet: string;
  /** Further value sets the element may be drawn from (see the choices above). */
  alsoValueSets?: readonly string[];
  usage: Readonly<Record<DocumentKind, Usage>>;
  /** elementPath(s) of the coded element list (or of the template, where marked above). */
  paths: readonly string[];
  /** A generic path: claims a node only when no specific path does. */
  fallback?: boolean;
}

const u = (ps: Usage, ep: Usage, ed: Usage): Record<DocumentKind, Usage> => ({ ps, ep, ed });

// Template roots used in the paths.
const T = (n: number): string => `1.3.6.1.4.1.12559.11.10.1.3.1.3.${n}`;
const EP_ITEM = `//entry/substanceAdministration[templateId/@root='${T(2)}']`;
const ED_ITEM = `//entry/supply[templateId/@root='${T(3)}']`;
const PS_MED = `//entry/substanceAdministration[templateId/@root='${T(4)}']`;
const ALLERGY = `//entry/act[templateId/@root='${T(16)}']/entryRelationship[@typeCode='SUBJ']/observation[templateId/@root='${T(17)}']`;
const PROBLEM = `/entry/act[templateId/@root='${T(15)}']/entryRelationship[@typeCode='SUBJ']/observation[templateId/@root='${T(7)}']`;
const ACTIVE_PROBLEM = `//section[code/@code='11450-4']/${PROBLEM}`;
const PAST_ILLNESS = `//section[code/@code='11348-0']/${PROBLEM}`;
const MATERIAL = "manufacturedProduct/manufacturedMaterial";
const PKG = "asContent/containerPackagedProduct";
const packagePaths = (item: string, product: string, levels: number): string[] => {
  const out: string[] = [];
  for (let l = 1; l <= levels; l++) {
    const chain = Array.from({ length: l }, () => PKG).join("/");
    out.push(`${item}/${product}/${MATERIAL}/${chain}/formCode`);
    out.push(`${item}/${product}/${MATERIAL}/part/partProduct/${chain}/formCode`);
  }
  return out;
};

export const BINDINGS = {
  // ---- header
  "patient.gender": { valueSet: ValueSets.administrativeGender, usage: u("RNFA", "RNFA", "RNFA"), paths: ["/ClinicalDocument/recordTarget/patientRole/patient/administrativeGenderCode"] },
  "contact.relationship": { valueSet: ValueSets.personalRelationship, usage: u("O", "NA", "NA"), paths: ["/ClinicalDocument/participant/associatedEntity/code"] },
  "guardian.relationship": { valueSet: ValueSets.personalRelationship, usage: u("O", "NA", "NA"), paths: ["/ClinicalDocument/recordTarget/patientRole/patient/guardian/code"] },
  "performer.role": { valueSet: ValueSets.healthcareProfessionalRole, usage: u("O", "NA", "NA"), paths: ["//documentationOf/serviceEvent/performer/functionCode"] },
  // Prescriber FunctionCode: the author of a PS, the prescriber of an eP, the dispenser of an eD.
  "author.role": { valueSet: ValueSets.healthcareProfessionalRole, usage: u("O", "R", "O"), paths: ["//author/functionCode"] },
  "document.code": { valueSet: ValueSets.documentCode, usage: u("R", "R", "R"), paths: ["/ClinicalDocument/code"] },
  "document.confidentiality": { valueSet: ValueSets.confidentiality, usage: u("RNFA", "RNFA", "RNFA"), paths: ["/ClinicalDocument/confidentialityCode"] },
  "section.code": { valueSet: ValueSets.section, usage: u("O", "O", "O"), paths: ["//component/section/code"] },

  // ---- medicinal product (PS medication summary 3.4, eP item 3.2, eD item 3.3)
  "medication.classification": {
    valueSet: ValueSets.activeIngredient, usage: u("RNFA", "RNFA", "RNFA"),
    paths: [
      `${EP_ITEM}/consumable/${MATERIAL}/asSpecializedKind/generalizedMaterialKind/code`,
      `${ED_ITEM}/product/${MATERIAL}/asSpecializedKind/generalizedMaterialKind/code`,
      `${PS_MED}/consumable/${MATERIAL}/asSpecializedKind/generalizedMaterialKind/code`,
    ],
  },
  "medication.activeIngredient": {
    valueSet: ValueSets.activeIngredient, alsoValueSets: [ValueSets.substance], usage: u("RNFA", "O", "O"),
    paths: [
      `${EP_ITEM}/consumable/${MATERIAL}/ingredient[@classCode='ACTI']/ingredientSubstance/code`,
      `${EP_ITEM}/consumable/${MATERIAL}/part/ingredient[@classCode='ACTI']/ingredientSubstance/code`,
      `${ED_ITEM}/product/${MATERIAL}/ingredient[@classCode='ACTI']/ingredientSubstance/code`,
      `${ED_ITEM}/product/${MATERIAL}/part/ingredient[@classCode='ACTI']/ingredientSubstance/code`,
      `${PS_MED}/consumable/${MATERIAL}/ingredient[@classCode='ACTI']/ingredientSubstance/code`,
    ],
  },
  "medication.absentOrUnknown": { valueSet: ValueSets.absentOrUnknownMedication, usage: u("O", "NA", "NA"), paths: [`${PS_MED}/code`] },
  "medication.doseForm": {
    valueSet: ValueSets.doseForm, usage: u("O", "R", "R"),
    paths: [`${EP_ITEM}/consumable/${MATERIAL}/formCode`, `${ED_ITEM}/product/${MATERIAL}/formCode`, `${PS_MED}/consumable/${MATERIAL}/formCode`],
  },
  // eD package level 3 is NA in the list; the checker still accepts it from the same value set.
  "medication.package": {
    valueSet: ValueSets.package, usage: u("O", "RNFA", "RNFA"),
    paths: [...packagePaths(EP_ITEM, "consumable", 3), ...packagePaths(ED_ITEM, "product", 3), ...packagePaths(PS_MED, "consumable", 3)],
  },
  "medication.route": {
    valueSet: ValueSets.routeOfAdministration, usage: u("O", "O", "O"),
    paths: [`${EP_ITEM}/routeCode`, `${ED_ITEM}/entryRelationship[@typeCode='REFR']/substanceAdministration/routeCode`, `${PS_MED}/routeCode`],
  },
  "medication.unit": {
    valueSet: ValueSets.unit, usage: u("O", "O", "NA"),
    paths: [EP_ITEM, PS_MED].flatMap((i) => [`${i}/doseQuantity/@unit`, `${i}/doseQuantity/low/@unit`, `${i}/doseQuantity/high/@unit`]),
  },
  "medication.timingEvent": {
    valueSet: ValueSets.timingEvent, usage: u("O", "O", "NA"),
    paths: [`${EP_ITEM}/effectiveTime[@type='EIVL_TS']/event`, `${PS_MED}/effectiveTime[@type='EIVL_TS']/event`],
  },
  "substitution.code": {
    valueSet: ValueSets.substitutionCode, usage: u("NA", "O", "NA"),
    paths: [`${EP_ITEM}/entryRelationship[@typeCode='SUBJ']/observation[@classCode ='OBS'][code/@code='SUBST' and code/@codeSystem='2.16.840.1.113883.5.6']/value`],
  },

  // ---- allergies (act 3.16 / observation 3.17)
  "allergy.type": { valueSet: ValueSets.adverseEventType, usage: u("RNFA", "NA", "NA"), paths: [`${ALLERGY}/code`] },
  "allergy.absentOrUnknown": { valueSet: ValueSets.absentOrUnknownAllergy, usage: u("O", "NA", "NA"), paths: [`${ALLERGY}/value`] },
  "allergy.agent": {
    valueSet: ValueSets.activeIngredient, alsoValueSets: [ValueSets.allergenNoDrug, ValueSets.substance], usage: u("RNFA", "NA", "NA"),
    paths: [`${ALLERGY}/participant[@typeCode='CSM']/participantRole[@classCode='MANU']/playingEntity[@classCode='MMAT']/code`],
  },
  "allergy.reaction": {
    valueSet: ValueSets.reactionAllergy, alsoValueSets: [ValueSets.illnessAndDisorder], usage: u("RNFA", "NA", "NA"),
    paths: [`${ALLERGY}/entryRelationship[@typeCode='MFST']/observation[templateId/@root='${T(44)}']/value`],
  },
  "allergy.reactionCode": {
    valueSet: ValueSets.codeProb, usage: u("RNFA", "NA", "NA"),
    paths: [`${ALLERGY}/entryRelationship[@typeCode='MFST']/observation[templateId/@root='${T(44)}']/code`],
  },
  "allergy.criticality": { valueSet: ValueSets.criticality, usage: u("O", "NA", "NA"), paths: [`${ALLERGY}/entryRelationship[@typeCode='SUBJ']/observation[templateId/@root='${T(33)}']/value`] },
  "allergy.certainty": { valueSet: ValueSets.allergyCertainty, usage: u("O", "NA", "NA"), paths: [`${ALLERGY}/entryRelationship[@typeCode='SUBJ']/observation[templateId/@root='${T(35)}']/value`] },
  "allergy.status": { valueSet: ValueSets.allergyStatus, usage: u("O", "NA", "NA"), paths: [`${ALLERGY}/entryRelationship[@typeCode='REFR']/observation[templateId/@root='${T(34)}']/value`] },
  // Severity of a reaction or a problem (the list's generic path; see `fallback` above).
  "severity": {
    valueSet: ValueSets.severity, usage: u("O", "NA", "NA"), fallback: true,
    paths: ["//observation/entryRelationship[@typeCode='SUBJ']/observation[code/@code='SEV']/value"],
  },

  // ---- problems and past illnesses (act 3.15 / observation 3.7)
  "problem.code": {
    valueSet: ValueSets.illnessAndDisorder, alsoValueSets: [ValueSets.rareDisease, ValueSets.absentOrUnknownProblem], usage: u("RNFA", "NA", "NA"),
    paths: [`${ACTIVE_PROBLEM}/value`],
  },
  "problem.type": { valueSet: ValueSets.codeProb, usage: u("O", "NA", "NA"), paths: [`${ACTIVE_PROBLEM}/code`] },
  "problem.status": { valueSet: ValueSets.statusCode, usage: u("O", "NA", "NA"), paths: [`//entryRelationship[@typeCode='REFR']/observation[templateId/@root='${T(9)}']/value`] },
  "pastIllness.code": {
    valueSet: ValueSets.illnessAndDisorder, alsoValueSets: [ValueSets.rareDisease, ValueSets.absentOrUnknownProblem], usage: u("O", "NA", "NA"),
    paths: [`${PAST_ILLNESS}/value`],
  },
  "pastIllness.type": { valueSet: ValueSets.codeProb, usage: u("O", "NA", "NA"), paths: [`${PAST_ILLNESS}/code`] },
  "pastIllness.outcome": { valueSet: ValueSets.resolutionOutcome, usage: u("O", "NA", "NA"), paths: [`//entryRelationship[@typeCode='REFR']/observation[templateId/@root='${T(10)}']/value`] },

  // ---- other PS sections
  "procedure.code": {
    valueSet: ValueSets.procedure, alsoValueSets: [ValueSets.absentOrUnknownProcedure], usage: u("O", "NA", "NA"),
    paths: [`//entry/procedure[templateId/@root='${T(26)}']/code`],
  },
  "device.code": {
    valueSet: ValueSets.medicalDevice, alsoValueSets: [ValueSets.absentOrUnknownDevice], usage: u("O", "NA", "NA"),
    paths: [`//entry/supply[templateId/@root='${T(5)}']/participant[@typeCode='DEV']/participantRole/playingDevice/code`],
  },
  "immunization.vaccine": {
    valueSet: ValueSets.vaccine, usage: u("O", "NA", "NA"),
    paths: [`//entry/substanceAdministration[templateId/@root='2.16.840.1.113883.10.20.1.24'][templateId/@root='${T(19)}']/consumable/manufacturedProduct/manufacturedMaterial/code`],
  },
  "immunization.targetDisease": { valueSet: ValueSets.illnessAndDisorder, usage: u("O", "NA", "NA"), paths: [] },
  "socialHistory.code": { valueSet: ValueSets.socialHistory, usage: u("O", "NA", "NA"), paths: [`//entry/observation[templateId/@root='${T(23)}']/code`] },
  "result.bloodGroup": { valueSet: ValueSets.bloodGroup, usage: u("O", "NA", "NA"), paths: ["//entry/observation[code/@code='34530-6']/value"] },
  "result.unit": { valueSet: ValueSets.unit, usage: u("O", "NA", "NA"), paths: [] },
  "vitalSign.unit": { valueSet: ValueSets.unit, usage: u("O", "NA", "NA"), paths: [] },
  "pregnancy.status": { valueSet: ValueSets.currentPregnancyStatus, usage: u("O", "NA", "NA"), paths: [`//entry/observation[templateId/@root='${T(45)}']/value`] },
  "pregnancy.observation": {
    valueSet: ValueSets.pregnancyInformation, usage: u("O", "NA", "NA"),
    paths: [`//entry/observation[templateId/@root='${T(45)}']/entryRelationship/observation[templateId/@root='${T(24)}']/code`],
  },
  "pregnancy.outcome": { valueSet: ValueSets.outcomeOfPregnancy, usage: u("O", "NA", "NA"), paths: [`//entry/observation[templateId/@root='${T(46)}']/code`] },
  "vitalSign.bloodPressure": {
    valueSet: ValueSets.bloodPressure, usage: u("O", "NA", "NA"),
    paths: [`//entry/organizer[templateId/@root='${T(21)}']/component/observation[templateId/@root='${T(22)}']/code`],
  },
} as const satisfies Record<string, BindingFact>;

export type BoundElement = keyof typeof BINDINGS;

/** Other names builders may use for the same element. */
const ALIASES: Record<string, BoundElement> = {
  "prescriber.role": "author.role",
  "dispenser.role": "author.role",
  "allergy.severity": "severity",
  "reaction.severity": "severity",
  "problem.severity": "severity",
};

function resolve(element: string): BoundElement | undefined {
  if (Object.hasOwn(BINDINGS, element)) return element as BoundElement;
  return ALIASES[element];
}

/** Does the table bind this element to an MVC value set? */
export function isBound(element: string): boolean {
  return resolve(element) !== undefined;
}

/**
 * The binding of a coded element in a document kind. Throws (ERROR_GENERIC) for an element the
 * table does not know: a builder asking for one is a programming error, not a data error.
 */
export function binding(element: string, doc: DocumentKind): Binding {
  const key = resolve(element);
  if (!key) throw new PasserelleError(ErrorCode.Internal, `No MVC binding for coded element "${element}"`, { element });
  const fact: BindingFact = BINDINGS[key];
  const b: Binding = { element, valueSet: fact.valueSet, usage: fact.usage[doc] };
  if (fact.alsoValueSets) b.alsoValueSets = fact.alsoValueSets;
  return b;
}

/** All value sets a binding accepts, primary first. */
export function bindingValueSets(b: Binding): readonly string[] {
  return b.alsoValueSets ? [b.valueSet, ...b.alsoValueSets] : [b.valueSet];
}
