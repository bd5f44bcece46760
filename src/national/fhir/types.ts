// The subset of FHIR R4 the national converters read (schemas/national-*.schema.json checks the shape
// first, so these types describe data that already passed the schema).
export interface FhirCoding {
  system?: string;
  code?: string;
  display?: string;
}
export interface FhirCodeableConcept {
  coding?: FhirCoding[];
  text?: string;
}
export interface FhirQuantity {
  value?: number;
  unit?: string;
  system?: string;
  code?: string;
}
export interface FhirRatio {
  numerator?: FhirQuantity;
  denominator?: FhirQuantity;
}
export interface FhirRange {
  low?: FhirQuantity;
  high?: FhirQuantity;
  text?: string;
}
export interface FhirPeriod {
  start?: string;
  end?: string;
}
export interface FhirReference {
  reference?: string;
  display?: string;
}
export interface FhirIdentifier {
  system?: string;
  value?: string;
}
export interface FhirHumanName {
  use?: string;
  text?: string;
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
}
export interface FhirAddress {
  use?: string;
  line?: string[];
  city?: string;
  postalCode?: string;
  state?: string;
  country?: string;
}
export interface FhirContactPoint {
  system?: string;
  value?: string;
  use?: string;
}

/** Any resource: the fields common to all, the rest read by the converter for its type. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [field: string]: unknown;
}

export interface FhirBundleEntry {
  fullUrl?: string;
  resource: FhirResource;
}
export interface FhirBundle {
  resourceType: "Bundle";
  id?: string;
  type: "document" | "collection" | "searchset" | "transaction";
  language?: string;
  timestamp?: string;
  identifier?: FhirIdentifier;
  meta?: { lastUpdated?: string; versionId?: string };
  entry?: FhirBundleEntry[];
}
