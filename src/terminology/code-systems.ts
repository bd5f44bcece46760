// Code systems known to the gateway: FHIR canonical URI <-> HL7 OID <-> CDA codeSystemName.
// National systems are added by configuration (terminology catalogue files); these are the
// international systems the eHDSI Master Value Set Catalogue draws on.

export interface CodeSystemInfo {
  oid: string;
  uri?: string;
  name: string;
}

export const CodeSystems = {
  snomed: { oid: "2.16.840.1.113883.6.96", uri: "http://snomed.info/sct", name: "SNOMED CT" },
  loinc: { oid: "2.16.840.1.113883.6.1", uri: "http://loinc.org", name: "LOINC" },
  icd10: { oid: "1.3.6.1.4.1.12559.11.10.1.3.1.44.2", uri: "http://hl7.org/fhir/sid/icd-10", name: "ICD-10" },
  atc: { oid: "2.16.840.1.113883.6.73", uri: "http://www.whocc.no/atc", name: "Anatomical Therapeutic Chemical" },
  edqm: { oid: "0.4.0.127.0.16.1.1.2.1", uri: "http://standardterms.edqm.eu", name: "EDQM" },
  ucum: { oid: "2.16.840.1.113883.6.8", uri: "http://unitsofmeasure.org", name: "UCUM" },
  orphanet: { oid: "1.3.6.1.4.1.12559.11.10.1.3.1.44.5", uri: "http://www.orpha.net", name: "Orphanet" },
  isco: { oid: "2.16.840.1.113883.2.9.6.2.7", uri: "urn:oid:2.16.840.1.113883.2.9.6.2.7", name: "ISCO" },
  gender: { oid: "2.16.840.1.113883.5.1", uri: "http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender", name: "AdministrativeGender" },
  confidentiality: { oid: "2.16.840.1.113883.5.25", uri: "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", name: "Confidentiality" },
  actCode: { oid: "2.16.840.1.113883.5.4", uri: "http://terminology.hl7.org/CodeSystem/v3-ActCode", name: "ActCode" },
  substanceAdminSubstitution: { oid: "2.16.840.1.113883.5.1070", uri: "http://terminology.hl7.org/CodeSystem/v3-substanceAdminSubstitution", name: "substanceAdminSubstitution" },
  roleCode: { oid: "2.16.840.1.113883.5.111", uri: "http://terminology.hl7.org/CodeSystem/v3-RoleCode", name: "RoleCode" },
  // IPS absent/unknown codes (REFERENCE.md: "No information" / "known absent").
  absentUnknown: { oid: "2.16.840.1.113883.5.1150.1", uri: "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips", name: "Absent or Unknown" },
  // Further systems the MVC value sets draw on (OIDs as the eHDSI Wave 8 samples write them).
  allergyCriticality: { oid: "2.16.840.1.113883.4.642.4.130", uri: "http://hl7.org/fhir/allergy-intolerance-criticality", name: "AllergyIntoleranceCriticality" },
  allergyVerification: { oid: "2.16.840.1.113883.4.642.4.1371", uri: "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", name: "AllergyIntoleranceVerificationStatus" },
  allergyClinical: { oid: "2.16.840.1.113883.4.642.4.1373", uri: "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", name: "AllergyIntoleranceClinicalStatus" },
  timingEvent: { oid: "2.16.840.1.113883.5.139", uri: "http://terminology.hl7.org/CodeSystem/v3-TimingEvent", name: "TimingEvent" },
  // International HL7 systems that FHIR IPS bundles use (OIDs from the HL7 OID registry).
  icdO3: { oid: "2.16.840.1.113883.6.43.1", uri: "http://terminology.hl7.org/CodeSystem/icd-o-3", name: "ICD-O-3" },
  cvx: { oid: "2.16.840.1.113883.12.292", uri: "http://hl7.org/fhir/sid/cvx", name: "CVX" },
  routeOfAdministration: { oid: "2.16.840.1.113883.5.112", uri: "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration", name: "RouteOfAdministration" },
  contactRole: { oid: "2.16.840.1.113883.12.131", uri: "http://terminology.hl7.org/CodeSystem/v2-0131", name: "Contact Role" },
  observationInterpretation: { oid: "2.16.840.1.113883.5.83", uri: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", name: "ObservationInterpretation" },
  // EMA SPOR Substance Management Services (eHDSISubstance); OID (unconfirmed) as eHDSI MVC lists it.
  emaSms: { oid: "2.16.840.1.113883.3.6905.2", uri: "https://spor.ema.europa.eu/v2/SubstanceDefinition", name: "EMA SMS" },
  emdn: { oid: "1.3.6.1.4.1.12559.11.10.1.3.1.44.6", uri: "urn:oid:1.3.6.1.4.1.12559.11.10.1.3.1.44.6", name: "EMDN" },
} as const satisfies Record<string, CodeSystemInfo>;

const byUri = new Map<string, CodeSystemInfo>();
const byOid = new Map<string, CodeSystemInfo>();
for (const cs of Object.values(CodeSystems) as CodeSystemInfo[]) {
  if (cs.uri) byUri.set(cs.uri, cs);
  if (!byOid.has(cs.oid)) byOid.set(cs.oid, cs);
}
// FHIR spellings seen in the wild for the same systems.
byUri.set("http://snomed.info/sct/", CodeSystems.snomed);
byUri.set("http://www.who.int/classifications/icd10", CodeSystems.icd10);
byUri.set("http://hl7.org/fhir/sid/icd-10-cm", { ...CodeSystems.icd10, oid: "2.16.840.1.113883.6.90", name: "ICD-10-CM" });
byUri.set("http://terminology.hl7.org/CodeSystem/absent-unknown-uv-ips", CodeSystems.absentUnknown);
byUri.set("https://www.orpha.net", CodeSystems.orphanet);

/** Register a national or additional code system (called by the terminology catalogue loader). */
export function registerCodeSystem(cs: CodeSystemInfo): void {
  if (cs.uri) byUri.set(cs.uri, cs);
  byOid.set(cs.oid, cs);
}

/**
 * The OID for a FHIR system URI: known URIs by table, `urn:oid:X` as X. Returns undefined for an
 * unknown http(s) URI; callers decide whether that is an error.
 */
export function oidForSystem(system: string): string | undefined {
  if (system.startsWith("urn:oid:")) return system.slice("urn:oid:".length);
  return byUri.get(system)?.oid;
}

export function codeSystemByOid(oid: string): CodeSystemInfo | undefined {
  return byOid.get(oid);
}

export function codeSystemName(oid: string): string | undefined {
  return byOid.get(oid)?.name;
}
