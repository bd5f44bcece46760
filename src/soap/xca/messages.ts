// XCA Cross Gateway Query (IHE ITI-38) as eHDSI profiles it (REFERENCE.md "XCA"): reading the
// FindDocuments AdhocQueryRequest, and writing the AdhocQueryResponse — one ExtrinsicObject per
// document entry (L3 and L1 of one document linked by an XFRM association), eP entries with their
// event codes (open/closed, ATC, dose form, strength, substitution), RegistryErrorList and status.
// The builder's input is plain typed data (DocumentEntry) the country-A use cases fill in.
import type { Element } from "@xmldom/xmldom";
import { toTs } from "../../documents/cda/datatypes";
import { el, type XElement } from "../../shared/xml";
import { formatCx, parseCx, parseQueryList, quoteQueryValue, unquoteQueryValue, type PatientCx } from "../cx";
import { APPROVED_STATUS, DocCodes, QUERY_NS, RIM_NS, Xds } from "../namespaces";
import {
  classification,
  externalIdentifier,
  localized,
  readClassifications,
  readExternalIdentifiers,
  readLocalized,
  readRegistryErrors,
  readSlots,
  readStatus,
  registryErrorList,
  RIM_PREFIXES,
  slot,
  stableUuid,
  statusFor,
  statusUri,
  type CodeDisplay,
  type RegistryErrorInput,
} from "../rim";
import { attrOf, childElements, onlyChild, qname, readFailure } from "../xml-read";

export interface FindDocumentsQuery {
  /** AdhocQuery/@home, when the initiator names our community. */
  homeCommunityId: string | undefined;
  returnType: "LeafClass" | "ObjectRef";
  patient: PatientCx;
  /** $XDSDocumentEntryStatus values (at least one, ITI TF-2a 3.18.4.1.2.3.7.1). */
  statuses: string[];
  /** $XDSDocumentEntryClassCode as code + scheme ('60591-5^^2.16.840.1.113883.6.1'); empty = any. */
  classCodes: Array<{ code: string; scheme: string | undefined }>;
  /** Every slot as sent, for parameters this profile does not use. */
  slots: Map<string, string[]>;
}

/** Read an AdhocQueryRequest; only the FindDocuments stored query is served (others: reason "unsupported-query"). */
export function parseFindDocuments(message: Element): FindDocumentsQuery {
  if (message.namespaceURI !== QUERY_NS || message.localName !== "AdhocQueryRequest") {
    throw readFailure("structure", `expected {${QUERY_NS}}AdhocQueryRequest, found ${qname(message)}`, "/");
  }
  const where = "/AdhocQueryRequest";
  const option = onlyChild(message, QUERY_NS, "ResponseOption", where);
  const returnType = attrOf(option, "returnType") ?? "ObjectRef";
  if (returnType !== "LeafClass" && returnType !== "ObjectRef") throw readFailure("structure", `returnType ${returnType} is not LeafClass or ObjectRef`, `${where}/ResponseOption/@returnType`);
  const query = onlyChild(message, RIM_NS, "AdhocQuery", where);
  const id = attrOf(query, "id");
  if (id !== Xds.findDocumentsQuery) throw readFailure("structure", `stored query ${JSON.stringify(id)} is not supported (only FindDocuments ${Xds.findDocumentsQuery})`, `${where}/AdhocQuery/@id`);
  const slots = readSlots(query);
  const at = (name: string) => `${where}/AdhocQuery/Slot[@name='${name}']`;
  const patientValues = slots.get("$XDSDocumentEntryPatientId") ?? [];
  if (patientValues.length !== 1) throw readFailure("structure", `$XDSDocumentEntryPatientId must have one value, found ${patientValues.length}`, at("$XDSDocumentEntryPatientId"));
  const patient = parseCx(unquoteQueryValue(patientValues[0]!));
  const statuses = parseQueryList(slots.get("$XDSDocumentEntryStatus") ?? []);
  if (statuses.length === 0) throw readFailure("structure", "$XDSDocumentEntryStatus is required", at("$XDSDocumentEntryStatus"));
  const classCodes = parseQueryList(slots.get("$XDSDocumentEntryClassCode") ?? []).map((v) => {
    const [code, , scheme] = v.split("^");
    if (!code) throw readFailure("structure", `class code ${JSON.stringify(v)} has no code`, at("$XDSDocumentEntryClassCode"));
    return { code, scheme: scheme || undefined };
  });
  return { homeCommunityId: attrOf(query, "home"), returnType, patient, statuses, classCodes, slots };
}

