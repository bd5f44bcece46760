import { expect } from "chai";
import { consentProblemOf } from "../../src/consent/errors";
import { ConsentRepository } from "../../src/consent/repository";
import { ConsentService } from "../../src/consent/service";
import { forEachDatabase } from "../helpers/databases";
import { ALICE, BOB, UNKNOWN, consentEventsOf, grantCommand, makeService, revokeCommand } from "./fixtures";

forEachDatabase("consent service", (ctx) => {
  it("audits every decision, permit and deny, with its reason", async () => {
    const { service, audit } = makeService(ctx.database);
    const deny = await service.check({ patient: ALICE, country: "FR", service: "ps", purpose: "TREATMENT", at: Date.now() }, { correlationId: "corr-1" });
    expect(deny).to.deep.equal({ permit: false, reason: "no-consent" });
    const change = await service.record(grantCommand(ALICE, { countries: ["FR"] }));
    const permit = await service.check({ patient: ALICE, country: "FR", service: "ps", purpose: "TREATMENT", at: Date.now() });
    expect(permit).to.include({ permit: true, grantVersion: change.record.version });
    const events = await consentEventsOf(audit.trail, ALICE);
    expect(events.map((e) => [e.type, e.outcome, e.details?.reason ?? e.details?.action])).to.deep.equal([
      ["CONSENT-DECISION", "failure", "no-consent"],
      ["CONSENT-CHANGE", "success", "grant"],
      ["CONSENT-DECISION", "success", "consent-granted"],
    ]);
    expect(events[0]).to.deep.include({ traceId: "corr-1", errorCode: "4701", who: { partnerCountry: "FR", purposeOfUse: "TREATMENT", emergency: false } });
    expect(events[0]?.details).to.include({ permit: false, emergencyOverride: false, service: "ps" });
    expect(events[2]?.details).to.include({ permit: true, emergencyOverride: false, grantVersion: change.record.version });
    expect((await audit.trail.verifyChain()).ok).to.equal(true);
  });

  it("sees its own writes at once: the cache is dropped on write", async () => {
    const { service } = makeService(ctx.database);
    const q = { patient: ALICE, country: "FR", service: "ps" as const, purpose: "TREATMENT" as const, at: Date.now() + 1000 };
    expect((await service.check(q)).permit).to.equal(true); // cached now
    await service.record(revokeCommand(ALICE, { countries: ["FR"] }));
    expect(await service.check({ ...q, at: Date.now() + 1000 })).to.deep.equal({ permit: false, reason: "revoked" });
  });

  it("sees another process's write once the cache time to live has passed", async () => {
    const other = makeService(ctx.database).service;
    let now = Date.now();
    const fast = new ConsentService({ repository: new ConsentRepository(ctx.database), audit: { record: async () => undefined }, cacheTtlMs: 5000, clock: () => new Date(now) });
    const q = { patient: BOB, country: "BE", service: "ep" as const, purpose: "TREATMENT" as const, at: Date.now() + 60_000 };
    expect((await fast.check(q)).permit).to.equal(false);
    await other.record(grantCommand(BOB, { countries: ["BE"] }));
    now += 4999;
    expect((await fast.check(q)).permit, "still the cached history").to.equal(false);
    now += 1;
    expect((await fast.check(q)).permit, "time to live over").to.equal(true);
  });

  it("flags an emergency access without consent, and only when the policy allows it", async () => {
    const strict = makeService(ctx.database);
    const q = { patient: BOB, country: "DE", service: "ps" as const, purpose: "EMERGENCY" as const, at: Date.now() };
    expect(await strict.service.check(q)).to.deep.equal({ permit: false, reason: "country-not-covered" });
    const lenient = makeService(ctx.database, { policy: { emergency: "permit-unless-revoked" } });
    expect(await lenient.service.check(q)).to.include({ permit: true, reason: "emergency-override", emergencyOverride: true });
    const decisions = await consentEventsOf(lenient.audit.trail, BOB, ["CONSENT-DECISION"]);
    // The strict deny, then the flagged override (the same trail: one database).
    expect(decisions.slice(-2).map((e) => [e.outcome, e.details?.reason, e.who?.emergency])).to.deep.equal([
      ["failure", "country-not-covered", false],
      ["success", "emergency-override", true],
    ]);
    expect(decisions.at(-1)).to.deep.include({ type: "CONSENT-DECISION", who: { partnerCountry: "DE", purposeOfUse: "EMERGENCY", emergency: true } });
    expect(decisions.at(-1)?.details).to.include({ permit: true, emergencyOverride: true, deniedReason: "country-not-covered" });
  });

  it("refuses a change for a patient the national records do not know, and writes nothing", async () => {
    const { service } = makeService(ctx.database);
    try {
      await service.record(grantCommand(UNKNOWN));
      expect.fail("should refuse");
    } catch (e) {
      expect(consentProblemOf(e)).to.equal("CONSENT_PATIENT_UNKNOWN");
    }
    expect(await service.repository.history(UNKNOWN)).to.deep.equal([]);
  });

  it("derives the current state from the history", async () => {
    const { service } = makeService(ctx.database);
    const now = await service.current(ALICE, new Date(Date.now() + 1000));
    // ALICE: FR granted then revoked for both services.
    expect(now.state.permitted).to.deep.equal({ ps: [], ep: [] });
    expect(now.state.version).to.equal(now.history.length);
    const g = await service.record(grantCommand(ALICE, { services: ["ep"], countries: ["BE", "NL"] }));
    const later = await service.current(ALICE, new Date(Date.now() + 1000));
    expect(later.state).to.deep.equal({ version: g.record.version, grantsInForce: [g.record.version], permitted: { ps: [], ep: ["BE", "NL"] } });
  });
});
