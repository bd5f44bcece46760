import { expect } from "chai";
import type { Element } from "@xmldom/xmldom";
import { isPasserelleError } from "../../src/shared/errors";
import { serialize } from "../../src/shared/xml";
import { buildResponseEnvelope, parseEnvelope, parseResponseEnvelope } from "../../src/soap/envelope";
import { buildMtom, plainSoapBody, readSoapTransport } from "../../src/soap/mtom";
import { Actions, DocCodes, Xds } from "../../src/soap/namespaces";
import { buildAdhocQueryResponse, entryUuid, parseAdhocQueryResponse, parseFindDocuments, type DocumentEntry } from "../../src/soap/xca/messages";
import { buildRetrieveResponse, parseRetrieveRequest, parseRetrieveResponse } from "../../src/soap/xca/retrieve";
import { readXml } from "../../src/soap/xml-read";
import { dkEnvelope, sample } from "./samples";

const LIMITS = { maxBytes: 1024 * 1024 };
const root = (xml: string) => readXml(xml, LIMITS).documentElement as Element;

function failure(f: () => unknown): { reason: unknown; location: unknown; message: string } {
  try {
    f();
  } catch (e) {
    if (isPasserelleError(e)) return { reason: e.details["reason"], location: e.details.location, message: e.message };
    throw e;
  }
  throw new Error("expected a failure");
}

const patient = { id: "1985032112345", oid: "1.3.182.2.12.10000734.6.1" };
const base = { patient, homeCommunityId: "urn:oid:1.3.182.2.12.10000734", repositoryUniqueId: "1.3.182.2.12.10000734.2", creationTime: "2026-11-20T09:30:00+01:00", language: "fr-LU", facility: { code: "LU", display: "Luxembourg" } };
const epL3: DocumentEntry = {
  ...base,
  uniqueId: "1.3.182.2.12.10000734.3.77^eP.L3",
  kind: "ep",
  level: "L3",
  title: "ePrescription",
  description: "Lercanidipine 10 mg tablet",
  size: 4096,
  hash: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
  author: { person: "Dr Jean Muller" },
  ep: { status: "open", atc: { code: "C08CA13", display: "lercanidipine" }, doseForm: { code: "10219000", display: "Tablet" }, strength: "10 mg", substitution: { code: "G", display: "generic composition" } },
};
const epL1: DocumentEntry = { ...epL3, uniqueId: "1.3.182.2.12.10000734.3.77^eP.L1", level: "L1", title: "ePrescription (PDF)" };

describe("soap/xca: reading queries", () => {
  it("reads the FindDocuments requests of dk-templates, openncp and gematik", () => {
    const dkPs = parseFindDocuments(parseEnvelope(dkEnvelope("xca", "query", "request-ps.xml"), LIMITS).body);
    expect(dkPs.patient).to.deep.equal({ id: "0410009234", oid: "1.2.208.176.1.2" });
    expect(dkPs.classCodes).to.deep.equal([{ code: "60591-5", scheme: "2.16.840.1.113883.6.1" }]);
    expect(dkPs.statuses).to.deep.equal(["urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"]);
    expect(dkPs.returnType).to.equal("LeafClass");
    const dkEp = parseFindDocuments(parseEnvelope(dkEnvelope("xca", "query", "request-ep.xml"), LIMITS).body);
    expect(dkEp.classCodes[0]?.code).to.match(/^\d+-\d$/);
    const openncp = parseFindDocuments(root(sample("openncp", "xca-query.xml")));
    expect(openncp.patient).to.deep.equal({ id: "041082-995W", oid: "2.16.17.710.811" });
    expect(openncp.classCodes[0]?.code).to.equal("57833-6");
    const gematik = parseFindDocuments(root(sample("gematik", "AdhocQueryRequestEPED.xml")));
    expect(gematik.patient).to.deep.equal({ id: "X110571344|ABC123", oid: "1.2.276.0.76.3.1.580.147" });
    const psa = parseFindDocuments(root(sample("gematik", "AdhocQueryRequestPSA.xml")));
    expect(psa.classCodes.length).to.equal(1);
  });

  it("refuses other stored queries, an unquoted or non-CX patient id, a missing status", () => {
    const q = sample("openncp", "xca-query.xml");
    expect(failure(() => parseFindDocuments(root(q.replace(Xds.findDocumentsQuery, "urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4")))).location).to.equal("/AdhocQueryRequest/AdhocQuery/@id");
    expect(failure(() => parseFindDocuments(root(q.replace("'041082-995W^^^&amp;2.16.17.710.811&amp;ISO'", "041082-995W^^^&amp;2.16.17.710.811&amp;ISO")))).reason).to.equal("cx");
    expect(failure(() => parseFindDocuments(root(q.replace("&amp;ISO'", "&amp;DNS'")))).message).to.match(/not ISO/);
    expect(failure(() => parseFindDocuments(root(q.replace("$XDSDocumentEntryStatus", "$Other")))).location).to.match(/XDSDocumentEntryStatus/);
  });
});

