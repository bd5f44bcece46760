// Country B's request builders read back by the codec's own parsers (the ones country A serves with),
// the foreign eP reader on our eP builder's output, and the pure decisions of the use cases: is a
// document about the patient asked, is a dispensation within its prescription, which partner error
// codes are eHDSI ones.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import type { Element } from "@xmldom/xmldom";
import fc from "fast-check";
import type { Dispensation, Prescription } from "../../src/canonical/model";
import { againstPrescription } from "../../src/country-b/dispense";
import { aboutPatient } from "../../src/country-b/exchanges";
import { isEhdsiCode } from "../../src/country-b/results";
import { testContext } from "../../src/documents/cda/ep-ed.fixtures";
import { buildEDispensationL3 } from "../../src/documents/cda/edispensation";
import { buildEPrescriptionL3 } from "../../src/documents/cda/eprescription";
import { parseEDispensation } from "../../src/documents/cda/parse-edispensation";
import { parseEPrescription } from "../../src/documents/cda/parse-eprescription";
import { ErrorCode, isPasserelleError } from "../../src/shared/errors";
import { serialize, type XElement } from "../../src/shared/xml";
import { parseXmlStrict as parseDocument } from "../../src/signing/dom";
import { xcpdErrorItems } from "../../src/soap/client/partner-errors";
import { formatCx } from "../../src/soap/cx";
import { APPROVED_STATUS } from "../../src/soap/namespaces";
import { buildFindDocumentsQuery, parseFindDocuments } from "../../src/soap/xca/messages";
import { buildRetrieveRequest, parseRetrieveRequest } from "../../src/soap/xca/retrieve";
import { buildXcpdQuery, parseXcpdQuery } from "../../src/soap/xcpd/messages";
import { buildProvideAndRegister, edIntent, parseProvideAndRegister } from "../../src/soap/xdr/messages";
import { readSoapTransport, buildMtom, plainSoapBody } from "../../src/soap/mtom";

const root = (x: XElement): Element => parseDocument(serialize(x)).documentElement as unknown as Element;
const PATIENT = { id: "1992031411227", oid: "1.3.182.2.12.10000734.6.1" };
const prescription = () => JSON.parse(readFileSync(new URL("../golden/ep/two-items.json", import.meta.url), "utf8")) as Prescription;

