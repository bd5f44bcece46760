// The ClinicalDocument header shared by the eHDSI PS, eP and eD (L3) and their L1 renderings:
// realmCode, typeId, templateIds, id, code, title, effectiveTime, confidentialityCode,
// languageCode, setId, recordTarget, author, custodian, legalAuthenticator, participant,
// documentationOf, relatedDocument — in the order of POCD_MT000040.ClinicalDocument (CDA_Pharma.xsd).
// Coded header elements are transcoded to their MVC value sets (patient.gender, document.code,
// document.confidentiality, author.role, contact/guardian.relationship, performer.role).
import type { Concept, Organization, Patient, Period, Practitioner, RelatedPerson } from "../../canonical/model";
import { el, type XChild, type XElement } from "../../shared/xml";
import { binding } from "../../terminology/bindings";
import { CodeSystems } from "../../terminology/code-systems";
import type { DocumentKind, PivotCoded } from "../../terminology/types";
import { transcode } from "../../terminology/transcode";
import type { DocumentContext } from "../context";
import { address, codeAttr, codedIf, HL7_NS, ii, instantTs, ivlTs, personName, PHARM_NS, telecoms, ts, XSI_NS } from "./datatypes";
import type { InstanceId } from "./ids";

/** CDA R2 typeId (POCD_HD000040). */
const TYPE_ID = { root: "2.16.840.1.113883.1.3", extension: "POCD_HD000040" };
/** IHE PCC "Patient Contacts" participant template (as the Wave 8 PS samples carry). */
const CONTACT_PARTICIPANT_TEMPLATE = "1.3.6.1.4.1.19376.1.5.3.1.2.4";

export interface AuthorRole {
  practitioner: Practitioner;
  /** Time of the author's participation (ISO); the document's effective time when absent. */
  time?: string;
}

export interface DocumentHeader {
  /** Which column of the coded element list applies to the header's coded elements. */
  kind: DocumentKind;
  templateIds: string[];
  id: InstanceId;
  setId?: InstanceId;
  /** LOINC document code (60591-5 PS, 57833-6 eP, 60593-1 eD) with its English display. */
  code: { code: string; display: string };
  title: string;
  /** BCP 47 language of the document's narrative. */
  language: string;
  patient: Patient;
  authors: AuthorRole[];
  custodian?: Organization;
  legalAuthenticator?: AuthorRole;
  /** documentationOf/serviceEvent: PS "PCPR" (provision of care) over the period the record covers. */
  serviceEvent?: { classCode: string; period?: Period; performers?: Practitioner[] };
  /** relatedDocument (e.g. XFRM from the L3 to its L1 rendering, RPLC for a new version). */
  relatedDocuments?: { typeCode: "XFRM" | "RPLC" | "APND"; id: InstanceId }[];
}

const GENDER: Record<Patient["gender"], { code: string; display: string } | undefined> = {
  male: { code: "M", display: "Male" },
  female: { code: "F", display: "Female" },
  other: { code: "UN", display: "Undifferentiated" },
  unknown: undefined,
};

function pivot(ctx: DocumentContext, concept: Concept, element: string, kind: DocumentKind): PivotCoded | undefined {
  return transcode(ctx.terminology, concept, binding(element, kind), kind);
}