describe("soap/xca: writing query answers", () => {
  it("writes L3 and L1 eP entries linked by XFRM, with the eP event codes; read back by our reader", () => {
    const xml = serialize(buildAdhocQueryResponse({ returnType: "LeafClass", entries: [epL3, epL1], transforms: [{ l1UniqueId: epL1.uniqueId, l3UniqueId: epL3.uniqueId }] }));
    const a = parseAdhocQueryResponse(root(xml));
    expect(a.status).to.equal("success");
    expect(a.errors).to.deep.equal([]);
    const [l3, l1] = a.entries;
    expect(l3).to.deep.include({ uniqueId: epL3.uniqueId, patientId: "1985032112345^^^&1.3.182.2.12.10000734.6.1&ISO", classCode: "57833-6", typeCode: "57833-6", formatCode: DocCodes.epFormat, confidentialityCode: "N", mimeType: "text/xml", home: base.homeCommunityId, title: "ePrescription" });
    expect(l1!.formatCode).to.equal(DocCodes.pdfFormat);
    expect(l3!.eventCodes).to.deep.equal([
      { code: "urn:ihe:iti:xdw:2011:eventCode:open", codingScheme: "1.3.6.1.4.1.19376.1.2.3", display: "Open" },
      { code: "C08CA13", codingScheme: "2.16.840.1.113883.6.73", display: "lercanidipine" },
      { code: "10219000", codingScheme: "0.4.0.127.0.16.1.1.2.1", display: "Tablet" },
      { code: "10 mg", codingScheme: "eHDSI_Strength_CodeSystem", display: "Strength of medication" },
      { code: "G", codingScheme: "2.16.840.1.113883.5.1070", display: "generic composition" },
    ]);
    expect(Object.fromEntries(l3!.slots)).to.deep.equal({
      creationTime: ["20261120083000"],
      languageCode: ["fr-LU"],
      sourcePatientId: ["1985032112345^^^&1.3.182.2.12.10000734.6.1&ISO"],
      repositoryUniqueId: ["1.3.182.2.12.10000734.2"],
      size: ["4096"],
      hash: ["da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    });
    expect(a.associations).to.deep.equal([{ type: Xds.xfrmAssociation, source: l1!.entryUuid, target: l3!.entryUuid }]);
    // stable ids: the same document gives the same entryUUID in every answer
    expect(l3!.entryUuid).to.equal(entryUuid(epL3)).and.to.match(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("carries every classification scheme and coding scheme of the gematik eP answer", () => {
    const ours = root(serialize(buildAdhocQueryResponse({ returnType: "LeafClass", entries: [epL3, epL1], transforms: [{ l1UniqueId: epL1.uniqueId, l3UniqueId: epL3.uniqueId }] })));
    const sampleAnswer = parseAdhocQueryResponse(root(sample("gematik", "AdhocQueryResponseEPED.xml")));
    expect(sampleAnswer.entries.length).to.equal(2);
    expect(sampleAnswer.associations[0]?.type).to.equal(Xds.xfrmAssociation);
    const schemes = (e: Element) =>
      new Set(Array.from(e.getElementsByTagNameNS("urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0", "Classification")).map((c) => {
        const cs = c.getElementsByTagNameNS("urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0", "Value")[0]?.textContent?.trim();
        return `${c.getAttribute("classificationScheme")} ${c.getAttribute("classificationScheme") === Xds.author ? "" : cs}`;
      }));
    const theirs = schemes(root(sample("gematik", "AdhocQueryResponseEPED.xml")));
    const mine = schemes(ours);
    expect(theirs.size).to.equal(12);
    expect([...theirs].filter((s) => !mine.has(s))).to.deep.equal([]);
    const slotNames = (e: Element) => new Set(Array.from(e.getElementsByTagNameNS("urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0", "Slot")).map((s) => s.getAttribute("name")));
    expect([...slotNames(root(sample("gematik", "AdhocQueryResponseEPED.xml")))].filter((s) => !slotNames(ours).has(s))).to.deep.equal([]);
  });

  it("writes a PS entry, ObjectRef answers, and errors with Failure / PartialSuccess status", () => {
    const ps: DocumentEntry = { ...base, uniqueId: "1.3.182.2.12.10000734.4.1^PS.L3", kind: "ps", level: "L3", title: "Patient Summary" };
    const one = parseAdhocQueryResponse(root(serialize(buildAdhocQueryResponse({ returnType: "LeafClass", entries: [ps], transforms: [] }))));
    expect(one.entries[0]).to.deep.include({ classCode: "60591-5", formatCode: DocCodes.psFormat, eventCodes: [] });
    const refs = root(serialize(buildAdhocQueryResponse({ returnType: "ObjectRef", entries: [ps], transforms: [] })));
    expect(refs.getElementsByTagNameNS("urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0", "ObjectRef")[0]?.getAttribute("id")).to.equal(entryUuid(ps));
    const failed = parseAdhocQueryResponse(root(serialize(buildAdhocQueryResponse({ returnType: "LeafClass", entries: [], transforms: [], errors: [{ errorCode: "4202", codeContext: "class code 11502-2 is not supported", location: "$XDSDocumentEntryClassCode" }] }))));
    expect(failed.status).to.equal("failure");
    expect(failed.errors).to.deep.equal([{ errorCode: "4202", codeContext: "class code 11502-2 is not supported", location: "$XDSDocumentEntryClassCode", severity: "error" }]);
    const partial = parseAdhocQueryResponse(root(serialize(buildAdhocQueryResponse({ returnType: "LeafClass", entries: [ps], transforms: [], errors: [{ errorCode: "ERROR_EP_MISSING_EXPECTED_MAPPING", codeContext: "one eP withheld" }] }))));
    expect(partial.status).to.equal("partialSuccess");
    const warned = parseAdhocQueryResponse(root(serialize(buildAdhocQueryResponse({ returnType: "LeafClass", entries: [ps], transforms: [], errors: [{ errorCode: "W1", codeContext: "note", severity: "warning" }] }))));
    expect(warned.status).to.equal("success");
    expect(warned.errors[0]?.severity).to.equal("warning");
    // the gematik failure answer reads the same way as ours
    const g = parseAdhocQueryResponse(root(sample("gematik", "AdhocQueryResponse_010.xml")));
    expect([g.status, g.errors[0]?.errorCode]).to.deep.equal(["failure", "ERROR_GENERIC_DOCUMENT_MISSING"]);
    expect(() => buildAdhocQueryResponse({ returnType: "LeafClass", entries: [ps], transforms: [{ l1UniqueId: "x", l3UniqueId: ps.uniqueId }] })).to.throw(/XFRM/);
  });
});

describe("soap/xca: retrieve", () => {
  it("reads the retrieve requests of dk-templates, openncp (bare and in an envelope) and gematik", () => {
    expect(parseRetrieveRequest(parseEnvelope(dkEnvelope("xca", "retrieve", "request-ps.xml"), LIMITS).body)).to.deep.equal([
      { homeCommunityId: undefined, repositoryUniqueId: "1.2.208.176.7.2.987654321", documentUniqueId: "1.2.208.176.7.2.987654321^478299832581102L3" },
    ]);
    expect(parseRetrieveRequest(parseEnvelope(dkEnvelope("xca", "retrieve", "request-ep.xml"), LIMITS).body)).to.have.length(1);
    expect(parseRetrieveRequest(root(sample("openncp", "xca-retrieve.xml")))[0]).to.deep.equal({ homeCommunityId: "urn:oid:2.16.999.1000.990.1", repositoryUniqueId: "1234", documentUniqueId: "1.2.246.556.12001.4.93.1.1^6.1" });
    expect(parseRetrieveRequest(parseEnvelope(sample("openncp", "incomingMsg.xml"), LIMITS).body)[0]?.documentUniqueId).to.equal("4eb38f09-78da-43a8-a5b4-92b115c74add");
    expect(parseRetrieveRequest(root(sample("gematik", "RetrieveDocumentSetRequest.xml"))).map((d) => d.documentUniqueId)).to.deep.equal(["2.16.17.710.813.1000.990.1.1^PS.XML", "2.16.17.710.813.1000.990.1.1^PS.PDF"]);
    const empty = sample("openncp", "xca-retrieve.xml").replace(/<ns5:DocumentUniqueId>[^<]*</, "<ns5:DocumentUniqueId><");
    expect(failure(() => parseRetrieveRequest(root(empty))).location).to.equal("/RetrieveDocumentSetRequest/DocumentRequest[1]/DocumentUniqueId");
  });

  const docs = [
    { homeCommunityId: "urn:oid:1.3.182.2.12.10000734", repositoryUniqueId: "1.3.182.2.12.10000734.2", documentUniqueId: "d^L3", mimeType: "text/xml", content: Buffer.from('<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"/>') },
    { homeCommunityId: "urn:oid:1.3.182.2.12.10000734", repositoryUniqueId: "1.3.182.2.12.10000734.2", documentUniqueId: "d^L1", mimeType: "text/xml", content: Buffer.from([0, 1, 2, 255, 13, 10]) },
  ];

  it("answers in MTOM (xop:Include) and reads the package back through the transport", () => {
    const { body, attachments } = buildRetrieveResponse({ documents: docs, mtom: true });
    expect(attachments).to.have.length(2);
    const http = buildMtom(buildResponseEnvelope({ action: Actions.xcaRetrieve.response, relatesTo: "urn:uuid:1" }, body), attachments);
    const t = readSoapTransport(http.body, http.contentType, LIMITS);
    const r = parseRetrieveResponse(parseResponseEnvelope(t.envelope, LIMITS).body, t.attachments);
    expect(r.status).to.equal("success");
    expect(r.documents.map((d) => [d.documentUniqueId, d.content.equals(docs.find((x) => x.documentUniqueId === d.documentUniqueId)!.content)])).to.deep.equal([["d^L3", true], ["d^L1", true]]);
    expect(t.envelope).to.include("xop:Include").and.not.include(docs[0]!.content.toString("base64"));
  });

  it("answers inline base64 when the request was not MTOM; errors give PartialSuccess or Failure", () => {
    const { body, attachments } = buildRetrieveResponse({ documents: [docs[0]!], mtom: false, errors: [{ errorCode: "ERROR_PS_MISSING_EXPECTED_MAPPING", codeContext: "allergy code 123 has no MVC mapping", location: "d^L1" }] });
    expect(attachments).to.deep.equal([]);
    const http = plainSoapBody(buildResponseEnvelope({ action: Actions.xcaRetrieve.response, relatesTo: "urn:uuid:1" }, body));
    const t = readSoapTransport(http.body, http.contentType, LIMITS);
    const r = parseRetrieveResponse(parseResponseEnvelope(t.envelope, LIMITS).body, t.attachments);
    expect(r.status).to.equal("partialSuccess");
    expect(r.documents[0]!.content.equals(docs[0]!.content)).to.equal(true);
    expect(r.errors[0]?.errorCode).to.equal("ERROR_PS_MISSING_EXPECTED_MAPPING");
    const none = parseRetrieveResponse(root(serialize(buildRetrieveResponse({ documents: [], mtom: false, errors: [{ errorCode: "1102", codeContext: "no PS" }] }).body)), new Map());
    expect(none.status).to.equal("failure");
    const g = parseRetrieveResponse(root(sample("gematik", "RetrieveDocumentSetResponse_020.xml")), new Map());
    expect([g.status, g.errors[0]?.errorCode, g.documents.length]).to.deep.equal(["failure", "ERROR_GENERIC_DOCUMENT_MISSING", 0]);
  });
});
