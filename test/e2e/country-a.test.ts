// Country A end to end over real mutual TLS: a foreign gateway (foreign_gateway.py: lxml, python-xmlsec,
// its own PKI registered as partner DK) asks the running gateway for XCPD, XCA query and XCA retrieve
// (MTOM and inline) for each demo patient, the consent-denied and the not-found cases; the retrieved
// documents' seals verify with xmlsec1 against our CA; what is not a valid request gets a SOAP fault.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { auditTrailOf, rawMessagesOf } from "../../src/audit/module";
import { cx, HOME, NATIONAL_ROOT, REPOSITORY, startE2E, type E2E, type ForeignAnswer } from "./foreign-gateway";
import { value, values } from "./xpath";

const CONSENTING = { sophie: "1992031411227", jeanPaul: "1975082223407", marguerite: "1948050305678", luc: "2001091732174", marie: "1968101545978" } as const;
const NO_CONSENT = "1937010112347"; // Henri Wagner
const UNKNOWN = "1990010100116"; // a valid matricule nobody has

const status = (a: ForeignAnswer) => value(a.envelope, "//rs:RegistryResponse/@status | //query:AdhocQueryResponse/@status");
const errorCodes = (a: ForeignAnswer) => values(a.envelope, "//rs:RegistryError/@errorCode");