describe("country B request builders, read back by the codec parsers", () => {
  it("XCPD query: ids, demographics and devices as PRPA_IN201305UV02 carries them", () => {
    const q = parseXcpdQuery(root(buildXcpdQuery({
      senderDeviceId: "2.16.56.1.1.1", receiverDeviceId: "1.3.182.2.12.10000734", now: new Date("2026-11-27T10:00:00Z"),
      ids: [{ root: "1.3.182.4.4", extension: PATIENT.id }],
      demographics: { givenName: "Sophie", familyName: "Muller", birthDate: "1992-03-14", gender: "female" },
    })));
    expect(q.livingSubjectIds).to.deep.equal([{ root: "1.3.182.4.4", extension: PATIENT.id }]);
    expect(q.senderDeviceId).to.equal("2.16.56.1.1.1");
    expect(q.receiverDeviceId).to.equal("1.3.182.2.12.10000734");
    expect(q.demographics).to.deep.include({ birthTime: "19920314", gender: "F" });
    expect(q.demographics.names[0]).to.deep.include({ family: "Muller", given: ["Sophie"] });
    expect(q.creationTime).to.match(/^20261127100000/);
  });

  it("XCPD query without demographics has none", () => {
    const q = parseXcpdQuery(root(buildXcpdQuery({ senderDeviceId: "2.16.56.1", receiverDeviceId: "1.2.3", now: new Date(), ids: [{ root: "1.2.3.4", extension: "A1" }] })));
    expect(q.hasDemographics).to.equal(false);
  });

  it("FindDocuments: patient CX, Approved, the class code of the service, LeafClass; any patient id survives quoting", () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9.'-]{1,20}$/), (id) => {
      const q = parseFindDocuments(root(buildFindDocumentsQuery({ patient: { id, oid: PATIENT.oid }, classCodes: ["60591-5"], homeCommunityId: "urn:oid:1.3.182.2.12.10000734" })));
      expect(formatCx(q.patient)).to.equal(formatCx({ id, oid: PATIENT.oid }));
      expect(q.statuses).to.deep.equal([APPROVED_STATUS]);
      expect(q.classCodes).to.deep.equal([{ code: "60591-5", scheme: "2.16.840.1.113883.6.1" }]);
      expect(q.returnType).to.equal("LeafClass");
      expect(q.homeCommunityId).to.equal("urn:oid:1.3.182.2.12.10000734");
    }), { numRuns: 50 });
  });

  it("RetrieveDocumentSetRequest: one DocumentRequest per document; none is refused", () => {
    const asked = [{ homeCommunityId: "urn:oid:1.3.182.2.12.10000734", repositoryUniqueId: "1.3.182.2.12.10000734", documentUniqueId: "1.2.3^abc" }];
    expect(parseRetrieveRequest(root(buildRetrieveRequest(asked)))).to.deep.equal(asked);
    expect(() => buildRetrieveRequest([])).to.throw();
  });

  for (const mtom of [true, false]) {
    it(`ProvideAndRegister of an eD (${mtom ? "MTOM" : "inline"}): metadata, intent and the document bytes`, () => {
      const content = Buffer.from("<ClinicalDocument xmlns=\"urn:hl7-org:v3\">é</ClinicalDocument>");
      const { body, attachments } = buildProvideAndRegister({ uniqueId: "2.16.56.1^ed-1", patient: PATIENT, intent: "dispense", sourceId: "2.16.56.1", submissionUniqueId: "2.25.42", languageCode: "nl-BE", now: new Date("2026-11-27T10:00:00Z"), content, mtom });
      const envelope = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>${serialize(body, { declaration: false })}</env:Body></env:Envelope>`;
      const http = mtom ? buildMtom(envelope, attachments) : plainSoapBody(envelope);
      const transport = readSoapTransport(http.body, http.contentType, { maxBytes: 1 << 20 });
      const message = (parseDocument(transport.envelope).documentElement!.getElementsByTagNameNS("urn:ihe:iti:xds-b:2007", "ProvideAndRegisterDocumentSetRequest")[0]) as unknown as Element;
      const read = parseProvideAndRegister(message, transport.attachments);
      expect(read.documents).to.have.length(1);
      const d = read.documents[0]!;
      expect(d.uniqueId).to.equal("2.16.56.1^ed-1");
      expect(formatCx(d.patient)).to.equal(formatCx(PATIENT));
      expect(edIntent(d)).to.equal("dispense");
      expect(d.languageCode).to.equal("nl-BE");
      expect(d.bytes.equals(content)).to.equal(true);
      expect(read.submission).to.deep.include({ uniqueId: "2.25.42", sourceId: "2.16.56.1", patientId: formatCx(PATIENT) });
    });
  }

  it("a discard submission reads as a discard", () => {
    const { body } = buildProvideAndRegister({ uniqueId: "2.16.56.1^ed-1", patient: PATIENT, intent: "discard", sourceId: "2.16.56.1", submissionUniqueId: "2.25.43", languageCode: "nl-BE", now: new Date(), content: Buffer.from("<x/>"), mtom: false });
    expect(edIntent(parseProvideAndRegister(root(body), new Map()).documents[0]!)).to.equal("discard");
  });
});

describe("a foreign ePrescription read for dispensing, and the dispensation checked against it", () => {
  const ctx = testContext();
  const p = prescription();
  const ep = parseEPrescription(buildEPrescriptionL3(p, ctx));

  it("reads the prescription id, the items (root^extension), packages still to dispense and substitution", () => {
    expect(ep.id).to.equal(`${ctx.documentIdRoot}^${p.id}`);
    expect(ep.items.map((i) => i.id)).to.deep.equal(p.items.map((i) => `${ctx.documentIdRoot}^${i.id}`));
    expect(ep.items.map((i) => i.packages)).to.deep.equal(p.items.map((i) => (i.packages - i.packagesDispensed >= 1 ? i.packages - i.packagesDispensed : i.packages)));
    expect(ep.items.map((i) => i.substitutionAllowed)).to.deep.equal(p.items.map((i) => i.substitutionAllowed));
    expect(ep.items[0]!.productName).to.equal(p.items[0]!.product.name);
  });

  it("refuses a document that is not an eP, naming the template", () => {
    try {
      parseEPrescription("<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><templateId root=\"1.2.3\"/></ClinicalDocument>");
      expect.fail("parsed");
    } catch (e) {
      expect(isPasserelleError(e, ErrorCode.DocumentInvalid)).to.equal(true);
    }
  });

  const dispensation = (over: Partial<Dispensation["items"][number]> = {}): Dispensation => ({
    id: "ed-1", prescriptionId: p.id, patient: p.patient, dispenser: { name: { family: "Claes", given: ["Jan"] } }, time: "2026-11-27T10:00:00Z",
    items: [{ prescriptionItemId: p.items[0]!.id, product: p.items[0]!.product, packages: 1, substituted: false, ...over }],
  });

  it("takes the eP's ids (bare national ids accepted) and builds an eD LU reads back to the same prescription", () => {
    const d = againstPrescription(dispensation(), ep);
    expect(d.prescriptionId).to.equal(ep.id);
    expect(d.items[0]!.prescriptionItemId).to.equal(ep.items[0]!.id);
    const back = parseEDispensation(buildEDispensationL3(d, testContext({ documentIdRoot: "2.16.56.1.1.1.4" })));
    expect(back.prescriptionId).to.equal(p.id);
    expect(back.items[0]!.prescriptionItemId).to.equal(p.items[0]!.id);
  });

  it("refuses an unknown item, more packages than prescribed, and a substitution the prescriber forbade", () => {
    expect(() => againstPrescription(dispensation({ prescriptionItemId: "nope" }), ep)).to.throw(/has no item/);
    expect(() => againstPrescription(dispensation({ packages: ep.items[0]!.packages + 1 }), ep)).to.throw(/packages dispensed/);
    const forbidding = { ...ep, items: ep.items.map((i) => ({ ...i, substitutionAllowed: false })) };
    expect(() => againstPrescription(dispensation({ substituted: true }), forbidding)).to.throw(/substitution is not allowed/);
  });
});

describe("country B decisions", () => {
  it("a document is about the patient: same id; same value under another domain of the partner; never a conflict", () => {
    const asked = { system: "1.3.182.2.12.10000734.6.1", value: "1992031411227" };
    expect(aboutPatient([asked], asked)).to.equal(true);
    expect(aboutPatient([{ system: "1.3.182.4.4", value: "1992031411227" }], asked)).to.equal(true);
    expect(aboutPatient([{ system: "1.3.182.4.4", value: "1968101545978" }], asked)).to.equal(false);
    expect(aboutPatient([{ system: "1.3.182.4.4", value: "1992031411227" }, { system: asked.system, value: "1968101545978" }], asked)).to.equal(false);
    expect(aboutPatient([], asked)).to.equal(false);
  });

  it("XCPD errors: acknowledgement details first (warnings and informations left out), then issue codes except AnswerNotAvailable", () => {
    const items = xcpdErrorItems({
      messageId: { root: "1" }, acknowledgement: "AA", targetMessageId: undefined, queryResponseCode: "NF", patients: [],
      details: [{ code: "WARNING_PI_NO_CONSENT", text: "no consent" }, { code: "X", typeCode: "W" }],
      issues: [{ code: "AnswerNotAvailable", codeSystem: undefined }, { code: "InsufficientRights", codeSystem: "1.3.6.1.4.1.12559.11.10.1.3.2.2.1" }],
    });
    expect(items.map((i) => i.code)).to.deep.equal(["WARNING_PI_NO_CONSENT", "InsufficientRights"]);
  });

  it("eHDSI codes: numeric and ERROR_/WARNING_ names; our own and network codes are not", () => {
    for (const c of ["4701", "1102", "ERROR_PS_NO_CONSENT", "WARNING_PI_NO_CONSENT"]) expect(isEhdsiCode(c), c).to.equal(true);
    for (const c of ["TRANSPORT_FAILURE", "ECONNREFUSED", "SIGNATURE_INVALID", "470"]) expect(isEhdsiCode(c), c).to.equal(false);
  });
});
