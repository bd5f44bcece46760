// The audit module in a real gateway (embedded mode, ephemeral ports): the trail is reachable through
// auditTrailOf(ctx), consent decisions and changes land in it through the consent AuditSink adapter,
// the readiness check is there, and expired raw messages are purged by the periodic purge.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { consentAuditEvent } from "../../src/audit/consent-sink";
import { auditTrailOf, consentAuditSinkOf, createAuditModule, rawMessagesOf } from "../../src/audit/module";
import { AuditTrail } from "../../src/audit/trail";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import { loadConfig } from "../../src/config/load";
import { DEMO_PATIENT_WITHOUT_CONSENT, DEMO_PATIENTS_WITH_CONSENT } from "../../src/consent/demo";
import { consentServiceOf, createConsentModule } from "../../src/consent/module";
import { nationalModule } from "../../src/national/module";
import { createLogger } from "../../src/shared/logger";

const DOMAIN = "1.3.182.2.12.10000734.6.1";

describe("audit module in the gateway", function () {
  this.timeout(60_000);
  let root: string;
  let gateway: RunningGateway;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "passerelle-audit-gw-"));
    const config = loadConfig({
      env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_RAW_MESSAGE_RETENTION_DAYS: "7" },
      cwd: root,
    });
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    gateway = await startGateway({
      config,
      logger: createLogger({ level: "silent", destination: quiet }),
      modules: [nationalModule, createAuditModule({ purgeIntervalMs: 50 }), createConsentModule({ audit: consentAuditSinkOf })],
    });
  });

  after(async () => {
    await gateway?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("exposes the trail; the demo consents seeded at start are in it as CONSENT-CHANGE events", async () => {
    const trail = auditTrailOf(gateway.context);
    expect(trail).to.be.instanceOf(AuditTrail);
    const changes = await trail.query({ types: ["CONSENT-CHANGE"], limit: 1000 });
    expect(changes.events.map((e) => e.patientId).sort()).to.deep.equal(DEMO_PATIENTS_WITH_CONSENT.map((p) => `${p}^^^&${DOMAIN}&ISO`).sort());
    expect(changes.events[0]?.details).to.include({ action: "grant", version: 1 });
    const readiness = await gateway.context.readiness.report();
    expect(readiness.checks["audit-trail"]).to.deep.equal({ ok: true });
  });

  it("records consent decisions, deny with its eHDSI code, in the hash chain", async () => {
    const consent = consentServiceOf(gateway.context);
    const decision = await consent.check({ patient: DEMO_PATIENT_WITHOUT_CONSENT, country: "BE", service: "ps", purpose: "TREATMENT", at: Date.now() });
    expect(decision.permit).to.equal(false);
    const trail = auditTrailOf(gateway.context);
    const page = await trail.query({ types: ["CONSENT-DECISION"], patientId: `${DEMO_PATIENT_WITHOUT_CONSENT}^^^&${DOMAIN}&ISO` });
    expect(page.events).to.have.length(1);
    expect(page.events[0]).to.deep.include({ outcome: "failure", errorCode: "4701" });
    expect(page.events[0]?.who).to.deep.equal({ partnerCountry: "BE", purposeOfUse: "TREATMENT", emergency: false });
    expect((await trail.verifyChain()).ok).to.equal(true);
    // Every committed event is counted on the gateway's metrics.
    const counted = (await gateway.context.metrics.registry.getSingleMetric("passerelle_audit_events_total")?.get())?.values[0]?.value;
    expect(counted).to.equal((await trail.head()).seq);
  });

  it("purges raw messages older than the configured retention, periodically", async () => {
    const store = rawMessagesOf(gateway.context);
    const old = new Date(Date.now() - 8 * 86_400_000);
    await store.store({ exchangeId: "old", direction: "inbound", body: "<old/>", at: old });
    await store.store({ exchangeId: "recent", direction: "inbound", body: "<recent/>" });
    const deadline = Date.now() + 5000;
    while ((await store.forExchange("old")).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(await store.forExchange("old")).to.deep.equal([]);
    expect(await store.forExchange("recent")).to.have.length(1);
  });

  it("maps an emergency override and an import to audit events", () => {
    const override = consentAuditEvent(
      { type: "consent-decision", at: "2026-11-27T10:00:00Z", patient: "2980010112345", country: "FR", service: "ps", purpose: "EMERGENCY", permit: true, reason: "emergency-override", grantVersion: null, emergencyOverride: true, deniedReason: "revoked", correlationId: "c-1" },
      { patientIdAuthority: DOMAIN },
    );
    expect(override).to.deep.include({ type: "CONSENT-DECISION", outcome: "success", traceId: "c-1", patientId: `2980010112345^^^&${DOMAIN}&ISO` });
    expect(override.who).to.deep.equal({ partnerCountry: "FR", purposeOfUse: "EMERGENCY", emergency: true });
    expect(override.details).to.deep.include({ deniedReason: "revoked", emergencyOverride: true });
    const imported = consentAuditEvent({ type: "consent-import", at: "2026-11-27T10:00:00Z", importedBy: "ops", lines: 10, imported: 8, replayed: 1, rejected: 1 }, { patientIdAuthority: DOMAIN });
    expect(imported).to.deep.include({ type: "CONSENT-IMPORT", outcome: "success" });
    expect(imported.details).to.deep.equal({ lines: 10, imported: 8, replayed: 1, rejected: 1 });
  });
});
