// Patient, Practitioner, PractitionerRole, Organization -> canonical parties.
import type { Gender, Organization, Patient, Practitioner, RelatedPerson } from "../../canonical/model";
import { assertMatricule, MATRICULE_OID } from "../matricule";
import { type BundleIndex, type Located } from "./bundle";
import { address, coded, humanName, identifiers, telecom } from "./datatypes";
import { at, fhirError } from "./errors";
import type { FhirAddress, FhirCodeableConcept, FhirContactPoint, FhirHumanName, FhirIdentifier, FhirReference } from "./types";

interface FhirPatient {
  identifier?: FhirIdentifier[];
  name?: FhirHumanName[];
  gender?: string;
  birthDate?: string;
  address?: FhirAddress[];
  telecom?: FhirContactPoint[];
  communication?: { language: FhirCodeableConcept; preferred?: boolean }[];
  contact?: { relationship?: FhirCodeableConcept[]; name?: FhirHumanName; telecom?: FhirContactPoint[]; address?: FhirAddress }[];
}

const GENDERS: readonly Gender[] = ["male", "female", "other", "unknown"];
/** Relationship codes that make a contact a legal guardian (v3-RoleCode GUARD, v2-0131 "N" next-of-kin is not). */
const GUARDIAN_CODES = ["GUARD"];

/** The one Patient of the bundle; none or several is an input error. */
export function findPatient(index: BundleIndex): Located {
  const patients = index.ofType("Patient");
  if (patients.length === 0) throw fhirError("the bundle has no Patient resource", "entry");
  if (patients.length > 1) {
    throw fhirError(`the bundle has ${patients.length} Patient resources; exactly one is expected`, patients[1]!.location);
  }
  return patients[0]!;
}

export function patient(located: Located): Patient {
  const p = located.resource as unknown as FhirPatient;
  const loc = located.location;
  // The matricule (OID 1.3.182.4.4) is checked (Luhn + Verhoeff) and put first (canonical model).
  const ids = identifiers(p.identifier);
  (p.identifier ?? []).forEach((id, i) => {
    if (id.system === `urn:oid:${MATRICULE_OID}` && id.value !== undefined) assertMatricule(id.value, at(at(at(loc, "identifier"), i), "value"));
  });
  ids.sort((a, b) => Number(b.system === MATRICULE_OID) - Number(a.system === MATRICULE_OID));
  const gender = GENDERS.find((g) => g === p.gender) ?? "unknown";
  const languages: string[] = [];
  const comms = [...(p.communication ?? [])].sort((a, b) => Number(b.preferred === true) - Number(a.preferred === true));
  for (const c of comms) {
    const code = c.language.coding?.find((x) => x.code !== undefined)?.code;
    if (code !== undefined) languages.push(code);
  }
  const out: Patient = {
    ids,
    names: (p.name ?? []).map(humanName),
    gender,
    addresses: (p.address ?? []).map(address),
    telecom: telecom(p.telecom),
    languages,
    contacts: (p.contact ?? []).map((c, i) => contact(c, at(at(loc, "contact"), i))),
  };
  if (p.birthDate !== undefined) out.birthDate = p.birthDate;
  return out;
}

function contact(c: NonNullable<FhirPatient["contact"]>[number], loc: string): RelatedPerson {
  const out: RelatedPerson = {};
  const rel = c.relationship?.[0];
  const first = rel?.coding?.[0];
  if (first) out.relationship = coded(first, at(at(at(at(loc, "relationship"), 0), "coding"), 0));
  if (c.name) out.name = humanName(c.name);
  const t = telecom(c.telecom);
  if (t.length) out.telecom = t;
  if (c.address) out.address = address(c.address);
  if ((c.relationship ?? []).some((r) => (r.coding ?? []).some((x) => x.code !== undefined && GUARDIAN_CODES.includes(x.code)))) out.guardian = true;
  return out;
}

interface FhirOrganization {
  identifier?: FhirIdentifier[];
  name?: string;
  address?: FhirAddress[];
  telecom?: FhirContactPoint[];
}

export function organization(located: Located): Organization {
  const o = located.resource as unknown as FhirOrganization;
  if (o.name === undefined || o.name.trim() === "") throw fhirError("Organization has no name", at(located.location, "name"));
  const out: Organization = { name: o.name };
  const id = identifiers(o.identifier)[0];
  if (id) out.id = id;
  if (o.address?.[0]) out.address = address(o.address[0]);
  const t = telecom(o.telecom);
  if (t.length) out.telecom = t;
  return out;
}

interface FhirPractitioner {
  identifier?: FhirIdentifier[];
  name?: FhirHumanName[];
  telecom?: FhirContactPoint[];
  address?: FhirAddress[];
}
interface FhirPractitionerRole {
  practitioner?: FhirReference;
  organization?: FhirReference;
  code?: FhirCodeableConcept[];
  telecom?: FhirContactPoint[];
}

export const PRACTITIONER_TYPES = ["Practitioner", "PractitionerRole"] as const;

/** A Practitioner or a PractitionerRole (with its practitioner, organization and role code). */
export function practitioner(index: BundleIndex, located: Located): Practitioner {
  const out: Practitioner = {};
  let person: Located | undefined = located;
  if (located.resource.resourceType === "PractitionerRole") {
    const role = located.resource as unknown as FhirPractitionerRole;
    person = role.practitioner
      ? index.resolve(role.practitioner, ["Practitioner"], at(located.location, "practitioner"), located)
      : undefined;
    if (role.organization) {
      out.organization = organization(index.resolve(role.organization, ["Organization"], at(located.location, "organization"), located));
    }
    const roleCoding = role.code?.[0]?.coding?.[0];
    if (roleCoding) out.role = coded(roleCoding, at(at(at(at(located.location, "code"), 0), "coding"), 0));
    const t = telecom(role.telecom);
    if (t.length) out.telecom = t;
  }
  if (person) {
    const p = person.resource as unknown as FhirPractitioner;
    const id = identifiers(p.identifier)[0];
    if (id) out.id = id;
    if (p.name?.[0]) out.name = humanName(p.name[0]);
    const t = telecom(p.telecom);
    if (t.length && !out.telecom) out.telecom = t;
    if (p.address?.[0]) out.address = address(p.address[0]);
  }
  return out;
}

/** An author: Practitioner, PractitionerRole, or an Organization (authoring organisation only). */
export function author(index: BundleIndex, ref: FhirReference, location: string, from?: Located): Practitioner {
  const target = index.resolve(ref, ["Practitioner", "PractitionerRole", "Organization"], location, from);
  if (target.resource.resourceType === "Organization") return { organization: organization(target) };
  return practitioner(index, target);
}
