// The eHDSI rules on an assertion's values (REFERENCE.md "SAML assertions"). Each failure is an
// AssertionRefused with its eHDSI code; messages name the rule and the offending value only when it
// is not personal or secret (codes, times, attribute names; never the subject's identity).
import type { AttributeValue, RawAssertion } from "./read";
import { refuse } from "./refusal";
import {
  Attributes,
  CLOCK_SKEW_MS,
  FACILITY_TYPES,
  HCP_MAX_LIFETIME_MS,
  HEALTHCARE_PROFESSIONAL_ROLES,
  ISCO_CODE_SYSTEM,
  isHealthProfessionalRole,
  PERMISSION_PREFIX,
  PURPOSES_OF_USE,
  REQUIRED_PERMISSIONS,
  roleNeedsOnBehalfOf,
  SENDER_VOUCHES,
  TRC_MAX_LIFETIME_MS,
  TWO_FACTOR_AUTHN_CONTEXTS,
  X_BORDER_AUDIENCE,
  type AssertionKind,
  type SamlService,
} from "./vocabulary";

export interface Validity {
  readonly notBefore: Date;
  readonly notOnOrAfter: Date;
}

export interface HcpIdentity extends Validity {
  readonly id: string;
  readonly issuer: string;
  readonly nameId: string | undefined;
  readonly subjectId: string;
  readonly role: { readonly code: string; readonly display: string };
  readonly purposeOfUse: (typeof PURPOSES_OF_USE)[number];
  readonly organization: string;
  readonly organizationId: string;
  readonly facilityType: string;
  readonly locality: string;
  /** Short form (PRD-006 ...). */
  readonly permissions: readonly string[];
  readonly homeCommunityId: string | undefined;
  readonly onBehalfOf: string | undefined;
  readonly authnContext: string;
}

export interface TreatmentRelationship extends Validity {
  readonly id: string;
  readonly issuer: string;
  readonly nameId: string | undefined;
  /** The patient, CX form ID^^^&OID&ISO. */
  readonly patientId: string;
  readonly purposeOfUse: (typeof PURPOSES_OF_USE)[number];
  readonly hcpAssertionId: string;
}

