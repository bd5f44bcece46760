// The consent module in a running gateway (embedded SQLite, ephemeral ports): by default it audits in
// the gateway's hash-chained trail (the audit module starts first) and applies the emergency policy of
// PASSERELLE_EMERGENCY_ACCESS; it serves the REST API on the national router and seeds the demo consents.
import { expect } from "chai";
import express from "express";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import request from "supertest";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import type { GatewayModule } from "../../src/app/module";
import { auditModule, auditTrailOf } from "../../src/audit/module";
import { loadConfig } from "../../src/config/load";
import { DEMO_PATIENT_WITHOUT_CONSENT, DEMO_PATIENTS_WITH_CONSENT } from "../../src/consent/demo";
import { CONSENT_API_PATH, consentModule, consentServiceOf, createConsentModule } from "../../src/consent/module";
import { nationalModule } from "../../src/national/module";
import { createLogger } from "../../src/shared/logger";
import { UNKNOWN, consentEventsOf } from "./fixtures";

describe("consent module in the gateway", function () {
  this.timeout(60_000);
  const roots: string[] = [];
  const running: RunningGateway[] = [];

  async function start(env: Record<string, string>, modules: readonly GatewayModule[] = [nationalModule, auditModule, consentModule]): Promise<RunningGateway> {
    const root = mkdtempSync(join(tmpdir(), "passerelle-consent-gw-"));
    roots.push(root);
    const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", ...env }, cwd: root });
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    const gateway = await startGateway({ config, logger: createLogger({ level: "silent", destination: quiet }), modules });
    running.push(gateway);
    return gateway;
  }

  after(async () => {
    for (const g of running) await g.stop();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  const emergency = (service: "ps" | "ep", purpose: "EMERGENCY" | "TREATMENT" = "EMERGENCY") => ({
    patient: DEMO_PATIENT_WITHOUT_CONSENT,
    country: "BE",
    service,
    purpose,
    at: Date.now(),
  });

  describe("defaults", () => {
    let gateway: RunningGateway;
    before(async () => {
      gateway = await start({});
    });

    it("audits in the hash-chained trail: the demo consents seeded at start are CONSENT-CHANGE events", async () => {
      const trail = auditTrailOf(gateway.context);
      for (const patient of DEMO_PATIENTS_WITH_CONSENT) {
        const events = await consentEventsOf(trail, patient);
        expect(events.map((e) => [e.type, e.details?.action, e.details?.version]), patient).to.deep.equal([["CONSENT-CHANGE", "grant", 1]]);
      }
      expect((await trail.verifyChain()).ok).to.equal(true);
    });

    it("denies an emergency access without consent (PASSERELLE_EMERGENCY_ACCESS unset = deny), and audits the deny", async () => {
      const service = consentServiceOf(gateway.context);
      expect(await service.check(emergency("ps"))).to.deep.equal({ permit: false, reason: "no-consent" });
      const [decision] = await consentEventsOf(auditTrailOf(gateway.context), DEMO_PATIENT_WITHOUT_CONSENT, ["CONSENT-DECISION"]);
      expect(decision).to.deep.include({ outcome: "failure", errorCode: "4701", who: { partnerCountry: "BE", purposeOfUse: "EMERGENCY", emergency: false } });
      expect(decision?.details).to.include({ permit: false, reason: "no-consent", emergencyOverride: false });
    });

    it("serves the REST API on the national router", async () => {
      const app = express().use(gateway.context.nationalRouter);
      const res = await request(app).get(`${CONSENT_API_PATH}/${DEMO_PATIENTS_WITH_CONSENT[0]}`).expect(200);
      expect(res.body.state.permitted.ps).to.have.length(29);
      await request(app).get(`${CONSENT_API_PATH}/${UNKNOWN}`).expect(404);
    });
  });

  it("PASSERELLE_EMERGENCY_ACCESS=permit-unless-revoked: an emergency PS access without consent is permitted and flagged; ePrescription and treatment are not", async () => {
    const gateway = await start({ PASSERELLE_EMERGENCY_ACCESS: "permit-unless-revoked" });
    const service = consentServiceOf(gateway.context);
    expect(await service.check(emergency("ps"))).to.deep.equal({ permit: true, reason: "emergency-override", grantVersion: null, emergencyOverride: true, deniedReason: "no-consent" });
    expect(await service.check(emergency("ep"))).to.deep.equal({ permit: false, reason: "no-consent" });
    expect(await service.check(emergency("ps", "TREATMENT"))).to.deep.equal({ permit: false, reason: "no-consent" });
    const decisions = await consentEventsOf(auditTrailOf(gateway.context), DEMO_PATIENT_WITHOUT_CONSENT, ["CONSENT-DECISION"]);
    expect(decisions.map((e) => [e.outcome, e.details?.service, e.details?.reason, e.who?.emergency])).to.deep.equal([
      ["success", "ps", "emergency-override", true],
      ["failure", "ep", "no-consent", false],
      ["failure", "ps", "no-consent", false],
    ]);
    expect(decisions[0]?.details).to.include({ emergencyOverride: true, deniedReason: "no-consent" });
  });

  it("a policy given to createConsentModule wins over the configuration", async () => {
    const strict = createConsentModule({ policy: () => ({ emergency: "deny" }) });
    const gateway = await start({ PASSERELLE_EMERGENCY_ACCESS: "permit" }, [nationalModule, auditModule, strict]);
    expect(await consentServiceOf(gateway.context).check(emergency("ps"))).to.deep.equal({ permit: false, reason: "no-consent" });
  });

  it("refuses to start without the audit module: no consent decision without its audit trail", async () => {
    try {
      await start({}, [nationalModule, consentModule]);
      expect.fail("should refuse to start");
    } catch (e) {
      expect((e as Error).message).to.match(/audit module has not been started/);
    }
  });
});
