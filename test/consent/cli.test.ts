import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setCliPatientDirectory } from "../../src/cli/consent";
import { runCli } from "../../src/cli/program";
import { ALICE, BOB, UNKNOWN, directory } from "./fixtures";

describe("passerelle consent (CLI, embedded SQLite)", function () {
  this.timeout(60_000);
  let dir: string;
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["node", "passerelle", ...args], {
      env: { PASSERELLE_DATA_DIR: join(dir, "data"), PASSERELLE_CERTS_DIR: join(dir, "certs"), USER: "tester" },
      cwd: dir,
      io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
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