// ---- the answer ---------------------------------------------------------------------------------

/** One XDS document entry of the answer. */
export interface DocumentEntry {
  uniqueId: string;
  kind: "ps" | "ep";
  level: "L3" | "L1";
  patient: PatientCx;
  /** urn:oid:... of our community. */
  homeCommunityId: string;
  repositoryUniqueId: string;
  title: string;
  description?: string;
  /** ISO 8601 date-time (written as an XDS DTM in UTC precision as given). */
  creationTime: string;
  /** BCP 47, e.g. fr-LU. */
  language: string;
  size?: number;
  /** XDS hash slot (ITI TF-3 4.2.3.2.10), hex, as the caller computed it. */
  hash?: string;
  /** Default N / normal. */
  confidentiality?: CodeDisplay;
  /** ISO 3166 country of the facility (eHDSI healthcareFacilityTypeCode), e.g. LU / Luxembourg. */
  facility: CodeDisplay;
  author?: { person?: string; institution?: string; specialty?: string };
  /** ePrescription metadata (eHDSI XCA eP list): dispensable or not, the product. */
  ep?: { status: "open" | "closed"; atc?: CodeDisplay; doseForm?: CodeDisplay; strength?: string; substitution?: CodeDisplay };
}

export interface AdhocQueryAnswer {
  returnType: "LeafClass" | "ObjectRef";
  entries: DocumentEntry[];
  /** L1 → L3 transformations: an XFRM association, source = the L1 entry, target = the L3 entry. */
  transforms: Array<{ l1UniqueId: string; l3UniqueId: string }>;
  errors?: RegistryErrorInput[];
}

const CLASS: Record<DocumentEntry["kind"], CodeDisplay> = {
  ps: { code: DocCodes.psClass, display: "Patient Summary" },
  ep: { code: DocCodes.epClass, display: "ePrescription" },
};

function formatOf(e: DocumentEntry): { node: string; scheme: string; display: string } {
  if (e.level === "L1") return { node: DocCodes.pdfFormat, scheme: DocCodes.pdfFormatScheme, display: "PDF/A coded document" };
  return e.kind === "ps" ? { node: DocCodes.psFormat, scheme: DocCodes.formatCodesScheme, display: "epSOS coded Patient Summary" } : { node: DocCodes.epFormat, scheme: DocCodes.formatCodesScheme, display: "epSOS coded ePrescription" };
}

export function entryUuid(e: Pick<DocumentEntry, "homeCommunityId" | "uniqueId">): string {
  return stableUuid("DocumentEntry", e.homeCommunityId, e.uniqueId);
}

function eventCodes(id: string, ep: NonNullable<DocumentEntry["ep"]>): XElement[] {
  const event = (node: string, codingScheme: string, display: string, slots?: XElement[]) => classification({ scheme: Xds.eventCodeList, object: id, node, codingScheme, display, slots });
  const open = ep.status === "open";
  return [
    event(open ? DocCodes.eventOpen : DocCodes.eventClosed, DocCodes.xdwStatusSystem, open ? "Open" : "Closed", [slot("dispensable", [open ? "Open" : "Closed"])]),
    ep.atc ? event(ep.atc.code, DocCodes.atcSystem, ep.atc.display) : undefined,
    ep.doseForm ? event(ep.doseForm.code, DocCodes.edqmDoseFormSystem, ep.doseForm.display) : undefined,
    ep.strength ? event(ep.strength, DocCodes.strengthSystem, "Strength of medication") : undefined,
    ep.substitution ? event(ep.substitution.code, DocCodes.substitutionSystem, ep.substitution.display) : undefined,
  ].filter((x): x is XElement => !!x);
}

