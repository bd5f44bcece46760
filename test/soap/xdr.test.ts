import { expect } from "chai";
import type { Element } from "@xmldom/xmldom";
import { readdirSync, readFileSync } from "node:fs";
import { isPasserelleError } from "../../src/shared/errors";
import { serialize } from "../../src/shared/xml";
import { parseEnvelope, buildResponseEnvelope, parseResponseEnvelope } from "../../src/soap/envelope";
import { readSoapTransport } from "../../src/soap/mtom";
import { Actions, SOAP12_NS, WSA_NS } from "../../src/soap/namespaces";
import { buildRegistryResponse, edIntent, parseProvideAndRegister, parseRegistryResponse } from "../../src/soap/xdr/messages";
import { readXml } from "../../src/soap/xml-read";
import { ehdsiPath } from "../helpers/ehdsi";
import { sample } from "./samples";

const LIMITS = { maxBytes: 5 * 1024 * 1024 };
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

/** A request body wrapped in a SOAP 1.2 envelope with the XDR action. */
function envelope(body: string): string {
  return `<env:Envelope xmlns:env="${SOAP12_NS}" xmlns:wsa="${WSA_NS}"><env:Header><wsa:Action env:mustUnderstand="true">${Actions.xdr.request}</wsa:Action><wsa:MessageID>urn:uuid:x1</wsa:MessageID></env:Header><env:Body>${body.replace(/^<\?xml[^?]*\?>/, "")}</env:Body></env:Envelope>`;
}

