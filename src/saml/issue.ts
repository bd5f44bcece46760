// Issuing assertions (country B; issue 3, REFERENCE.md "SAML assertions"): the HCP identity
// assertion of a national user authenticated by our national client (attributes supplied by the
// client and checked by the same rules we apply to partners' assertions), and the TRC assertion for
// a patient, bound to that HCP assertion. Signed with our SAML key: enveloped signature placed right
// after saml:Issuer, Reference URI="#ID", enveloped-signature + exc-c14n, SHA-256, RSA-SHA256.
import type { Element } from "@xmldom/xmldom";
import { randomUUID } from "node:crypto";
import { SignedXml } from "xml-crypto";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { el, serialize, type XElement } from "../shared/xml";
import { EmittedAlgorithms } from "../signing/algorithms";
import { parseXmlStrict } from "../signing/dom";
import { pemToBase64Der, type SigningKey } from "../signing/keys";
import { readAssertion } from "./read";
import { AssertionRefused } from "./refusal";
import { checkHcp, checkTrc, type HcpIdentity, type TreatmentRelationship } from "./rules";
import {
  AssertionKinds,
  ATTRNAME_FORMAT_URI,
  Attributes,
  HCP_MAX_LIFETIME_MS,
  HL7_NS,
  ISCO_CODE_SYSTEM,
  PERMISSION_PREFIX,
  PURPOSE_OF_USE_CODE_SYSTEM,
  SAML_NS,
  SENDER_VOUCHES,
  TRC_MAX_LIFETIME_MS,
  TWO_FACTOR_AUTHN_CONTEXTS,
  X_BORDER_AUDIENCE,
  HEALTHCARE_PROFESSIONAL_ROLES,
  type AssertionKind,
} from "./vocabulary";

const NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/** What the national client tells us about its authenticated user. */
export interface HcpUser {
  /** Stable identifier of the user (Subject NameID), e.g. a national professional id. */
  readonly nameId: string;
  readonly nameIdFormat?: string;
  /** Display name (xspa subject-id). */
  readonly subjectId: string;
  /** ISCO code from the eHDSI healthcare professional role value set. */
  readonly role: string;
  readonly purposeOfUse: "TREATMENT" | "EMERGENCY";
  readonly organization: string;
  /** urn:oid:... or urn:hl7ii:... */
  readonly organizationId: string;
  readonly facilityType: string;
  readonly locality: string;
  /** Short form: PRD-006, PRD-003, ... */
  readonly permissions: readonly string[];
  /** ISCO code of the professional a health associate acts for (required for ISCO 32xx roles). */
  readonly onBehalfOf?: string;
  /** How the national client authenticated the user: a two-factor AuthnContext class. */
  readonly authnContext: string;
  readonly authnInstant?: Date;
}

export interface IssueOptions {
  readonly key: SigningKey;
  /** saml:Issuer text, e.g. urn:idp:LU:countryB (HCP) or urn:initgw:LU:countryB (TRC). */
  readonly issuer: string;
  /** Our home community id (urn:oid:...), put in the HCP assertion. */
  readonly homeCommunityId?: string;
  readonly at?: Date;
  /** Lifetime; at most 4 h (HCP) or 2 h (TRC), the default. */
  readonly lifetimeMs?: number;
  /** Assertion ID (default `_` + a random UUID). */
  readonly id?: string;
}

export interface IssuedAssertion<T> {
  /** The signed assertion, no XML declaration, ready to go into wsse:Security verbatim. */
  readonly xml: string;
  readonly id: string;
  readonly content: T;
}

const s = (name: string) => `saml2:${name}`;

/**
 * A text AttributeValue, without xsi:type="xs:string": a QName inside an attribute value is invisible to
 * exc-c14n, so its prefix declaration would not be covered by the signature; the type is optional.
 */
function stringValue(value: string): XElement {
  return el(s("AttributeValue"), {}, value);
}

function codedValue(tag: "Role" | "PurposeOfUse", code: string, codeSystem: string, codeSystemName: string, displayName: string): XElement {
  return el(s("AttributeValue"), {}, el(tag, { xmlns: HL7_NS, code, codeSystem, codeSystemName, displayName }));
}

function attribute(name: string, friendlyName: string, ...values: XElement[]): XElement {
  return el(s("Attribute"), { FriendlyName: friendlyName, Name: name, NameFormat: ATTRNAME_FORMAT_URI }, ...values);
}

