// The country-A use cases over the real national store, consent service, document pipeline and audit
// trail (harness.ts): XCPD rules, XCA query/retrieve (consent before any national read, L3+L1 linked
// by XFRM, stable ids, withheld documents), XDR submit/resubmit/discard and the deferred delivery
// when the national adapter hangs.
import { expect } from "chai";
import type { Prescription } from "../../src/canonical/model";
import { discardDispensation } from "../../src/country-a/discard-dispensation";
import { discoverPatient } from "../../src/country-a/discover-patient";
import { queryDocuments, type QueryResult } from "../../src/country-a/query-documents";
import { retrieveDocuments, retrieveTargets } from "../../src/country-a/retrieve-document";
import { deliverDispensation, submitDispensation } from "../../src/country-a/submit-dispensation";
import { patientRefOfCx } from "../../src/country-a/patient-id";
import { buildEDispensationL3 } from "../../src/documents/cda/edispensation";
import type { NationalRecords } from "../../src/national/port";
import { cx, DOMAINS, harness, PATIENTS, requester, type Harness } from "./harness";

describe("country A use cases", function () {
  this.timeout(120_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });

  describe("XCPD discoverPatient", () => {
    it("finds a consenting patient by matricule (national root and eHDSI domain)", async () => {
      for (const root of [DOMAINS.national, DOMAINS.ehdsi]) {
        const r = await discoverPatient(h.ports, requester(), { ids: [{ root, extension: PATIENTS.sophie }] });
        expect(r.ok && r.value.response).to.equal("OK");
        if (r.ok && r.value.response === "OK") expect(r.value.ref.cx).to.equal(cx(PATIENTS.sophie));
      }
    });
    it("refuses demographics-only queries", async () => {
      const r = await discoverPatient(h.ports, requester(), { ids: [], birthDate: "1992-03-14" });
      expect(r.ok && r.value.response).to.equal("AE");
      expect(r.ok && r.value.issues[0]!.code).to.equal("DemographicsQueryNotAllowed");
    });
    it("answers NF + AnswerNotAvailable for an unknown or foreign identifier", async () => {
      for (const id of [{ root: DOMAINS.national, extension: "1990010100116" }, { root: "1.2.208.176.1.2", extension: "0101901234" }, { root: DOMAINS.national, extension: "123" }]) {
        const r = await discoverPatient(h.ports, requester(), { ids: [id] });
        expect(r.ok && r.value.response, JSON.stringify(id)).to.equal("NF");
        expect(r.ok && r.value.issues[0]!.code).to.equal("AnswerNotAvailable");
      }
    });
    it("refuses identifiers naming different patients", async () => {
      const r = await discoverPatient(h.ports, requester(), { ids: [{ root: DOMAINS.national, extension: PATIENTS.sophie }, { root: DOMAINS.ehdsi, extension: PATIENTS.marie }] });
      expect(r.ok && r.value.response).to.equal("AE");
    });
    it("does not return a patient without consent (InsufficientRights / WARNING_PI_NO_CONSENT)", async () => {
      const r = await discoverPatient(h.ports, requester(), { ids: [{ root: DOMAINS.national, extension: PATIENTS.henri }] });
      expect(r.ok).to.equal(false);
      if (!r.ok) {
        expect(r.error.errorCode).to.equal("InsufficientRights");
        expect(r.error.context).to.contain("WARNING_PI_NO_CONSENT");
      }
    });
  });

  describe("XCA queryDocuments / retrieveDocuments", () => {
    let sophie: QueryResult;
    it("lists a PS as an L3 and an L1 linked by XFRM", async () => {
      const r = await queryDocuments(h.ports, requester(), { patientId: cx(PATIENTS.sophie), classCodes: ["60591-5"] });
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      sophie = r.value;
      expect(r.value.documents.map((d) => d.level)).to.deep.equal(["L3", "L1"]);
      const [l3, l1] = r.value.documents;
      expect(r.value.transforms).to.deep.equal([{ source: l1!.uniqueId, target: l3!.uniqueId }]);
      expect(l3!.xml).to.contain("<ds:Signature");
      expect(l1!.xml).to.contain("application/pdf");
    });
    it("gives the same ids while the record is unchanged, without building again", async () => {
      const builds = h.ports.documents.builds;
      const r = await queryDocuments(h.ports, requester(), { patientId: cx(PATIENTS.sophie, DOMAINS.national), classCodes: ["60591-5"] });
      expect(r.ok && r.value.documents.map((d) => d.uniqueId)).to.deep.equal(sophie.documents.map((d) => d.uniqueId));
      expect(h.ports.documents.builds).to.equal(builds);
    });
    it("refuses an unsupported class code with 4202", async () => {
      const r = await queryDocuments(h.ports, requester(), { patientId: cx(PATIENTS.sophie), classCodes: ["34133-9"] });
      expect(!r.ok && r.error.code).to.equal("4202");
    });
    it("consent denied: 4701 and the national record is NOT read", async () => {
      for (const classCode of ["60591-5", "57833-6"]) {
        const before = h.national.total();
        const r = await queryDocuments(h.ports, requester(), { patientId: cx(PATIENTS.henri), classCodes: [classCode] });
        expect(!r.ok && r.error.code).to.equal("4701");
        expect(!r.ok && r.error.errorCode).to.equal(classCode === "60591-5" ? "ERROR_PS_NO_CONSENT" : "ERROR_EP_NO_CONSENT");
        expect(h.national.total(), `national calls ${JSON.stringify([...h.national.calls])}`).to.equal(before);
      }
    });
    it("lists ePrescriptions with their metadata (open/closed, substitution)", async () => {
      const r = await queryDocuments(h.ports, requester(), { patientId: cx(PATIENTS.marie), classCodes: ["57833-6"] });
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      const l3 = r.value.documents.filter((d) => d.level === "L3");
      expect(l3.length).to.equal(3);
      expect(l3.map((d) => d.prescription!.dispensable).sort()).to.deep.equal([false, true, true]);
      expect(l3.some((d) => d.prescription!.substitution.includes("N"))).to.equal(true);
      expect(r.value.transforms.length).to.equal(3);
    });
    it("retrieves the sealed L3 and the L1 by uniqueId", async () => {
      const ref = patientRefOfCx(cx(PATIENTS.sophie), DOMAINS)!;
      const targets = await retrieveTargets(h.ports, sophie.documents.map((d) => d.uniqueId));
      const r = await retrieveDocuments(h.ports, requester(), ref, targets);
      expect(r.ok && r.value.documents.map((d) => d.uniqueId)).to.deep.equal(sophie.documents.map((d) => d.uniqueId));
    });
    it("an id never offered, or offered for another patient, is missing", async () => {
      const marie = patientRefOfCx(cx(PATIENTS.marie), DOMAINS)!;
      const r = await retrieveDocuments(h.ports, requester(), marie, await retrieveTargets(h.ports, [sophie.documents[0]!.uniqueId, "1.2.3^nope"]));
      expect(!r.ok && r.error.errorCode).to.equal("ERROR_GENERIC_DOCUMENT_MISSING");
    });
    it("a PS with an unmapped allergy agent: the document engine decides (withheld with ERROR_PS_MISSING_EXPECTED_MAPPING, or nullFlavor per usage)", async () => {
      const r = await queryDocuments(h.ports, requester(), { patientId: cx(PATIENTS.luc), classCodes: ["60591-5"] });
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      if (r.value.documents.length === 2) expect(r.warnings).to.deep.equal([]);
      else expect(r.warnings[0]!.errorCode).to.equal("ERROR_PS_MISSING_EXPECTED_MAPPING");
    });
    it("audits every exchange in the hash-chained trail, failures too", async () => {
      await h.trail.flush();
      const v = await h.trail.verifyChain();
      expect(v.ok, JSON.stringify(v)).to.equal(true);
      const events = await h.trail.query({});
      const types = new Set(events.events.map((e) => `${e.type}/${e.outcome}`));
      for (const t of ["EHDSI-11/success", "EHDSI-11/failure", "EHDSI-21/success", "EHDSI-21/failure", "EHDSI-22/success", "EHDSI-31/success"]) expect(types, t).to.include(t);
    });
  });

  describe("XDR submit / discard", () => {
    async function activePrescription(): Promise<Prescription> {
      const list = await h.store.listPrescriptions({ system: DOMAINS.national, value: PATIENTS.marie });
      return list.find((p) => p.status === "active" && p.items.every((i) => i.substitutionAllowed))!;
    }
    function eD(p: Prescription, id: string, packages = 1): string {
      return buildEDispensationL3(
        {
          id, prescriptionId: p.id, patient: p.patient,
          dispenser: { id: { system: "1.2.208.176.1.5", value: "PH-1" }, name: { family: "Jensen", given: ["Ida"] }, role: { code: "2262", system: "2.16.840.1.113883.2.9.6.2.7", display: "Pharmacists" } },
          pharmacy: { id: { system: "1.2.208.176.1.6", value: "APOTEK-1" }, name: "Apotek", address: { lines: ["Gade 1"], city: "København", country: "DK" } },
          time: new Date().toISOString(),
          items: p.items.map((i) => ({ prescriptionItemId: i.id, product: i.product, packages, substituted: false })),
          language: "da-DK",
        },
        h.ports.documents.context,
        p,
      );
    }
    const doc = (xml: string, uniqueId: string) => ({ xml, uniqueId, patientId: cx(PATIENTS.marie) });

    it("records a dispensation, answers a resubmission the same, and never dispenses twice", async () => {
      const p = await activePrescription();
      const id = `2.999.1^ED-${Date.now()}`;
      const xml = eD(p, id);
      const first = await submitDispensation(h.ports, requester(), doc(xml, id), h.checks);
      expect(first.ok, JSON.stringify(first)).to.equal(true);
      const after1 = await h.store.getPrescription({ system: DOMAINS.national, value: PATIENTS.marie }, p.id);
      const again = await submitDispensation(h.ports, requester(), doc(xml, id), h.checks);
      expect(again).to.deep.equal(first);
      const after2 = await h.store.getPrescription({ system: DOMAINS.national, value: PATIENTS.marie }, p.id);
      expect(after2!.items.map((i) => i.packagesDispensed)).to.deep.equal(after1!.items.map((i) => i.packagesDispensed));
      expect(after1!.items.every((i, k) => i.packagesDispensed === p.items[k]!.packagesDispensed + 1)).to.equal(true);

      const discarded = await discardDispensation(h.ports, requester(), doc(xml, id), h.checks);
      expect(discarded.ok, JSON.stringify(discarded)).to.equal(true);
      const after3 = await h.store.getPrescription({ system: DOMAINS.national, value: PATIENTS.marie }, p.id);
      expect(after3!.items.map((i) => i.packagesDispensed)).to.deep.equal(p.items.map((i) => i.packagesDispensed));
    });

    it("refuses more packages than remain, a dispensed prescription, another patient", async () => {
      const p = await activePrescription();
      const tooMany = await submitDispensation(h.ports, requester(), doc(eD(p, `2.999.2^ED-${Date.now()}`, 99), undefined as unknown as string), h.checks);
      expect(tooMany.ok).to.equal(false);
      const list = await h.store.listPrescriptions({ system: DOMAINS.national, value: PATIENTS.marie });
      const dispensed = list.find((x) => x.status === "dispensed")!;
      const r = await submitDispensation(h.ports, requester(), doc(eD(dispensed, `2.999.3^ED-${Date.now()}`), `2.999.3^x`), h.checks);
      expect(r.ok).to.equal(false);
      const other = await submitDispensation(h.ports, requester(), { xml: eD(p, `2.999.4^ED-${Date.now()}`), uniqueId: undefined, patientId: cx(PATIENTS.sophie) }, h.checks);
      expect(!other.ok && other.error.code).to.equal("4206");
    });

    it("national adapter hangs: stored, answered deferred, delivered once by the job", async () => {
      const p = await activePrescription();
      const id = `2.999.5^ED-${Date.now()}`;
      let release: (() => void) | undefined;
      const hanging: NationalRecords = new Proxy(h.store, {
        get(target, prop, receiver) {
          if (prop === "recordDispensation") return () => new Promise((_resolve, reject) => (release = () => reject(new Error("adapter killed"))));
          return Reflect.get(target, prop, receiver) as unknown;
        },
      });
      const ports = h.withNational(hanging);
      const before = h.enqueued.length;
      const r = await submitDispensation(ports, requester(), doc(eD(p, id), id), h.checks);
      expect(r.ok && r.value.deferred).to.equal(true);
      expect(r.ok && r.warnings[0]!.errorCode).to.equal("DISPENSATION_DEFERRED");
      expect(h.enqueued.length).to.equal(before + 1);
      release?.();
      const stored = await ports.dispensations.get(id);
      expect(stored!.state).to.equal("deferred");
      // Resubmission while deferred: the same answer, nothing recorded.
      const again = await submitDispensation(ports, requester(), doc(eD(p, id), id), h.checks);
      expect(again).to.deep.equal(r);
      // The job, twice (a retry after a lost acknowledgement): dispensed once.
      expect(await deliverDispensation(h.ports, id)).to.equal("delivered");
      expect(await deliverDispensation(h.ports, id)).to.equal("already-done");
      const after = await h.store.getPrescription({ system: DOMAINS.national, value: PATIENTS.marie }, p.id);
      expect(after!.items.map((i) => i.packagesDispensed)).to.deep.equal(p.items.map((i) => i.packagesDispensed + 1));
      await discardDispensation(h.ports, requester(), doc(eD(p, id), id), h.checks);
    });
  });
});