function xmlsec1Verify(root: string, name: string, xml: string, caFile: string): { ok: boolean; output: string } {
  const file = join(root, name);
  writeFileSync(file, xml);
  const r = spawnSync("xmlsec1", ["--verify", "--trusted-pem", caFile, file], { encoding: "utf8" });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

describe("country A end to end (mutual TLS, a foreign gateway in Python + xmlsec)", function () {
  this.timeout(300_000);
  let e: E2E;
  before(async () => {
    e = await startE2E();
  });
  after(async () => {
    await e?.stop();
  });

  describe("XCPD", () => {
    for (const [name, matricule] of Object.entries(CONSENTING)) {
      it(`finds ${name} by matricule: OK, the patient under our eHDSI domain, response Action + RelatesTo`, async () => {
        const a = await e.send({ transaction: "xcpd", service: "xcpd", ids: [[NATIONAL_ROOT, matricule]] });
        expect(a.status).to.equal(200);
        expect(a.action).to.equal("urn:hl7-org:v3:PRPA_IN201306UV02:CrossGatewayPatientDiscovery");
        expect(a.relates_to).to.equal(a.message_id);
        expect(value(a.envelope, "//hl7:queryAck/hl7:queryResponseCode/@code")).to.equal("OK");
        expect(value(a.envelope, "//hl7:subject1/hl7:patient/hl7:id/@extension")).to.equal(matricule);
      });
    }
    it("a patient without consent is not returned: NF + InsufficientRights", async () => {
      const a = await e.send({ transaction: "xcpd", service: "xcpd", ids: [[NATIONAL_ROOT, NO_CONSENT]] });
      expect(value(a.envelope, "//hl7:queryAck/hl7:queryResponseCode/@code")).to.equal("NF");
      expect(values(a.envelope, "//hl7:detectedIssueManagement/hl7:code/@code")).to.include("InsufficientRights");
      expect(values(a.envelope, "//hl7:subject1")).to.have.length(0);
    });
    it("an unknown patient: NF + AnswerNotAvailable", async () => {
      const a = await e.send({ transaction: "xcpd", service: "xcpd", ids: [[NATIONAL_ROOT, UNKNOWN]] });
      expect(value(a.envelope, "//hl7:queryAck/hl7:queryResponseCode/@code")).to.equal("NF");
      expect(values(a.envelope, "//hl7:detectedIssueManagement/hl7:code/@code")).to.include("AnswerNotAvailable");
    });
    it("demographics only: AE + DemographicsQueryNotAllowed", async () => {
      const a = await e.send({ transaction: "xcpd", service: "xcpd", ids: [], birth_time: "19920314" });
      expect(value(a.envelope, "//hl7:acknowledgement/hl7:typeCode/@code")).to.equal("AE");
      expect(values(a.envelope, "//hl7:detectedIssueManagement/hl7:code/@code")).to.include("DemographicsQueryNotAllowed");
    });
    it("an HCP assertion without the XCPD permission is refused (AE), not a crash", async () => {
      const a = await e.send({ transaction: "xcpd", service: "xcpd", hcp: { permissions: ["PRD-003"] }, ids: [[NATIONAL_ROOT, CONSENTING.sophie]] });
      expect(a.status).to.equal(200);
      expect(value(a.envelope, "//hl7:acknowledgement/hl7:typeCode/@code")).to.equal("AE");
      expect(values(a.envelope, "//hl7:subject1")).to.have.length(0);
    });
  });

  describe("XCA query and retrieve", () => {
    const listed = new Map<string, string[]>();
    for (const [name, matricule] of Object.entries(CONSENTING)) {
      it(`lists ${name}'s PS: an L3 and an L1 entry linked by XFRM`, async () => {
        const a = await e.send({ transaction: "xca-query", service: "ps", patient: cx(matricule), trc_patient: cx(matricule), class_code: "60591-5" });
        expect(a.action).to.equal("urn:ihe:iti:2007:CrossGatewayQueryResponse");
        expect(a.relates_to).to.equal(a.message_id);
        const formats = values(a.envelope, "//rim:ExtrinsicObject/rim:Classification[@classificationScheme='urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d']/@nodeRepresentation");
        const ids = values(a.envelope, "//rim:ExtrinsicObject/rim:ExternalIdentifier[@identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value");
        if (ids.length === 2) {
          expect(status(a)).to.equal("urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success");
          expect(formats).to.have.members(["urn:epSOS:ps:ps:2010", "urn:ihe:iti:xds-sd:pdf:2008"]);
          expect(values(a.envelope, "//rim:Association[@associationType='urn:ihe:iti:2007:AssociationType:XFRM']/@sourceObject")).to.have.length(1);
        } else {
          // A PS withheld for a missing mapping: the L1 only, with the eHDSI warning.
          expect(errorCodes(a)).to.include("ERROR_PS_MISSING_EXPECTED_MAPPING");
        }
        listed.set(matricule, ids);
      });
    }
    it("lists Marie Kieffer's ePrescriptions with open/closed event codes", async () => {
      const a = await e.send({ transaction: "xca-query", service: "ep", patient: cx(CONSENTING.marie), trc_patient: cx(CONSENTING.marie), class_code: "57833-6" });
      expect(status(a)).to.equal("urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success");
      expect(values(a.envelope, "//rim:ExtrinsicObject")).to.have.length(6);
      const events = values(a.envelope, "//rim:Classification[@classificationScheme='urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4']/@nodeRepresentation");
      expect(events).to.include("urn:ihe:iti:xdw:2011:eventCode:open");
      expect(events).to.include("urn:ihe:iti:xdw:2011:eventCode:closed");
    });
    it("consent denied: Failure with ERROR_PS_NO_CONSENT (4701), for the PS and the eP", async () => {
      for (const [service, classCode, code] of [["ps", "60591-5", "ERROR_PS_NO_CONSENT"], ["ep", "57833-6", "ERROR_EP_NO_CONSENT"]] as const) {
        const a = await e.send({ transaction: "xca-query", service, patient: cx(NO_CONSENT), trc_patient: cx(NO_CONSENT), class_code: classCode });
        expect(status(a)).to.equal("urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure");
        expect(errorCodes(a)).to.deep.equal([code]);
        expect(value(a.envelope, "//rs:RegistryError/@codeContext")).to.match(/^4701/);
      }
    });
    it("an unknown patient (no consent recorded, no record): Failure 4701, nothing disclosed", async () => {
      const a = await e.send({ transaction: "xca-query", service: "ps", patient: cx(UNKNOWN), trc_patient: cx(UNKNOWN), class_code: "60591-5" });
      expect(status(a)).to.equal("urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure");
      expect(values(a.envelope, "//rim:ExtrinsicObject")).to.have.length(0);
    });
    it("an unsupported class code: 4202", async () => {
      const a = await e.send({ transaction: "xca-query", service: "ps", patient: cx(CONSENTING.sophie), trc_patient: cx(CONSENTING.sophie), class_code: "34133-9" });
      expect(errorCodes(a)).to.deep.equal(["4202"]);
    });
    it("a TRC for another patient: 4206", async () => {
      const a = await e.send({ transaction: "xca-query", service: "ps", patient: cx(CONSENTING.sophie), trc_patient: cx(CONSENTING.marie), class_code: "60591-5" });
      expect(errorCodes(a)).to.deep.equal(["4206"]);
    });
    for (const mtom of [true, false]) {
      it(`retrieves each listed PS document (${mtom ? "MTOM" : "inline base64"}); the L3 seal verifies with xmlsec1`, async () => {
        for (const [matricule, ids] of listed) {
          const a = await e.send({ transaction: "xca-retrieve", service: "ps", trc_patient: cx(matricule), home: HOME, repository: REPOSITORY, documents: ids, mtom });
          expect(a.action).to.equal("urn:ihe:iti:2007:CrossGatewayRetrieveResponse");
          expect(a.content_type.startsWith("multipart/related")).to.equal(mtom);
          expect(a.documents!.map((d) => d.uniqueId)).to.have.members(ids);
          for (const d of a.documents!) {
            expect(d.transfer).to.equal(mtom ? "mtom" : "inline");
            const xml = Buffer.from(d.content_b64, "base64").toString("utf8");
            const v = xmlsec1Verify(e.root, `retrieved-${matricule}-${mtom}.xml`, xml, e.serverCa);
            expect(v.ok, v.output).to.equal(true);
          }
        }
      });
    }
    it("retrieves Marie Kieffer's ePrescriptions (L3 and L1); each seal verifies with xmlsec1", async () => {
      const q = await e.send({ transaction: "xca-query", service: "ep", patient: cx(CONSENTING.marie), trc_patient: cx(CONSENTING.marie), class_code: "57833-6" });
      const ids = values(q.envelope, "//rim:ExtrinsicObject/rim:ExternalIdentifier[@identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value");
      const a = await e.send({ transaction: "xca-retrieve", service: "ep", trc_patient: cx(CONSENTING.marie), home: HOME, repository: REPOSITORY, documents: ids, mtom: true });
      expect(a.documents!.map((d) => d.uniqueId)).to.have.members(ids);
      for (const d of a.documents!) {
        const xml = Buffer.from(d.content_b64, "base64").toString("utf8");
        expect(xml).to.contain('code="57833-6"');
        const v = xmlsec1Verify(e.root, "retrieved-ep.xml", xml, e.serverCa);
        expect(v.ok, v.output).to.equal(true);
      }
    });
    it("the same ids on a second query while the records are unchanged", async () => {
      const a = await e.send({ transaction: "xca-query", service: "ps", patient: cx(CONSENTING.sophie), trc_patient: cx(CONSENTING.sophie), class_code: "60591-5" });
      expect(values(a.envelope, "//rim:ExternalIdentifier[@identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value")).to.have.members(listed.get(CONSENTING.sophie)!);
    });
    it("another patient's document is missing to a TRC for Marie", async () => {
      const a = await e.send({ transaction: "xca-retrieve", service: "ps", trc_patient: cx(CONSENTING.marie), home: HOME, repository: REPOSITORY, documents: listed.get(CONSENTING.sophie)!.slice(0, 1) });
      expect(a.documents).to.deep.equal([]);
      expect(errorCodes(a)).to.deep.equal(["ERROR_GENERIC_DOCUMENT_MISSING"]);
    });
  });

  describe("evidence", () => {
    it("every exchange is in the hash-chained audit trail (failures too), with its raw messages", async () => {
      const trail = auditTrailOf(e.gateway.context);
      await trail.flush();
      expect((await trail.verifyChain()).ok).to.equal(true);
      const events = (await trail.query({ types: ["EHDSI-11", "EHDSI-21", "EHDSI-22", "EHDSI-31"], limit: 1000 })).events;
      const seen = new Set(events.map((ev) => `${ev.type}/${ev.outcome}`));
      for (const t of ["EHDSI-11/success", "EHDSI-11/failure", "EHDSI-21/success", "EHDSI-21/failure", "EHDSI-22/success", "EHDSI-22/failure", "EHDSI-31/success", "EHDSI-31/failure"]) expect(seen, t).to.include(t);
      const retrieve = events.find((ev) => ev.type === "EHDSI-22" && ev.outcome === "success")!;
      expect(retrieve.who?.partnerCountry).to.equal("DK");
      expect(retrieve.who?.role).to.equal("221");
      expect(retrieve.patientId).to.match(/\^\^\^&1\.3\.182\.2\.12\.10000734\.6\.1&ISO$/);
      expect(retrieve.documentIds!.length).to.be.greaterThan(0);
      expect(retrieve.durationMs).to.be.a("number");
      const denied = events.find((ev) => ev.type === "EHDSI-21" && ev.errorCode === "ERROR_PS_NO_CONSENT");
      expect(denied, "the consent refusal is audited").to.not.equal(undefined);
      const raw = await rawMessagesOf(e.gateway.context).forExchange(retrieve.exchangeId!);
      expect(raw.map((m) => m.direction)).to.have.members(["inbound", "outbound"]);
    });
  });

  describe("not even a valid request: SOAP faults", () => {
    it("an unknown Action: Sender fault wsa:ActionNotSupported", async () => {
      const a = await e.send({ transaction: "xcpd", service: "xcpd", action: "urn:example:Nope", ids: [[NATIONAL_ROOT, CONSENTING.sophie]] });
      expect(a.status).to.equal(400);
      expect(value(a.envelope, "//env:Fault/env:Code/env:Subcode/env:Value")).to.equal("wsa:ActionNotSupported");
    });
    it("garbage, a DOCTYPE, an empty body: faults, never a crash", async () => {
      for (const payload of ["not xml at all", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', ""]) {
        const a = await e.send({ transaction: "xcpd", service: "xcpd", ids: [], raw_payload_b64: Buffer.from(payload).toString("base64"), content_type: "application/soap+xml" });
        expect(a.status, payload).to.equal(400);
        expect(value(a.envelope, "//env:Fault/env:Code/env:Value")).to.equal("env:Sender");
      }
    });
    it("serves the WSDL at ?wsdl, its address where it is served", async () => {
      const https = await import("node:https");
      const { readFileSync } = await import("node:fs");
      for (const name of ["xcpd", "xca", "xdr"]) {
        const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = https.request({ host: "127.0.0.1", port: e.gateway.ports.partner, path: `/ncp/${name}?wsdl`, ca: readFileSync(e.serverCa), cert: readFileSync(e.pki.tls_cert), key: readFileSync(e.pki.tls_key), servername: "localhost" }, (res) => {
            let text = "";
            res.on("data", (d: Buffer) => (text += d.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          });
          req.on("error", reject);
          req.end();
        });
        expect(status).to.equal(200);
        expect(body).to.contain(`/ncp/${name}"`);
        expect(body).to.contain("wsdl:definitions");
      }
    });
  });
});
