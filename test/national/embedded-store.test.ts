// The embedded national store on SQLite and PostgreSQL (test/helpers/databases.ts).
import { expect } from "chai";
import type { Dispensation, Identifier } from "../../src/canonical/model";
import { EmbeddedNationalStore } from "../../src/national/embedded-store";
import { seedDemo } from "../../src/national/demo";
import { isPasserelleError } from "../../src/shared/errors";
import { forEachDatabase } from "../helpers/databases";

const MARIE: Identifier = { system: "1.3.182.4.4", value: "1968101545978" };
const HENRI: Identifier = { system: "1.3.182.4.4", value: "1937010112347" };
const SOPHIE: Identifier = { system: "1.3.182.4.4", value: "1992031411227" };
const NOW = new Date("2026-11-27T12:00:00Z");

async function expectRejected(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isPasserelleError(e), String(e)).to.equal(true);
    expect((e as { code: string }).code, (e as Error).message).to.equal(code);
    if (message) expect((e as Error).message).to.match(message);
    return;
  }
  expect.fail(`expected ${code}`);
}

function dispensation(id: string, prescriptionId: string, items: [string, number][], patient: Identifier = MARIE): Dispensation {
  return {
    id,
    prescriptionId,
    patient: { ids: [patient], names: [], gender: "unknown", addresses: [], telecom: [], languages: [], contacts: [] },
    dispenser: { name: { family: "Dupont", given: ["Pierre"] } },
    time: "2026-11-27T11:00:00Z",
    items: items.map(([prescriptionItemId, packages]) => ({ prescriptionItemId, packages, substituted: false, product: { name: "x", ingredients: [] } })),
  };
}