function purpose(p: string): XElement {
  return attribute(Attributes.purposeOfUse, "XSPA Purpose Of Use", codedValue("PurposeOfUse", p, PURPOSE_OF_USE_CODE_SYSTEM, "eHDSI XSPA PurposeOfUse", p));
}

function lifetime(kind: AssertionKind, o: IssueOptions): { at: Date; notOnOrAfter: Date } {
  const max = kind === "hcp" ? HCP_MAX_LIFETIME_MS : TRC_MAX_LIFETIME_MS;
  const ms = o.lifetimeMs ?? max;
  if (!(ms > 0 && ms <= max)) throw new PasserelleError(ErrorCode.InputInvalid, `${kind.toUpperCase()} lifetime must be 1 ms to ${max / 60000} min`);
  const at = o.at ?? new Date();
  return { at, notOnOrAfter: new Date(at.getTime() + ms) };
}

function assertion(kind: AssertionKind, id: string, o: IssueOptions, nameId: string, nameIdFormat: string, at: Date, notOnOrAfter: Date, authn: { ref: string; instant: Date }, body: XElement[]): XElement {
  return el(
    s("Assertion"),
    { "xmlns:saml2": SAML_NS, ID: id, IssueInstant: at.toISOString(), Version: "2.0" },
    el(s("Issuer"), { NameQualifier: AssertionKinds[kind] }, o.issuer),
    el(s("Subject"), {}, el(s("NameID"), { Format: nameIdFormat }, nameId), el(s("SubjectConfirmation"), { Method: SENDER_VOUCHES })),
    el(s("Conditions"), { NotBefore: at.toISOString(), NotOnOrAfter: notOnOrAfter.toISOString() }, el(s("AudienceRestriction"), {}, el(s("Audience"), {}, X_BORDER_AUDIENCE))),
    ...body.filter((b) => b.name === s("Advice")),
    el(s("AuthnStatement"), { AuthnInstant: authn.instant.toISOString() }, el(s("AuthnContext"), {}, el(s("AuthnContextClassRef"), {}, authn.ref))),
    ...body.filter((b) => b.name !== s("Advice")),
  );
}

/** Signs the assertion: signature right after Issuer, Reference URI="#ID" (REFERENCE.md "Signature"). */
export function signAssertion(xml: string, key: SigningKey): string {
  const signer = new SignedXml({
    privateKey: key.privateKeyPem,
    idAttribute: "ID",
    signatureAlgorithm: EmittedAlgorithms.signature,
    canonicalizationAlgorithm: EmittedAlgorithms.canonicalization,
    getKeyInfoContent: ({ prefix } = {}) => {
      const p = prefix ? `${prefix}:` : "";
      return `<${p}X509Data>${key.certificatePems.map((pem) => `<${p}X509Certificate>${pemToBase64Der(pem)}</${p}X509Certificate>`).join("")}</${p}X509Data>`;
    },
  });
  signer.addReference({ xpath: "/*[local-name()='Assertion']", digestAlgorithm: EmittedAlgorithms.digest, transforms: [...EmittedAlgorithms.transforms] });
  signer.computeSignature(xml, { prefix: "ds", location: { reference: "/*/*[local-name()='Issuer']", action: "after" } });
  return signer.getSignedXml();
}

function checked<T>(xml: string, kind: AssertionKind, check: (root: Element) => T): T {
  const root = parseXmlStrict(xml).documentElement as Element;
  try {
    return check(root);
  } catch (e) {
    if (e instanceof AssertionRefused) throw new PasserelleError(ErrorCode.InputInvalid, `cannot issue the ${kind.toUpperCase()} assertion: ${e.message}`, { location: kind });
    throw e;
  }
}