/** The header elements, to be followed by the body `component` (see clinicalDocument()). */
export function headerElements(h: DocumentHeader, ctx: DocumentContext): XElement[] {
  const now = instantTs(ctx.now());
  const docCode = pivot(ctx, { coding: { code: h.code.code, system: CodeSystems.loinc.oid, display: h.code.display } }, "document.code", h.kind);
  const confidentiality = pivot(
    ctx,
    { coding: { code: "N", system: CodeSystems.confidentiality.oid, display: "normal" } },
    "document.confidentiality",
    h.kind,
  );
  return [
    el("realmCode", { code: ctx.country }),
    el("typeId", TYPE_ID),
    h.templateIds.map((root) => el("templateId", { root })),
    ii(h.id),
    codedIf("code", docCode),
    el("title", {}, h.title),
    el("effectiveTime", { value: now }),
    codedIf("confidentialityCode", confidentiality),
    h.language.trim() ? el("languageCode", { code: codeAttr(h.language, "languageCode") }) : undefined,
    h.setId ? ii(h.setId, "setId") : undefined,
    recordTarget(h, ctx),
    authors(h, ctx, now),
    custodian(h.custodian ?? ctx.custodian),
    h.legalAuthenticator ? legalAuthenticator(h.legalAuthenticator, now) : undefined,
    h.patient.contacts.filter((c) => !c.guardian).map((c) => contactParticipant(c, ctx, h.kind)),
    h.serviceEvent ? documentationOf(h.serviceEvent, ctx, h.kind) : undefined,
    (h.relatedDocuments ?? []).map((r) => el("relatedDocument", { typeCode: r.typeCode }, el("parentDocument", {}, ii(r.id)))),
  ].flat().filter((x): x is XElement => x !== undefined);
}

/** The ClinicalDocument root with the HL7, pharm and xsi namespaces declared once. */
export function clinicalDocument(header: XElement[], body: XElement): XElement {
  return el(
    "ClinicalDocument",
    { xmlns: HL7_NS, "xmlns:pharm": PHARM_NS, "xmlns:xsi": XSI_NS, classCode: "DOCCLIN", moodCode: "EVN" },
    header,
    body,
  );
}

// ---- recordTarget ----------------------------------------------------------------------------------

function recordTarget(h: DocumentHeader, ctx: DocumentContext): XElement {
  const p = h.patient;
  const g = GENDER[p.gender];
  const gender: PivotCoded | undefined = g
    ? pivot(ctx, { coding: { code: g.code, system: CodeSystems.gender.oid, display: g.display } }, "patient.gender", h.kind)
    : { kind: "null", nullFlavor: "UNK" };
  // The national identifier (the matricule for Luxembourg) comes first (canonical model order).
  const ids = p.ids.length > 0 ? p.ids.map((id) => ii(id)) : [el("id", { nullFlavor: "NI" })];
  return el(
    "recordTarget",
    {},
    el(
      "patientRole",
      {},
      ids,
      p.addresses.map((a) => address(a)),
      telecoms(p.telecom),
      el(
        "patient",
        {},
        p.names.length > 0 ? p.names.map((n) => personName(n)) : personName(undefined),
        codedIf("administrativeGenderCode", gender),
        ts("birthTime", p.birthDate),
        p.contacts.filter((c) => c.guardian).map((c) => guardian(c, ctx, h.kind)),
        p.languages.map((lang, i) =>
          el("languageCommunication", {}, el("languageCode", { code: codeAttr(lang, "languageCommunication/languageCode") }), i === 0 && p.languages.length > 1 ? el("preferenceInd", { value: "true" }) : undefined),
        ),
      ),
    ),
  );
}

function relationship(c: RelatedPerson, ctx: DocumentContext, element: string, kind: DocumentKind): XElement | undefined {
  if (!c.relationship) return undefined;
  return codedIf("code", pivot(ctx, { coding: c.relationship }, element, kind));
}

function guardian(c: RelatedPerson, ctx: DocumentContext, kind: DocumentKind): XElement {
  return el(
    "guardian",
    {},
    relationship(c, ctx, "guardian.relationship", kind),
    c.address ? address(c.address) : undefined,
    telecoms(c.telecom),
    el("guardianPerson", {}, personName(c.name)),
  );
}

function contactParticipant(c: RelatedPerson, ctx: DocumentContext, kind: DocumentKind): XElement {
  // associatedEntity classCode: NOK (next of kin) when a relationship is given, ECON (emergency
  // contact) otherwise, as IHE PCC Patient Contacts allows.
  return el(
    "participant",
    { typeCode: "IND" },
    el("templateId", { root: CONTACT_PARTICIPANT_TEMPLATE }),
    el(
      "associatedEntity",
      { classCode: c.relationship ? "NOK" : "ECON" },
      relationship(c, ctx, "contact.relationship", kind),
      c.address ? address(c.address) : undefined,
      telecoms(c.telecom),
      el("associatedPerson", {}, personName(c.name)),
    ),
  );
}