forEachDatabase(
  "embedded national store",
  (ctx) => {
    let store: EmbeddedNationalStore;
    beforeEach(async () => {
      store = new EmbeddedNationalStore(ctx.database, { now: () => NOW });
      await seedDemo(store);
    });

    it("seeds the demo patients idempotently and finds them by matricule", async () => {
      const again = await seedDemo(store);
      expect(again.map((r) => r.matricule)).to.include.members([MARIE.value, HENRI.value, SOPHIE.value, "1975082223407", "1948050305678", "2001091732174"]);
      expect((await store.findPatient(SOPHIE))?.names[0]?.family).to.equal("Weber");
      expect(await store.findPatient({ system: "1.3.182.4.4", value: "1968101545979" })).to.equal(undefined);
      const ps = await store.getPatientSummary(SOPHIE);
      expect(ps?.id).to.equal("sophie-weber-ps-v1");
      expect((await store.listPrescriptions(MARIE)).map((p) => [p.id, p.status])).to.deep.equal([
        ["EP-2026-000102", "active"],
        ["EP-2026-000101", "active"],
        ["EP-2026-000087-1", "dispensed"],
      ]);
      expect(await store.listPrescriptions(SOPHIE)).to.deep.equal([]);
    });

    it("records a partial then a full dispensation; resubmission is idempotent", async () => {
      const first = await store.recordDispensation(dispensation("ED-1", "EP-2026-000101", [["EP-2026-000101-1", 1]]));
      expect(first).to.deep.include({ prescriptionStatus: "partially-dispensed", duplicate: false });
      const again = await store.recordDispensation(dispensation("ED-1", "EP-2026-000101", [["EP-2026-000101-1", 1]]));
      expect(again).to.deep.include({ prescriptionStatus: "partially-dispensed", duplicate: true, recordedAt: first.recordedAt });
      const p = await store.getPrescription(MARIE, "EP-2026-000101");
      expect(p?.items.map((i) => i.packagesDispensed)).to.deep.equal([1, 0]);
      const full = await store.recordDispensation(dispensation("ED-2", "EP-2026-000101", [["EP-2026-000101-1", 1], ["EP-2026-000101-2", 2]]));
      expect(full.prescriptionStatus).to.equal("dispensed");
      await expectRejected(store.recordDispensation(dispensation("ED-3", "EP-2026-000101", [["EP-2026-000101-2", 1]])), "ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION");
    });

    it("refuses over-dispensing precisely and changes nothing", async () => {
      await expectRejected(
        store.recordDispensation(dispensation("ED-9", "EP-2026-000101", [["EP-2026-000101-1", 1], ["EP-2026-000101-2", 3]])),
        "DISPENSATION_INVALID",
        /3 package\(s\) dispensed but only 2 of 2 remain/,
      );
      const p = await store.getPrescription(MARIE, "EP-2026-000101");
      expect(p?.items.map((i) => i.packagesDispensed)).to.deep.equal([0, 0]);
      await expectRejected(store.recordDispensation(dispensation("ED-8", "EP-2026-000101", [["no-such-item", 1]])), "DISPENSATION_INVALID", /no item/);
      await expectRejected(store.recordDispensation(dispensation("ED-7", "EP-2026-000101", [["EP-2026-000101-1", 0]])), "DISPENSATION_INVALID", /positive/);
    });

    it("refuses dispensed, cancelled and expired prescriptions, and unknown ones", async () => {
      await expectRejected(store.recordDispensation(dispensation("ED-a", "EP-2026-000087-1", [["EP-2026-000087-1", 1]])), "ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", /dispensed/);
      await expectRejected(store.recordDispensation(dispensation("ED-b", "EP-2026-000195-1", [["EP-2026-000195-1", 1]], HENRI)), "ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", /cancelled/);
      const later = new EmbeddedNationalStore(ctx.database, { now: () => new Date("2027-03-01T00:00:00Z") });
      expect((await later.getPrescription(MARIE, "EP-2026-000101"))?.status).to.equal("expired");
      await expectRejected(later.recordDispensation(dispensation("ED-c", "EP-2026-000101", [["EP-2026-000101-1", 1]])), "ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", /expired/);
      await expectRejected(store.recordDispensation(dispensation("ED-d", "EP-nope", [["x", 1]])), "ERROR_EP_NOT_FOUND");
      // Another patient's prescription is not found for this patient.
      await expectRejected(store.recordDispensation(dispensation("ED-e", "EP-2026-000210-1", [["EP-2026-000210-1", 1]])), "ERROR_EP_NOT_FOUND");
      await expectRejected(
        store.recordDispensation(dispensation("ED-f", "EP-2026-000101", [["EP-2026-000101-1", 1]], { system: "1.3.182.4.4", value: "1968101545979" })),
        "ERROR_PI_NO_MATCH",
      );
    });

    it("discard restores the packages; discarding twice is idempotent; the id cannot be reused", async () => {
      await store.recordDispensation(dispensation("ED-x", "EP-2026-000102", [["EP-2026-000102-1", 1]]));
      expect((await store.getPrescription(MARIE, "EP-2026-000102"))?.status).to.equal("dispensed");
      const discarded = await store.discardDispensation(MARIE, "ED-x");
      expect(discarded).to.deep.include({ prescriptionStatus: "active", duplicate: false });
      expect((await store.getPrescription(MARIE, "EP-2026-000102"))?.items[0]?.packagesDispensed).to.equal(0);
      expect((await store.discardDispensation(MARIE, "ED-x")).duplicate).to.equal(true);
      await expectRejected(store.recordDispensation(dispensation("ED-x", "EP-2026-000102", [["EP-2026-000102-1", 1]])), "CONFLICT", /discarded/);
      await expectRejected(store.discardDispensation(MARIE, "ED-unknown"), "NOT_FOUND");
    });

    it("concurrent dispensations never exceed what was prescribed", async () => {
      const attempts = await Promise.allSettled(
        [1, 2, 3, 4].map((n) => store.recordDispensation(dispensation(`ED-c${n}`, "EP-2026-000101", [["EP-2026-000101-2", 1]]))),
      );
      expect(attempts.filter((a) => a.status === "fulfilled")).to.have.length(2);
      for (const a of attempts) if (a.status === "rejected") expect(isPasserelleError(a.reason), String(a.reason)).to.equal(true);
      expect((await store.getPrescription(MARIE, "EP-2026-000101"))?.items[1]?.packagesDispensed).to.equal(2);
    });

    it("re-importing an ePrescription bundle keeps the dispensing state", async () => {
      await store.recordDispensation(dispensation("ED-r", "EP-2026-000101", [["EP-2026-000101-1", 1]]));
      await seedDemo(store);
      expect((await store.getPrescription(MARIE, "EP-2026-000101"))?.status).to.equal("partially-dispensed");
    });

    it("a bundle without matricule cannot enter the national store", async () => {
      const { readFileSync } = await import("node:fs");
      const { ehdsiPath } = await import("../helpers/ehdsi");
      const nz = JSON.parse(readFileSync(ehdsiPath("fhir-examples", "Bundle-bundle-no-info-required-sections.json"), "utf8")) as unknown;
      await expectRejected(store.importBundle(nz), "INPUT_INVALID", /matricule/);
    });
  },
  { scope: "test" },
);