export function issueHcpAssertion(user: HcpUser, o: IssueOptions): IssuedAssertion<HcpIdentity> {
  const id = o.id ?? `_${randomUUID()}`;
  const { at, notOnOrAfter } = lifetime("hcp", o);
  if (!TWO_FACTOR_AUTHN_CONTEXTS.includes(user.authnContext)) {
    throw new PasserelleError(ErrorCode.InputInvalid, `cannot issue the HCP assertion: AuthnContext ${user.authnContext} is not two-factor`);
  }
  const roleName = HEALTHCARE_PROFESSIONAL_ROLES[user.role] ?? user.role;
  const attributes = el(
    s("AttributeStatement"),
    {},
    o.homeCommunityId ? attribute(Attributes.homeCommunityId, "HCI Identifier", stringValue(o.homeCommunityId)) : undefined,
    attribute(Attributes.subjectId, "XSPA Subject", stringValue(user.subjectId)),
    attribute(Attributes.role, "XSPA Role", codedValue("Role", user.role, ISCO_CODE_SYSTEM, "ISCO", roleName)),
    user.onBehalfOf ? attribute(Attributes.onBehalfOf, "OnBehalfOf", codedValue("Role", user.onBehalfOf, ISCO_CODE_SYSTEM, "ISCO", HEALTHCARE_PROFESSIONAL_ROLES[user.onBehalfOf] ?? user.onBehalfOf)) : undefined,
    attribute(Attributes.organization, "XSPA Organization", stringValue(user.organization)),
    attribute(Attributes.organizationId, "XSPA Organization ID", stringValue(user.organizationId)),
    attribute(Attributes.facilityType, "eHealth DSI Healthcare Facility Type", stringValue(user.facilityType)),
    purpose(user.purposeOfUse),
    attribute(Attributes.locality, "XSPA Locality", stringValue(user.locality)),
    attribute(Attributes.permission, "Hl7 Permissions", ...user.permissions.map((p) => stringValue(`${PERMISSION_PREFIX}${p}`))),
  );
  const unsigned = serialize(assertion("hcp", id, o, user.nameId, user.nameIdFormat ?? NAMEID_UNSPECIFIED, at, notOnOrAfter, { ref: user.authnContext, instant: user.authnInstant ?? at }, [attributes]), { declaration: false });
  const content = checked(unsigned, "hcp", (root) => checkHcp(readAssertion(root, "hcp"), at, undefined));
  return { xml: signAssertion(unsigned, o.key), id, content };
}

export interface TrcRequest {
  /** The HCP assertion this TRC is bound to (Advice/AssertionIDRef, same Subject NameID). */
  readonly hcp: Pick<HcpIdentity, "id" | "nameId">;
  /** CX form: ID^^^&OID&ISO. */
  readonly patientId: string;
  readonly purposeOfUse: "TREATMENT" | "EMERGENCY";
}

export function issueTrcAssertion(request: TrcRequest, o: IssueOptions): IssuedAssertion<TreatmentRelationship> {
  const id = o.id ?? `_${randomUUID()}`;
  const { at, notOnOrAfter } = lifetime("trc", o);
  const nameId = request.hcp.nameId;
  if (!nameId) throw new PasserelleError(ErrorCode.InputInvalid, "cannot issue the TRC assertion: the HCP assertion has no NameID");
  const body = [
    el(s("Advice"), {}, el(s("AssertionIDRef"), {}, request.hcp.id)),
    el(s("AttributeStatement"), {}, attribute(Attributes.subjectId, "XSPA Subject", stringValue(request.patientId)), purpose(request.purposeOfUse)),
  ];
  const unsigned = serialize(
    assertion("trc", id, o, nameId, NAMEID_UNSPECIFIED, at, notOnOrAfter, { ref: "urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession", instant: at }, body),
    { declaration: false },
  );
  const hcpView = { id: request.hcp.id, nameId } as HcpIdentity;
  const content = checked(unsigned, "trc", (root) => checkTrc(readAssertion(root, "trc"), at, hcpView));
  return { xml: signAssertion(unsigned, o.key), id, content };
}

/** Issuer names as eHDSI gateways write them: the national IdP for HCP assertions, the gateway for TRCs. */
export function issuerNames(country: string): { hcp: string; trc: string } {
  return { hcp: `urn:idp:${country}:countryB`, trc: `urn:initgw:${country}:countryB` };
}

export interface AssertionIssuer {
  hcp(user: HcpUser, at?: Date): IssuedAssertion<HcpIdentity>;
  trc(request: TrcRequest, at?: Date): IssuedAssertion<TreatmentRelationship>;
}

/**
 * Our issuer (country B): our SAML key (certificates directory `saml.pem` / `saml.key.pem`, see
 * loadSigningKey), our country and home community id. For the exchange workers.
 */
export function createAssertionIssuer(o: { key: SigningKey; country: string; homeCommunityId: string }): AssertionIssuer {
  const names = issuerNames(o.country);
  return {
    hcp: (user, at) => issueHcpAssertion(user, { key: o.key, issuer: names.hcp, homeCommunityId: o.homeCommunityId, ...(at ? { at } : {}) }),
    trc: (request, at) => issueTrcAssertion(request, { key: o.key, issuer: names.trc, ...(at ? { at } : {}) }),
  };
}
