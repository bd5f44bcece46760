// The demo consents against the real embedded national store and its demo patients (the consent module
// in a running gateway: module.test.ts).
import { expect } from "chai";
import { DEMO_PATIENT_WITHOUT_CONSENT, DEMO_PATIENTS_WITH_CONSENT, seedDemoConsents } from "../../src/consent/demo";
import { ConsentRepository } from "../../src/consent/repository";
import { ConsentService, nationalPatientDirectory } from "../../src/consent/service";
import { seedDemo } from "../../src/national/demo";
import { EmbeddedNationalStore } from "../../src/national/embedded-store";
import { forEachDatabase } from "../helpers/databases";
import { UNKNOWN, grantCommand, trailAudit } from "./fixtures";

forEachDatabase("consent demo data", (ctx) => {
  let service: ConsentService;
  before(async () => {
    const store = new EmbeddedNationalStore(ctx.database);
    const seeded = await seedDemo(store);
    // Every demo patient of the national store is either consenting or the one without consent.
    const national = new Set(seeded.map((r) => r.matricule));
    expect([...national].sort()).to.deep.equal([...DEMO_PATIENTS_WITH_CONSENT, DEMO_PATIENT_WITHOUT_CONSENT].sort());
    service = new ConsentService({ repository: new ConsentRepository(ctx.database), audit: trailAudit(ctx.database).sink, patients: nationalPatientDirectory(store) });
  });

  it("grants the demo patients, leaves one without consent, and is idempotent", async () => {
    const first = await seedDemoConsents(service);
    const again = await seedDemoConsents(service);
    expect(again).to.deep.equal(first);
    expect(await service.repository.count()).to.equal(DEMO_PATIENTS_WITH_CONSENT.length);
    for (const patient of DEMO_PATIENTS_WITH_CONSENT) {
      for (const s of ["ps", "ep"] as const) {
        expect((await service.check({ patient, country: "BE", service: s, purpose: "TREATMENT", at: Date.now() })).permit, `${patient} ${s}`).to.equal(true);
      }
    }
    expect(await service.check({ patient: DEMO_PATIENT_WITHOUT_CONSENT, country: "BE", service: "ps", purpose: "TREATMENT", at: Date.now() })).to.deep.equal({ permit: false, reason: "no-consent" });
  });

  it("checks patients against the embedded national store", async () => {
    try {
      await service.record(grantCommand(UNKNOWN));
      expect.fail("should refuse");
    } catch (e) {
      expect((e as { details: { problem: string } }).details.problem).to.equal("CONSENT_PATIENT_UNKNOWN");
    }
  });
});
