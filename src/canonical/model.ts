// The canonical model: what Passerelle knows of a patient, a summary, a prescription and a
// dispensation, independent of both the national input (FHIR R4) and every output (CDA, FHIR EU).
// National adapters produce it; document builders consume it. Codes here are as the source gave
// them (national or international); transcoding to MVC happens in the document builders.
// Dates are ISO 8601 strings, possibly partial ("1968", "1968-10"); decimals are strings.

/** A code as found in the source record. `system` is an OID (FHIR URIs are mapped on input). */
export interface Coded {
  code: string;
  system: string;
  systemName?: string;
  display?: string;
  /** BCP 47 language of `display`, when the source says. */
  language?: string;
}

/** A coded element that may instead be only text (FHIR CodeableConcept with text only). */
export interface Concept {
  coding?: Coded;
  text?: string;
}

export interface Identifier {
  /** OID of the assigning authority. */
  system: string;
  value: string;
}

export interface HumanName {
  family?: string;
  given: string[];
  prefix?: string[];
  suffix?: string[];
  text?: string;
}

export interface Address {
  lines: string[];
  city?: string;
  postalCode?: string;
  state?: string;
  /** ISO 3166-1 alpha-2 */
  country?: string;
  use?: "home" | "work" | "temp" | "old" | "billing";
}

export interface ContactPoint {
  system: "phone" | "fax" | "email" | "pager" | "url" | "sms" | "other";
  value: string;
  use?: "home" | "work" | "temp" | "old" | "mobile";
}

export interface Quantity {
  /** Decimal as written in the source, e.g. "2.5". */
  value: string;
  /** UCUM unit, "1" when dimensionless. */
  unit: string;
}

export interface Ratio {
  numerator: Quantity;
  denominator: Quantity;
}

export interface Period {
  start?: string;
  end?: string;
}

export type Gender = "male" | "female" | "other" | "unknown";

export interface Organization {
  id?: Identifier;
  name: string;
  address?: Address;
  telecom?: ContactPoint[];
}

export interface Practitioner {
  id?: Identifier;
  name?: HumanName;
  /** Profession: ISCO-08 (eHDSIHealthcareProfessionalRole) or national. */
  role?: Coded;
  organization?: Organization;
  telecom?: ContactPoint[];
  address?: Address;
}

/** A guardian or contact person (PS header participant). */
export interface RelatedPerson {
  relationship?: Coded;
  name?: HumanName;
  telecom?: ContactPoint[];
  address?: Address;
  /** true for a legal guardian (CDA guardian), false/undefined for a contact (participant IND). */
  guardian?: boolean;
}

export interface Patient {
  /** The national identifier (for Luxembourg, the matricule) comes first. */
  ids: Identifier[];
  names: HumanName[];
  gender: Gender;
  birthDate?: string;
  addresses: Address[];
  telecom: ContactPoint[];
  /** BCP 47 languages the patient speaks, preferred first. */
  languages: string[];
  contacts: RelatedPerson[];
}

// ---- Patient Summary ---------------------------------------------------------------------------

/**
 * A required PS section: either entries, or a statement that there is no information, or that the
 * condition is known to be absent (IPS absent/unknown codes, REFERENCE.md).
 */
export type RequiredSection<T> =
  | { kind: "entries"; entries: T[] }
  | { kind: "no-information" }
  | { kind: "known-absent" };

export type ClinicalStatus = "active" | "inactive" | "resolved";

export interface Reaction {
  manifestation: Concept;
  severity?: Concept;
}

export interface Allergy {
  id: string;
  /** Allergy/intolerance type (eHDSIAdverseEventType), e.g. SNOMED 416098002 drug allergy. */
  type?: Concept;
  category?: "food" | "medication" | "environment" | "biologic";
  /** The agent: a substance, drug (ATC), or non-drug allergen. */
  agent: Concept;
  reactions: Reaction[];
  criticality?: "low" | "high" | "unable-to-assess";
  verification?: "unconfirmed" | "confirmed" | "refuted" | "entered-in-error";
  status: ClinicalStatus;
  onset?: string;
  end?: string;
}

export interface Ingredient {
  /** Active ingredient: ATC (eHDSIActiveIngredient) or national substance code. */
  substance: Concept;
  strength?: Ratio;
}

export interface MedicinalProduct {
  /** National product code (e.g. Luxembourg CNS code), when there is one. */
  code?: Coded;
  name: string;
  /** Classification: ATC of the product as a whole. */
  atc?: Coded;
  doseForm?: Concept;
  ingredients: Ingredient[];
  package?: {
    form?: Concept;
    /** Content of one package, e.g. 30 tablets: { value: "30", unit: "1" }. */
    quantity?: Quantity;
  };
}