// ---- author, custodian, legalAuthenticator, documentationOf -------------------------------------------

/** POCD_MT000040.Organization content: id, name, telecom, addr. */
export function organization(name: string, o: Organization): XElement {
  return el(
    name,
    {},
    o.id ? ii(o.id) : undefined,
    el("name", {}, o.name),
    telecoms(o.telecom),
    o.address ? address(o.address) : undefined,
  );
}

/** AssignedAuthor / AssignedEntity content for a practitioner: id, addr, telecom, person, organisation. */
export function assignedPractitioner(name: string, p: Practitioner, extra: XChild[] = []): XElement {
  return el(
    name,
    {},
    p.id ? ii(p.id) : el("id", { nullFlavor: "NI" }),
    extra,
    p.address ? address(p.address) : undefined,
    telecoms(p.telecom),
    el("assignedPerson", {}, personName(p.name)),
    p.organization ? organization("representedOrganization", p.organization) : undefined,
  );
}

function roleCode(p: Practitioner, ctx: DocumentContext, kind: DocumentKind, element: string): XElement | undefined {
  const b = binding(element, kind);
  if (!p.role) {
    // A required role (the prescriber of an eP) with no value fails or gets NI, as its usage says.
    return codedIf("functionCode", transcode(ctx.terminology, undefined, b, kind));
  }
  return codedIf("functionCode", transcode(ctx.terminology, { coding: p.role }, b, kind));
}

function authors(h: DocumentHeader, ctx: DocumentContext, now: string): XElement[] {
  if (h.authors.length === 0) {
    // No human author in the record: the gateway's transformation is the author (a device), acting
    // for the custodian organisation (CDA: author 1..*).
    const org = h.custodian ?? ctx.custodian;
    return [
      el(
        "author",
        {},
        el("time", { value: now }),
        el(
          "assignedAuthor",
          {},
          el("id", { nullFlavor: "NA" }),
          el("assignedAuthoringDevice", {}, el("softwareName", {}, "Passerelle")),
          organization("representedOrganization", org),
        ),
      ),
    ];
  }
  return h.authors.map((a) =>
    el(
      "author",
      {},
      roleCode(a.practitioner, ctx, h.kind, "author.role"),
      a.time ? ts("time", a.time) : el("time", { value: now }),
      assignedPractitioner("assignedAuthor", a.practitioner),
    ),
  );
}

function custodian(o: Organization): XElement {
  return el(
    "custodian",
    {},
    el(
      "assignedCustodian",
      {},
      el(
        "representedCustodianOrganization",
        {},
        o.id ? ii(o.id) : el("id", { nullFlavor: "NI" }),
        el("name", {}, o.name),
        (o.telecom ?? []).length > 0 ? telecoms(o.telecom).slice(0, 1) : undefined,
        o.address ? address(o.address) : undefined,
      ),
    ),
  );
}

function legalAuthenticator(a: AuthorRole, now: string): XElement {
  return el(
    "legalAuthenticator",
    {},
    a.time ? ts("time", a.time) : el("time", { value: now }),
    el("signatureCode", { code: "S" }),
    assignedPractitioner("assignedEntity", a.practitioner),
  );
}

function documentationOf(s: NonNullable<DocumentHeader["serviceEvent"]>, ctx: DocumentContext, kind: DocumentKind): XElement {
  return el(
    "documentationOf",
    {},
    el(
      "serviceEvent",
      { classCode: s.classCode, moodCode: "EVN" },
      s.period ? ivlTs("effectiveTime", s.period, { xsiType: false }) : undefined,
      (s.performers ?? []).map((p) =>
        el("performer", { typeCode: "PRF" }, roleCode(p, ctx, kind, "performer.role"), assignedPractitioner("assignedEntity", p)),
      ),
    ),
  );
}