describe("soap/xdr: reading ProvideAndRegisterDocumentSetRequest", () => {
  it("reads the gematik eDispensation submission (inline base64)", () => {
    const r = parseProvideAndRegister(root(sample("gematik", "ProvideAndRegisterDocumentSetRequest.xml")), new Map());
    expect(r.submission).to.deep.include({ id: "urn:uuid:15cd166f-5d2b-4e18-b9b2-71f41eaebaf6", uniqueId: "2.16.840.1.113883.2.11.300.451", sourceId: "1.3.6.1.4.1.21367.2009.1.2.1", submissionTime: "20230626032026", contentTypeCode: "60593-1" });
    expect(r.documents).to.have.length(1);
    const d = r.documents[0]!;
    expect(d).to.deep.include({ id: "urn:uuid:f8d6175f-3bb7-46e9-ac09-606383dcabab", uniqueId: "1.3.6.1.4.1.28284.6.2.4.4^3y5COceLhApapiKC", classCode: "60593-1", typeCode: "60593-1", formatCode: "urn:epSOS:ep:dis:2010", mimeType: "text/xml", languageCode: "lt-LT" });
    expect(d.patient).to.deep.equal({ id: "B123456789|A2C4E6", oid: "1.2.276.0.76.3.1.580.147" });
    expect(d.bytes.toString("utf8")).to.match(/^<ClinicalDocument xmlns="urn:hl7-org:v3"/);
    expect(edIntent(d)).to.equal("dispense");
  });

  it("reads the openncp eDispensation and consent submissions (submission set named by objectType only)", () => {
    const ed = parseProvideAndRegister(root(sample("openncp", "testSubmitED.xml")), new Map());
    expect(ed.submission.id).to.equal("SubmissionSet");
    expect(ed.documents[0]!.patient).to.deep.equal({ id: "NTSDTT80A18G273W", oid: "2.16.840.1.113883.2.9.4.3.2" });
    expect(ed.documents[0]!.bytes.toString("utf8")).to.include("<ClinicalDocument");
    expect(edIntent(ed.documents[0]!)).to.equal("dispense");
    const consent = parseProvideAndRegister(root(sample("openncp", "testSubmitConsent.xml")), new Map());
    expect(consent.documents[0]!.classCode).to.equal("57016-8");
    expect(edIntent(consent.documents[0]!)).to.equal(undefined);
  });

  it("reads a discard, and a submission whose document travels as an MTOM part (LF-framed)", () => {
    const discard = sample("gematik", "ProvideAndRegisterDocumentSetRequest.xml").replace(/nodeRepresentation="60593-1"/g, 'nodeRepresentation="DISCARD-60593-1"').replace('nodeRepresentation="urn:epSOS:ep:dis:2010"', 'nodeRepresentation="urn:eHDSI:ed:discard:2020"');
    expect(edIntent(parseProvideAndRegister(root(discard), new Map()).documents[0]!)).to.equal("discard");

    const inline = sample("gematik", "ProvideAndRegisterDocumentSetRequest.xml");
    const b64 = /<xds:Document id="[^"]*">\s*([^<]*)<\/xds:Document>/.exec(inline)![1]!;
    const cda = Buffer.from(b64.replace(/\s+/g, ""), "base64");
    const withXop = inline.replace(b64, '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:ed%401"/>');
    const pkg = Buffer.concat([
      Buffer.from(`--B\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\nContent-ID: <root@1>\n\n${envelope(withXop)}\n--B\nContent-Type: text/xml\nContent-ID: <ed@1>\n\n`),
      cda,
      Buffer.from("\n--B--\n"),
    ]);
    const t = readSoapTransport(pkg, 'multipart/related; type="application/xop+xml"; boundary=B; start="<root@1>"', LIMITS);
    const r = parseProvideAndRegister(parseEnvelope(t.envelope, LIMITS).body, t.attachments);
    expect(r.documents[0]!.bytes.equals(cda)).to.equal(true);
  });

  it("refuses a Document without entry, an entry without Document, a bad patient id, two or no submission sets", () => {
    const g = sample("gematik", "ProvideAndRegisterDocumentSetRequest.xml");
    const orphan = g.replace('<xds:Document id="urn:uuid:f8d6175f-3bb7-46e9-ac09-606383dcabab">', '<xds:Document id="urn:uuid:other">');
    expect(failure(() => parseProvideAndRegister(root(orphan), new Map())).message).to.match(/no Document for DocumentEntry/);
    const extra = g.replace("</xds:ProvideAndRegisterDocumentSetRequest>", '<xds:Document id="urn:uuid:extra">QUJD</xds:Document></xds:ProvideAndRegisterDocumentSetRequest>');
    expect(failure(() => parseProvideAndRegister(root(extra), new Map())).message).to.match(/urn:uuid:extra has no DocumentEntry/);
    const badCx = g.replace(/value="B123456789\|A2C4E6\^\^\^&amp;1.2.276.0.76.3.1.580.147&amp;ISO">\s*<Name>\s*<LocalizedString value="XDSDocumentEntry.patientId"/, 'value="B123456789">\n<Name><LocalizedString value="XDSDocumentEntry.patientId"');
    expect(failure(() => parseProvideAndRegister(root(badCx), new Map())).reason).to.equal("cx");
    const noSet = g.replace(/objectType="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"/, 'objectType="urn:uuid:other"').replace(/classificationNode="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"/, 'classificationNode="urn:uuid:other"');
    expect(failure(() => parseProvideAndRegister(root(noSet), new Map())).message).to.match(/one SubmissionSet, found 0/);
    const notB64 = g.replace(/(<xds:Document id="[^"]*">\s*)P/, "$1*");
    expect(failure(() => parseProvideAndRegister(root(notB64), new Map())).reason).to.equal("encoding");
  });

  it("reads every foreign eDispensation wrapped in the gematik submission", () => {
    const dir = ehdsiPath("cda", "edispensation-foreign");
    const g = sample("gematik", "ProvideAndRegisterDocumentSetRequest.xml");
    const b64 = /<xds:Document id="[^"]*">\s*([^<]*)<\/xds:Document>/.exec(g)![1]!;
    const files = readdirSync(dir).filter((f) => f.endsWith(".xml"));
    expect(files.length).to.be.greaterThan(3);
    for (const f of files) {
      const bytes = readFileSync(`${dir}/${f}`);
      const r = parseProvideAndRegister(parseEnvelope(envelope(g.replace(b64, bytes.toString("base64"))), LIMITS).body, new Map());
      expect(r.documents[0]!.bytes.equals(bytes), f).to.equal(true);
    }
  });
});

describe("soap/xdr: RegistryResponse", () => {
  it("writes Success like the gematik answer, and Failure with the errors", () => {
    const ok = parseRegistryResponse(root(serialize(buildRegistryResponse())));
    expect(ok).to.deep.equal({ status: "success", errors: [] });
    expect(parseRegistryResponse(root(sample("gematik", "ProvideAndRegisterDocumentSetResponse.xml")))).to.deep.equal(ok);
    const failed = buildResponseEnvelope({ action: Actions.xdr.response, relatesTo: "urn:uuid:x1" }, buildRegistryResponse([{ errorCode: "ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", codeContext: "prescription 77 is already dispensed", location: "1.3.6.1.4.1.28284.6.2.4.4^3y5COceLhApapiKC" }]));
    const env = parseResponseEnvelope(failed, LIMITS);
    expect(env.addressing.relatesTo).to.equal("urn:uuid:x1");
    expect(parseRegistryResponse(env.body)).to.deep.equal({
      status: "failure",
      errors: [{ errorCode: "ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", codeContext: "prescription 77 is already dispensed", location: "1.3.6.1.4.1.28284.6.2.4.4^3y5COceLhApapiKC", severity: "error" }],
    });
  });
});