export interface Dosage {
  text?: string;
  dose?: Quantity;
  /** e.g. every 8 h: { value: "8", unit: "h" } */
  period?: Quantity;
  frequency?: number;
  /** eHDSITimingEvent code (ACM, HS, ...), when given. */
  when?: string[];
  route?: Concept;
}

export interface MedicationUse {
  id: string;
  product: MedicinalProduct;
  dosage: Dosage[];
  period?: Period;
  status?: "active" | "completed" | "intended" | "stopped" | "on-hold";
  reason?: Concept;
}

export interface Problem {
  id: string;
  code: Concept;
  status: ClinicalStatus;
  onset?: string;
  abatement?: string;
  severity?: Concept;
  /** Resolution outcome for a past illness (eHDSIResolutionOutcome). */
  outcome?: Concept;
}

export interface Procedure {
  id: string;
  code: Concept;
  date?: string;
  bodySite?: Concept;
}

export interface DeviceUse {
  id: string;
  device: Concept;
  start?: string;
  end?: string;
  /** Device identifier (UDI), when known. */
  udi?: string;
}

export interface Immunization {
  id: string;
  vaccine: Concept;
  date?: string;
  targetDiseases: Concept[];
  doseNumber?: number;
  lotNumber?: string;
  /** The administered product, when the record gives one. */
  product?: Concept;
}

export type ObservationValue =
  | { kind: "quantity"; quantity: Quantity }
  | { kind: "coded"; concept: Concept }
  | { kind: "text"; text: string }
  | { kind: "range"; low?: Quantity; high?: Quantity };

export interface ObservationComponent {
  code: Concept;
  value: ObservationValue;
}

export interface Observation {
  id: string;
  code: Concept;
  value?: ObservationValue;
  components: ObservationComponent[];
  time?: string;
  period?: Period;
  interpretation?: Concept;
  referenceRange?: { low?: Quantity; high?: Quantity; text?: string };
  status?: "final" | "preliminary" | "amended" | "corrected";
}

export interface Pregnancy {
  /** Current pregnancy status (eHDSICurrentPregnancyStatus) and when observed. */
  status?: { value: Concept; time?: string };
  estimatedDelivery?: { date: string; time?: string };
  /** Previous pregnancies: outcome (eHDSIOutcomeOfPregnancy) and count. */
  outcomes: { outcome: Concept; count?: number; date?: string }[];
}

export interface AdvanceDirective {
  id: string;
  code: Concept;
  text?: string;
  period?: Period;
}

export interface PatientSummary {
  /** Stable id of the national record version the summary was made from. */
  id: string;
  patient: Patient;
  authors: Practitioner[];
  custodian: Organization;
  legalAuthenticator?: Practitioner;
  /** When the national record was last updated (ISO date-time). */
  time: string;
  /** Language of the national record's text, BCP 47 (e.g. "fr-LU"). */
  language: string;
  allergies: RequiredSection<Allergy>;
  medications: RequiredSection<MedicationUse>;
  problems: RequiredSection<Problem>;
  procedures: RequiredSection<Procedure>;
  devices: RequiredSection<DeviceUse>;
  immunizations: Immunization[];
  pastIllnesses: Problem[];
  pregnancy?: Pregnancy;
  socialHistory: Observation[];
  vitalSigns: Observation[];
  results: Observation[];
  advanceDirectives: AdvanceDirective[];
  functionalStatus: Observation[];
}

// ---- ePrescription / eDispensation -----------------------------------------------------------------

export type PrescriptionStatus = "active" | "partially-dispensed" | "dispensed" | "cancelled" | "expired";

export interface PrescriptionItem {
  id: string;
  product: MedicinalProduct;
  /** Number of packages prescribed. */
  packages: number;
  /** Packages already dispensed (for partial dispensation). */
  packagesDispensed: number;
  dosage: Dosage[];
  substitutionAllowed: boolean;
  /** Treatment duration or validity. */
  period?: Period;
  reason?: Concept;
  instructions?: string;
}

export interface Prescription {
  /** National prescription id: one eP document per prescription. */
  id: string;
  patient: Patient;
  prescriber: Practitioner;
  issued: string;
  validUntil?: string;
  status: PrescriptionStatus;
  items: PrescriptionItem[];
  language: string;
}

export interface DispensedItem {
  /** The prescription item this dispenses (eD `entryRelationship` to the eP item id). */
  prescriptionItemId: string;
  product: MedicinalProduct;
  /** Number of packages handed over. */
  packages: number;
  substituted: boolean;
  /** v3 substanceAdminSubstitution code when substituted (G, TE, ...). */
  substitutionCode?: string;
  dosage?: Dosage[];
}

export interface Dispensation {
  /** Unique id of the eDispensation document (XDS uniqueId). */
  id: string;
  prescriptionId: string;
  patient: Patient;
  dispenser: Practitioner;
  /** Pharmacy (with its country, for a dispensation abroad). */
  pharmacy?: Organization;
  time: string;
  items: DispensedItem[];
  language?: string;
}