/** DTM of XDS (ITI TF-3 Table 4.2.3.1.7-2): YYYY[MM[DD[hh[mm[ss]]]]] in UTC, no offset. */
function dtm(iso: string): string {
  const hasTime = iso.includes("T");
  if (!hasTime) return toTs(iso, "creationTime");
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return toTs(iso, "creationTime");
  return d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

export function extrinsicObject(e: DocumentEntry): XElement {
  const id = entryUuid(e);
  const cls = CLASS[e.kind];
  const format = formatOf(e);
  const patientCx = formatCx(e.patient);
  const confidentiality = e.confidentiality ?? { code: "N", display: "normal" };
  return el(
    "rim:ExtrinsicObject",
    { id, lid: id, home: e.homeCommunityId, mimeType: "text/xml", objectType: Xds.documentEntryType, status: APPROVED_STATUS },
    slot("creationTime", [dtm(e.creationTime)]),
    slot("languageCode", [e.language]),
    slot("sourcePatientId", [patientCx]),
    slot("repositoryUniqueId", [e.repositoryUniqueId]),
    e.size !== undefined ? slot("size", [e.size]) : undefined,
    e.hash !== undefined ? slot("hash", [e.hash]) : undefined,
    localized("Name", e.title),
    e.description ? localized("Description", e.description) : undefined,
    el("rim:VersionInfo", { versionName: "1" }),
    classification({ scheme: Xds.classCode, object: id, node: cls.code, codingScheme: DocCodes.loinc, display: cls.display }),
    classification({ scheme: Xds.typeCode, object: id, node: cls.code, codingScheme: DocCodes.loinc, display: cls.display }),
    classification({ scheme: Xds.confidentialityCode, object: id, node: confidentiality.code, codingScheme: DocCodes.confidentialitySystem, display: confidentiality.display }),
    classification({ scheme: Xds.formatCode, object: id, node: format.node, codingScheme: format.scheme, display: format.display }),
    classification({ scheme: Xds.healthcareFacilityTypeCode, object: id, node: e.facility.code, codingScheme: DocCodes.countrySystem, display: e.facility.display }),
    classification({ scheme: Xds.practiceSettingCode, object: id, node: DocCodes.practiceSettingNotUsed, codingScheme: DocCodes.practiceSettingScheme, display: DocCodes.practiceSettingNotUsed }),
    e.ep ? eventCodes(id, e.ep) : undefined,
    e.author
      ? classification({
          scheme: Xds.author,
          object: id,
          node: "",
          slots: [
            e.author.person ? slot("authorPerson", [e.author.person]) : undefined,
            e.author.institution ? slot("authorInstitution", [e.author.institution]) : undefined,
            e.author.specialty ? slot("authorSpecialty", [e.author.specialty]) : undefined,
          ].filter((x): x is XElement => !!x),
        })
      : undefined,
    externalIdentifier({ scheme: Xds.documentEntryPatientId, object: id, value: patientCx, name: "XDSDocumentEntry.patientId" }),
    externalIdentifier({ scheme: Xds.documentEntryUniqueId, object: id, value: e.uniqueId, name: "XDSDocumentEntry.uniqueId" }),
  );
}

/** The AdhocQueryResponse element (the Body's content). */
export function buildAdhocQueryResponse(answer: AdhocQueryAnswer): XElement {
  const errors = answer.errors ?? [];
  const byUnique = new Map(answer.entries.map((e) => [e.uniqueId, e]));
  const associations = answer.transforms.map((t) => {
    const l1 = byUnique.get(t.l1UniqueId);
    const l3 = byUnique.get(t.l3UniqueId);
    if (!l1 || !l3) throw readFailure("structure", `XFRM association between ${t.l1UniqueId} and ${t.l3UniqueId}: both entries must be in the answer`);
    const source = entryUuid(l1);
    const target = entryUuid(l3);
    return el("rim:Association", { id: stableUuid("XFRM", source, target), associationType: Xds.xfrmAssociation, sourceObject: source, targetObject: target });
  });
  const objects =
    answer.returnType === "ObjectRef"
      ? answer.entries.map((e) => el("rim:ObjectRef", { id: entryUuid(e), home: e.homeCommunityId }))
      : [...answer.entries.map(extrinsicObject), ...associations];
  return el(
    "query:AdhocQueryResponse",
    { "xmlns:query": QUERY_NS, ...RIM_PREFIXES, status: statusUri(statusFor(errors, answer.entries.length)) },
    registryErrorList(errors),
    el("rim:RegistryObjectList", {}, objects),
  );
}

// ---- reading an answer --------------------------------------------------------------------------

export interface ReadEntry {
  entryUuid: string;
  home: string | undefined;
  mimeType: string | undefined;
  uniqueId: string | undefined;
  patientId: string | undefined;
  title: string | undefined;
  slots: Map<string, string[]>;
  classCode: string | undefined;
  typeCode: string | undefined;
  formatCode: string | undefined;
  confidentialityCode: string | undefined;
  eventCodes: Array<{ code: string; codingScheme: string | undefined; display: string | undefined }>;
}

export interface ReadQueryAnswer {
  status: ReturnType<typeof statusFor>;
  entries: ReadEntry[];
  associations: Array<{ type: string | undefined; source: string | undefined; target: string | undefined }>;
  errors: ReturnType<typeof readRegistryErrors>;
}

export function parseAdhocQueryResponse(message: Element): ReadQueryAnswer {
  if (message.namespaceURI !== QUERY_NS || message.localName !== "AdhocQueryResponse") {
    throw readFailure("structure", `expected {${QUERY_NS}}AdhocQueryResponse, found ${qname(message)}`, "/");
  }
  const list = childElements(message, RIM_NS, "RegistryObjectList")[0];
  const entries = (list ? childElements(list, RIM_NS, "ExtrinsicObject") : []).map((x) => {
    const cls = readClassifications(x);
    const ids = readExternalIdentifiers(x);
    const first = (scheme: string) => cls.find((c) => c.scheme === scheme)?.node;
    return {
      entryUuid: attrOf(x, "id") ?? "",
      home: attrOf(x, "home"),
      mimeType: attrOf(x, "mimeType"),
      uniqueId: ids.get(Xds.documentEntryUniqueId),
      patientId: ids.get(Xds.documentEntryPatientId),
      title: readLocalized(x, "Name"),
      slots: readSlots(x),
      classCode: first(Xds.classCode),
      typeCode: first(Xds.typeCode),
      formatCode: first(Xds.formatCode),
      confidentialityCode: first(Xds.confidentialityCode),
      eventCodes: cls.filter((c) => c.scheme === Xds.eventCodeList).map((c) => ({ code: c.node ?? "", codingScheme: c.codingScheme, display: c.name })),
    };
  });
  const associations = (list ? childElements(list, RIM_NS, "Association") : []).map((a) => ({ type: attrOf(a, "associationType"), source: attrOf(a, "sourceObject"), target: attrOf(a, "targetObject") }));
  return { status: readStatus(message), entries, associations, errors: readRegistryErrors(message) };
}

// ---- writing a query (country B) ----------------------------------------------------------------

export interface FindDocumentsInput {
  patient: PatientCx;
  /** Class codes asked (LOINC): 60591-5 PS, 57833-6 eP. */
  classCodes: readonly string[];
  /** AdhocQuery/@home: the responding community (XCA requires it for the initiating gateway's choice). */
  homeCommunityId?: string;
  returnType?: "LeafClass" | "ObjectRef";
}

/**
 * The FindDocuments stored query (IHE ITI TF-2a 3.18.4.1.2.3.7.1) as eHDSI sends it over XCA ITI-38:
 * patient id, status Approved, the class code(s) of the service, LeafClass.
 */
export function buildFindDocumentsQuery(q: FindDocumentsInput): XElement {
  const list = (values: readonly string[]) => `(${values.map(quoteQueryValue).join(",")})`;
  return el(
    "query:AdhocQueryRequest",
    { "xmlns:query": QUERY_NS, ...RIM_PREFIXES },
    el("query:ResponseOption", { returnComposedObjects: "true", returnType: q.returnType ?? "LeafClass" }),
    el(
      "rim:AdhocQuery",
      { id: Xds.findDocumentsQuery, ...(q.homeCommunityId ? { home: q.homeCommunityId } : {}) },
      slot("$XDSDocumentEntryPatientId", [quoteQueryValue(formatCx(q.patient))]),
      slot("$XDSDocumentEntryStatus", [list([APPROVED_STATUS])]),
      q.classCodes.length > 0 ? slot("$XDSDocumentEntryClassCode", [list(q.classCodes.map((c) => `${c}^^${DocCodes.loinc}`))]) : undefined,
    ),
  );
}
