// The demo consents against the real embedded national store and its demo patients, and the consent
// module mounted on a national router as the gateway does.
import { expect } from "chai";
import express, { Router } from "express";
import request from "supertest";
import type { GatewayContext } from "../../src/app/module";
import { TableAuditSink } from "../../src/consent/audit-table";
import { DEMO_PATIENT_WITHOUT_CONSENT, DEMO_PATIENTS_WITH_CONSENT, seedDemoConsents } from "../../src/consent/demo";
import { CONSENT_API_PATH, consentModule, consentServiceOf } from "../../src/consent/module";
import { ConsentRepository } from "../../src/consent/repository";
import { ConsentService, nationalPatientDirectory } from "../../src/consent/service";
import { seedDemo } from "../../src/national/demo";
import { EmbeddedNationalStore } from "../../src/national/embedded-store";
import { forEachDatabase } from "../helpers/databases";
import { UNKNOWN, grantCommand } from "./fixtures";

forEachDatabase("consent demo data", (ctx) => {
  let service: ConsentService;
  before(async () => {
    const store = new EmbeddedNationalStore(ctx.database);
    const seeded = await seedDemo(store);
    // Every demo patient of the national store is either consenting or the one without consent.
    const national = new Set(seeded.map((r) => r.matricule));
    expect([...national].sort()).to.deep.equal([...DEMO_PATIENTS_WITH_CONSENT, DEMO_PATIENT_WITHOUT_CONSENT].sort());
    service = new ConsentService({ repository: new ConsentRepository(ctx.database), audit: new TableAuditSink(ctx.database), patients: nationalPatientDirectory(store) });
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

  it("the module serves the REST API on the national router and seeds the demo consents", async () => {
    const nationalRouter = Router();
    const gateway = { database: ctx.database, nationalRouter } as unknown as GatewayContext;
    await consentModule.start!(gateway);
    await consentModule.seedDemo!(gateway);
    expect(consentServiceOf(gateway)).to.be.instanceOf(ConsentService);
    const app = express().use(nationalRouter);
    const res = await request(app).get(`${CONSENT_API_PATH}/${DEMO_PATIENTS_WITH_CONSENT[0]}`).expect(200);
    expect(res.body.state.permitted.ps).to.have.length(29);
    await request(app).get(`${CONSENT_API_PATH}/${UNKNOWN}`).expect(404);
  });
});
