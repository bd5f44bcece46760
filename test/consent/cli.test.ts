import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditTrail } from "../../src/audit/trail";
import { setCliPatientDirectory } from "../../src/cli/consent";
import { runCli } from "../../src/cli/program";
import { openDatabase } from "../../src/storage/database";
import { ALICE, BOB, UNKNOWN, consentEventsOf, directory } from "./fixtures";

describe("passerelle consent (CLI, embedded SQLite)", function () {
  this.timeout(60_000);
  let dir: string;
  const runWith = async (env: Record<string, string>, ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["node", "passerelle", ...args], {
      env: { PASSERELLE_DATA_DIR: join(dir, "data"), PASSERELLE_CERTS_DIR: join(dir, "certs"), USER: "tester", ...env },
      cwd: dir,
      io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  const run = (...args: string[]) => runWith({}, ...args);
  /** Reads the hash-chained audit trail of the CLI's database. */
  const withTrail = async <T>(fn: (trail: AuditTrail) => Promise<T>): Promise<T> => {
    const database = await openDatabase({ dataDir: join(dir, "data") });
    try {
      return await fn(new AuditTrail(database));
    } finally {
      await database.close();
    }
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "passerelle-consent-cli-"));
    setCliPatientDirectory(() => directory);
  });
  after(() => {
    setCliPatientDirectory(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("grants both services to every country by default, then checks: exit 0 permit, 1 deny", async () => {
    const g = await run("consent", "grant", ALICE, "--request-id", "cli-1");
    expect(g.code, g.err).to.equal(0);
    expect(g.out).to.match(/^recorded: v1 .* grant ep\+ps all MyHealth@EU countries \(paper-form, by cli:tester, request cli-1\)$/);
    const permit = await run("consent", "check", ALICE, "--country", "fr", "--service", "ep");
    expect(permit).to.deep.include({ code: 0, out: "permit: consent-granted (grant version 1)" });
    const none = await run("consent", "check", BOB, "--country", "FR", "--service", "ps");
    expect(none).to.deep.include({ code: 1, out: "deny: no-consent" });
    const emergency = await run("consent", "check", BOB, "--country", "FR", "--service", "ps", "--purpose", "EMERGENCY");
    expect(emergency).to.deep.include({ code: 1, out: "deny: no-consent" });
  });

  it("audits grants and checks in the hash-chained trail of its database", async () => {
    const events = await withTrail((trail) => consentEventsOf(trail, ALICE));
    expect(events.map((e) => [e.type, e.outcome, e.details?.reason ?? e.details?.action])).to.deep.equal([
      ["CONSENT-CHANGE", "success", "grant"],
      ["CONSENT-DECISION", "success", "consent-granted"],
    ]);
    expect(events[0]).to.deep.include({ who: { userId: "cli:tester" } });
    expect(events[0]?.details).to.include({ requestId: "cli-1", source: "paper-form", version: 1 });
    expect(events[1]).to.deep.include({ traceId: "cli:check", who: { partnerCountry: "FR", purposeOfUse: "TREATMENT", emergency: false } });
    const bob = await withTrail((trail) => consentEventsOf(trail, BOB, ["CONSENT-DECISION"]));
    expect(bob.map((e) => [e.outcome, e.errorCode, e.details?.reason, e.who?.purposeOfUse])).to.deep.equal([
      ["failure", "4701", "no-consent", "TREATMENT"],
      ["failure", "4701", "no-consent", "EMERGENCY"],
    ]);
    expect((await withTrail((trail) => trail.verifyChain())).ok).to.equal(true);
  });

  it("checks as the gateway would: PASSERELLE_EMERGENCY_ACCESS lets an emergency PS access through, flagged", async () => {
    const args = ["consent", "check", BOB, "--country", "FR", "--service", "ps", "--purpose", "EMERGENCY"] as const;
    expect(await runWith({ PASSERELLE_EMERGENCY_ACCESS: "permit" }, ...args)).to.deep.include({ code: 0, out: "permit: emergency-override (no consent: no-consent; flagged in the audit trail)" });
    expect(await runWith({ PASSERELLE_EMERGENCY_ACCESS: "permit" }, ...args.slice(0, 6), "ep", "--purpose", "EMERGENCY")).to.deep.include({ code: 1, out: "deny: no-consent" });
    expect(await run(...args)).to.deep.include({ code: 1, out: "deny: no-consent" });
    const bad = await runWith({ PASSERELLE_EMERGENCY_ACCESS: "always" }, ...args);
    expect(bad.code).to.equal(2);
    expect(bad.err).to.match(/CONFIG_INVALID[\s\S]*PASSERELLE_EMERGENCY_ACCESS: must be one of deny, permit-unless-revoked, permit/);
    const [override] = (await withTrail((trail) => consentEventsOf(trail, BOB, ["CONSENT-DECISION"]))).slice(2);
    expect(override).to.deep.include({ outcome: "success", who: { partnerCountry: "FR", purposeOfUse: "EMERGENCY", emergency: true } });
    expect(override?.details).to.include({ reason: "emergency-override", emergencyOverride: true, deniedReason: "no-consent" });
  });

  it("revokes one country and service; show and history tell the story", async () => {
    const r = await run("consent", "revoke", ALICE, "--service", "ps", "--country", "DE");
    expect(r.code, r.err).to.equal(0);
    expect((await run("consent", "check", ALICE, "--country", "DE", "--service", "ps")).out).to.equal("deny: revoked");
    expect((await run("consent", "check", ALICE, "--country", "DE", "--service", "ep")).code).to.equal(0);
    const show = await run("consent", "show", ALICE);
    expect(show.out).to.contain(`patient ${ALICE}: consent version 2`);
    expect(show.out).to.contain("ep: permitted towards every MyHealth@EU country");
    expect(show.out).to.match(/ps: permitted towards AT, BE, BG, CY, CZ, DK, /);
    const json = JSON.parse((await run("consent", "show", ALICE, "--json")).out) as { state: { permitted: { ps: string[] } } };
    expect(json.state.permitted.ps).to.not.include("DE");
    const history = await run("consent", "history", ALICE);
    expect(history.out.split("\n").map((l) => l.split(" ").slice(0, 3).filter((_, i) => i !== 1).join(" "))).to.deep.equal(["v1 grant", "v2 revoke"]);
  });

  it("checks at a given time: a grant with a future start is not yet valid", async () => {
    expect((await run("consent", "grant", BOB, "--service", "ps", "--country", "BE", "--from", "2030-01-01", "--until", "2030-12-31")).code).to.equal(0);
    expect((await run("consent", "check", BOB, "--country", "BE", "--service", "ps")).out).to.equal("deny: not-yet-valid");
    expect((await run("consent", "check", BOB, "--country", "BE", "--service", "ps", "--at", "2030-12-31T23:59:00Z")).code).to.equal(0);
    expect((await run("consent", "check", BOB, "--country", "BE", "--service", "ps", "--at", "2031-01-01")).out).to.equal("deny: expired");
  });

  it("refuses bad input with a precise error, exit 2, and changes nothing", async () => {
    const before = (await run("consent", "history", ALICE)).out;
    const cases: [string[], RegExp][] = [
      [["consent", "grant", "1234567890123"], /CONSENT_MATRICULE_INVALID: .*Luhn|CONSENT_MATRICULE_INVALID/],
      [["consent", "grant", UNKNOWN], /CONSENT_PATIENT_UNKNOWN/],
      [["consent", "grant", ALICE, "--country", "XX"], /CONSENT_COUNTRY_UNKNOWN: unknown country code "XX"/],
      [["consent", "grant", ALICE, "--from", "2027-02-01", "--until", "2027-01-01"], /CONSENT_PERIOD_INVERTED/],
      [["consent", "grant", ALICE, "--service", "ep", "--country", "FR"], /CONSENT_PERIOD_OVERLAP: this grant overlaps grant version 1/],
      [["consent", "grant", ALICE, "--from", "next week"], /CONSENT_INPUT_INVALID: validFrom "next week"/],
      [["consent", "revoke", ALICE, "--request-id", "cli-1"], /CONSENT_REQUEST_ID_REUSED: .*differing fields: action$/],
      [["consent", "grant", ALICE, "--service", "xx"], /CONSENT_INPUT_INVALID: invalid consent command at \/services\/0/],
      [["consent", "check", ALICE, "--country", "US", "--service", "ps"], /CONSENT_COUNTRY_UNKNOWN/],
      [["consent", "check", ALICE, "--country", "FR", "--service", "ps", "--at", "soon"], /CONSENT_INPUT_INVALID/],
      [["consent", "check", ALICE, "--country", "FR"], /required option '--service/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, `${args.join(" ")}: ${r.out} ${r.err}`).to.equal(2);
      expect(r.err, args.join(" ")).to.match(message);
    }
    expect((await run("consent", "history", ALICE)).out).to.equal(before);
  });

  it("replays a repeated request id with the same command", async () => {
    const first = await run("consent", "revoke", BOB, "--service", "ep", "--country", "NL", "--request-id", "cli-replay");
    const again = await run("consent", "revoke", BOB, "--service", "ep", "--country", "NL", "--request-id", "cli-replay");
    expect(again.code).to.equal(0);
    expect(again.out).to.equal(first.out.replace("recorded:", "already recorded:"));
  });

  it("imports a file: good lines in, bad lines listed, exit 2 when any line was rejected", async () => {
    const file = join(dir, "consents.ndjson");
    const line = (o: Record<string, unknown>) => JSON.stringify({ action: "grant", source: "national-record", recordedBy: "batch", ...o });
    writeFileSync(file, [line({ patient: BOB, services: ["ep"], requestId: "f-1" }), line({ patient: BOB, countries: ["ZZ"], requestId: "f-2" }), ""].join("\n"));
    const r = await run("consent", "import", file);
    expect(r.code).to.equal(2);
    expect(r.out).to.contain('line 2: CONSENT_COUNTRY_UNKNOWN at /countries/0: unknown country code "ZZ"');
    expect(r.out).to.contain("2 lines: 1 imported, 0 already recorded, 1 rejected");
    const clean = join(dir, "clean.ndjson");
    writeFileSync(clean, line({ patient: BOB, services: ["ep"], requestId: "f-1" }));
    expect(await run("consent", "import", clean)).to.deep.include({ code: 0, out: "1 lines: 0 imported, 1 already recorded, 0 rejected" });
    expect((await run("consent", "import", join(dir, "missing.ndjson"))).code).to.equal(2);
  });
});