export interface RulesPolicy {
  /** AuthnContext classes accepted for the HCP (default: the two-factor ones). */
  readonly authnContexts?: readonly string[];
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function instant(value: string | undefined, kind: AssertionKind, what: string): Date {
  if (!value || !ISO_INSTANT.test(value)) throw refuse("1001", kind, `${what} is missing or not an xs:dateTime with a time zone`);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw refuse("1001", kind, `${what} is not a valid time`);
  return d;
}

/** Conditions NotBefore/NotOnOrAfter at `at` with 60 s skew; lifetime limit; IssueInstant not in the future. */
export function checkValidity(a: RawAssertion, at: Date, maxLifetimeMs: number): Validity {
  const notBefore = instant(a.notBefore, a.kind, "Conditions/@NotBefore");
  const notOnOrAfter = instant(a.notOnOrAfter, a.kind, "Conditions/@NotOnOrAfter");
  const issued = instant(a.issueInstant, a.kind, "IssueInstant");
  const lifetime = notOnOrAfter.getTime() - notBefore.getTime();
  if (lifetime <= 0) throw refuse("1001", a.kind, "NotOnOrAfter is not after NotBefore");
  if (lifetime > maxLifetimeMs) throw refuse("1001", a.kind, `lifetime ${Math.round(lifetime / 60000)} min exceeds the ${maxLifetimeMs / 60000} min limit`);
  if (at.getTime() + CLOCK_SKEW_MS < notBefore.getTime()) throw refuse("1001", a.kind, `not yet valid: NotBefore ${notBefore.toISOString()} is after ${at.toISOString()} (60 s skew allowed)`);
  if (at.getTime() - CLOCK_SKEW_MS >= notOnOrAfter.getTime()) throw refuse("1001", a.kind, `expired: NotOnOrAfter ${notOnOrAfter.toISOString()} is before ${at.toISOString()} (60 s skew allowed)`);
  if (issued.getTime() > at.getTime() + CLOCK_SKEW_MS) throw refuse("1001", a.kind, `IssueInstant ${issued.toISOString()} is in the future`);
  return { notBefore, notOnOrAfter };
}

function checkCommon(a: RawAssertion): void {
  if (!a.issuer) throw refuse("1001", a.kind, "Issuer is empty");
  if (!a.audiences.includes(X_BORDER_AUDIENCE)) throw refuse("1001", a.kind, `audience ${X_BORDER_AUDIENCE} is missing`);
  if (!a.confirmationMethods.includes(SENDER_VOUCHES)) throw refuse("1001", a.kind, "SubjectConfirmation method is not sender-vouches");
}

function values(a: RawAssertion, name: string, required: boolean): readonly AttributeValue[] {
  const v = a.attributes.get(name) ?? [];
  if (required && (v.length === 0 || v.every((x) => x.text === ""))) throw refuse("1001", a.kind, `required attribute ${name} is missing or empty`);
  return v;
}

function single(a: RawAssertion, name: string): string {
  const v = values(a, name, true);
  if (v.length !== 1 || !v[0]) throw refuse("1001", a.kind, `attribute ${name} must have exactly one value, has ${v.length}`);
  return v[0].text;
}

function purposeOfUse(a: RawAssertion): (typeof PURPOSES_OF_USE)[number] {
  const v = values(a, Attributes.purposeOfUse, true);
  const coded = v.length === 1 ? v[0]?.coded : undefined;
  if (!coded || coded.localName !== "PurposeOfUse") throw refuse("1001", a.kind, "purpose of use must be one hl7 PurposeOfUse element");
  const code = PURPOSES_OF_USE.find((p) => p === coded.code);
  if (!code) throw refuse("4703", a.kind, `purpose of use ${JSON.stringify(coded.code.slice(0, 40))} is not TREATMENT or EMERGENCY`);
  return code;
}

/** CX form of an eHDSI patient id: ID^^^&OID&ISO (REFERENCE.md "Identifiers"). */
export const CX_PATIENT_ID = /^([^^&\s][^^&]*)\^\^\^&([0-2](\.(0|[1-9][0-9]*))+)&ISO$/;

/** `service` undefined (issuing): permissions are checked for form only, not against a service. */
export function checkHcp(a: RawAssertion, at: Date, service: SamlService | undefined, policy: RulesPolicy = {}): HcpIdentity {
  const validity = checkValidity(a, at, HCP_MAX_LIFETIME_MS);
  checkCommon(a);
  const accepted = policy.authnContexts ?? TWO_FACTOR_AUTHN_CONTEXTS;
  const authn = a.authnContextClassRefs;
  if (authn.length !== 1 || !authn[0] || !accepted.includes(authn[0])) {
    throw refuse("1001", "hcp", `AuthnContext ${authn.length === 1 ? authn[0] : `(${authn.length} classes)`} is not a two-factor authentication class`);
  }

  const roles = values(a, Attributes.role, true);
  const role = roles.length === 1 ? roles[0]?.coded : undefined;
  if (!role || role.localName !== "Role") throw refuse("1001", "hcp", "role must be one hl7 Role element");
  if (role.codeSystem !== ISCO_CODE_SYSTEM) throw refuse("1001", "hcp", `role code system ${JSON.stringify(role.codeSystem)} is not ISCO (${ISCO_CODE_SYSTEM})`);
  const roleName = HEALTHCARE_PROFESSIONAL_ROLES[role.code];
  if (!roleName) throw refuse("1001", "hcp", `role ${JSON.stringify(role.code.slice(0, 12))} is not in the eHDSI healthcare professional role value set`);

  const facilityType = single(a, Attributes.facilityType);
  if (!(FACILITY_TYPES as readonly string[]).includes(facilityType)) throw refuse("1001", "hcp", `healthcare facility type ${JSON.stringify(facilityType.slice(0, 40))} is not one of ${FACILITY_TYPES.join(", ")}`);
  const organizationId = single(a, Attributes.organizationId);
  if (!/^urn:(oid:[0-2](\.\d+)+|hl7ii:[0-2](\.\d+)+:\S+)$/.test(organizationId)) throw refuse("1001", "hcp", "organization-id is not a urn:oid or urn:hl7ii identifier");

  const permissions: string[] = [];
  for (const p of values(a, Attributes.permission, true)) {
    if (!p.text.startsWith(PERMISSION_PREFIX) || !/^(PRD|PPD)-\d{3}$/.test(p.text.slice(PERMISSION_PREFIX.length))) {
      throw refuse("1001", "hcp", `permission value ${JSON.stringify(p.text.slice(0, 80))} is not ${PERMISSION_PREFIX}PRD-nnn|PPD-nnn`);
    }
    permissions.push(p.text.slice(PERMISSION_PREFIX.length));
  }
  const missing = (service ? REQUIRED_PERMISSIONS[service] : []).filter((p) => !permissions.includes(p));
  if (missing.length > 0) throw refuse("4703", "hcp", `permission(s) ${missing.join(", ")} required for ${service} are missing`);

  const hcIds = values(a, Attributes.homeCommunityId, false);
  if (hcIds.length > 1) throw refuse("1001", "hcp", "homeCommunityId has several values");
  const homeCommunityId = hcIds[0]?.text;
  if (homeCommunityId !== undefined && !/^urn:oid:[0-2](\.\d+)+$/.test(homeCommunityId)) throw refuse("1001", "hcp", "homeCommunityId is not urn:oid:<OID>");

  const behalf = values(a, Attributes.onBehalfOf, false);
  if (behalf.length > 1) throw refuse("1001", "hcp", "on-behalf-of has several values");
  const onBehalfOf = behalf[0] ? behalf[0].coded?.code ?? behalf[0].text : undefined;
  if (roleNeedsOnBehalfOf(role.code)) {
    if (!onBehalfOf) throw refuse("4703", "hcp", `role ${role.code} (${roleName}) acts on behalf of a health professional: on-behalf-of is required`);
    if (!isHealthProfessionalRole(onBehalfOf)) throw refuse("4703", "hcp", `on-behalf-of ${JSON.stringify(onBehalfOf.slice(0, 12))} is not a health professional role (ISCO 22xx)`);
  }

  return {
    ...validity,
    id: a.id,
    issuer: a.issuer,
    nameId: a.nameId,
    subjectId: single(a, Attributes.subjectId),
    role: { code: role.code, display: roleName },
    purposeOfUse: purposeOfUse(a),
    organization: single(a, Attributes.organization),
    organizationId,
    facilityType,
    locality: single(a, Attributes.locality),
    permissions,
    homeCommunityId,
    onBehalfOf,
    authnContext: authn[0],
  };
}

export function checkTrc(a: RawAssertion, at: Date, hcp: HcpIdentity): TreatmentRelationship {
  const validity = checkValidity(a, at, TRC_MAX_LIFETIME_MS);
  checkCommon(a);
  const refs = a.adviceAssertionIdRefs;
  if (refs.length !== 1 || refs[0] !== hcp.id) throw refuse("1002", "trc", "Advice/AssertionIDRef does not name the HCP assertion of this request");
  if (a.nameId !== hcp.nameId) throw refuse("1002", "trc", "its Subject NameID is not the HCP assertion's");
  const patientId = single(a, Attributes.subjectId);
  if (!CX_PATIENT_ID.test(patientId)) throw refuse("1001", "trc", "subject-id is not a patient id in CX form ID^^^&OID&ISO");
  return { ...validity, id: a.id, issuer: a.issuer, nameId: a.nameId, patientId, purposeOfUse: purposeOfUse(a), hcpAssertionId: hcp.id };
}

/** The patient the request is about equals the TRC's (4206). Ids compare on id and OID, both exact. */
export function checkTrcPatient(trc: TreatmentRelationship, requestPatient: string): void {
  const a = CX_PATIENT_ID.exec(trc.patientId);
  const b = CX_PATIENT_ID.exec(requestPatient.trim());
  if (!b) throw refuse("4206", "trc", "the request's patient id is not in CX form");
  if (!a || a[1] !== b[1] || a[2] !== b[2]) throw refuse("4206", "trc", "the TRC is for another patient than the request");
}
