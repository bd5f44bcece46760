import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, loadConfigReport } from "../../src/config/load";
import { VARIABLE_NAMES } from "../../src/config/schema";
import { isPasserelleError, type PasserelleError } from "../../src/shared/errors";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(isPasserelleError(e, "CONFIG_INVALID"), String(e)).to.equal(true);
    return (e as PasserelleError).details.problems as string[];
  }
  expect.fail("expected a configuration error");
}

describe("config: loader", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "passerelle-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs on embedded defaults with an empty environment", () => {
    const config = loadConfig({ env: {}, cwd: dir, projectRoot: dir });
    expect(config.country).to.equal("LU");
    expect(config.listen).to.deep.equal({ host: "127.0.0.1", partnerPort: 8443, nationalPort: 8444, opsPort: 9090 });
    expect(config.dataDir).to.equal(join(dir, "data"));
    expect(config.certsDir).to.equal(join(dir, "certs"));
    expect(config.databaseUrl).to.equal(undefined);
    expect(config.redisUrl).to.equal(undefined);
    expect(config.identifiers.nationalPatientIdOid).to.equal("1.3.182.4.4");
    expect(config.identifiers.ehdsiPatientIdDomain).to.equal("1.3.182.2.12.10000734.6.1");
    expect(config.demoSeed).to.equal(true);
    expect(config.partnersFile).to.equal(undefined);
    expect(config.certExpiryWarningDays).to.equal(30);
    expect(config.ehdsiDir, "no ../shared/ehdsi beside a temp project").to.equal(undefined);
  });

  it("finds ../shared/ehdsi beside the project by default", () => {
    const config = loadConfig({ env: {} });
    expect(config.ehdsiDir).to.match(/shared\/ehdsi$/);
  });

  it("reads the environment, coercing ports and booleans; PostgreSQL turns demo seeding off", () => {
    const config = loadConfig({
      env: { PASSERELLE_PARTNER_PORT: "10443", PASSERELLE_OPS_PORT: "0", DATABASE_URL: "postgres://root@127.0.0.1/test", PASSERELLE_DATA_DIR: "/var/lib/p", HOME: "/root" },
      cwd: dir,
    });
    expect(config.listen.partnerPort).to.equal(10443);
    expect(config.listen.opsPort).to.equal(0);
    expect(config.dataDir).to.equal("/var/lib/p");
    expect(config.demoSeed).to.equal(false);
    expect(loadConfig({ env: { DATABASE_URL: "postgres://x/y", PASSERELLE_DEMO_SEED: "yes" }, cwd: dir }).demoSeed).to.equal(true);
  });

  it("refuses a bad port, naming the variable and the value", () => {
    const problems = problemsOf(() => loadConfig({ env: { PASSERELLE_PARTNER_PORT: "70000" }, cwd: dir }));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^PASSERELLE_PARTNER_PORT: .*65535.*"70000"/);
    expect(problemsOf(() => loadConfig({ env: { PASSERELLE_OPS_PORT: "http" }, cwd: dir }))[0]).to.match(/^PASSERELLE_OPS_PORT:/);
  });

  it("reads the emergency access policy (default deny) and refuses any other value", () => {
    expect(loadConfig({ env: {}, cwd: dir }).emergencyAccess).to.equal("deny");
    for (const policy of ["deny", "permit-unless-revoked", "permit"] as const) {
      expect(loadConfig({ env: { PASSERELLE_EMERGENCY_ACCESS: policy }, cwd: dir }).emergencyAccess).to.equal(policy);
    }
    for (const bad of ["allow", "PERMIT", "permit unless revoked"]) {
      const problems = problemsOf(() => loadConfig({ env: { PASSERELLE_EMERGENCY_ACCESS: bad }, cwd: dir }));
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/^PASSERELLE_EMERGENCY_ACCESS: must be one of deny, permit-unless-revoked, permit/);
      expect(problems[0]).to.include(JSON.stringify(bad));
    }
  });

  it("reports every problem at once", () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          PASSERELLE_PARTNER_PORT: "-1",
          PASSERELLE_COUNTRY: "lux",
          DATABASE_URL: "mysql://x",
          PASSERELLE_LOG_LEVEL: "loud",
          PASSERELLE_DEMO_SEED: "maybe",
          PASSERELLE_CERT_EXPIRY_WARNING_DAYS: "0",
        },
        cwd: dir,
      }),
    );
    const names = problems.map((p) => p.split(":")[0]);
    expect(names).to.have.members(["PASSERELLE_PARTNER_PORT", "PASSERELLE_COUNTRY", "DATABASE_URL", "PASSERELLE_LOG_LEVEL", "PASSERELLE_DEMO_SEED", "PASSERELLE_CERT_EXPIRY_WARNING_DAYS"]);
  });

  it("warns about an unknown PASSERELLE_ variable (a typo) without stopping", () => {
    const report = loadConfigReport({ env: { PASSERELLE_PARTNR_PORT: "1" }, cwd: dir });
    expect(report.config.listen.partnerPort).to.equal(8443);
    expect(report.warnings).to.have.length(1);
    expect(report.warnings[0]).to.match(/^PASSERELLE_PARTNR_PORT: not a configuration variable/);
  });

  it("refuses two listeners on one port and LU identifiers for another country", () => {
    const problems = problemsOf(() => loadConfig({ env: { PASSERELLE_NATIONAL_PORT: "8443", PASSERELLE_COUNTRY: "FR" }, cwd: dir }));
    expect(problems.some((p) => p.startsWith("PASSERELLE_NATIONAL_PORT: port 8443 is already used by PASSERELLE_PARTNER_PORT"))).to.equal(true);
    expect(problems.some((p) => p.startsWith("PASSERELLE_HOME_COMMUNITY_ID: required when PASSERELLE_COUNTRY is not LU"))).to.equal(true);
  });

  it("reads a JSON file, which the environment overrides", () => {
    const file = join(dir, "passerelle.json");
    writeFileSync(file, JSON.stringify({ PASSERELLE_PARTNER_PORT: 9443, PASSERELLE_LOG_LEVEL: "debug", PASSERELLE_DEMO_SEED: false }));
    const config = loadConfig({ env: { PASSERELLE_CONFIG: "passerelle.json", PASSERELLE_LOG_LEVEL: "warn" }, cwd: dir });
    expect(config.listen.partnerPort).to.equal(9443);
    expect(config.logLevel).to.equal("warn");
    expect(config.demoSeed).to.equal(false);
    expect(config.configFile).to.equal(file);
  });

  it("reports a broken or unknown-keyed file", () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, "{ not json");
    expect(problemsOf(() => loadConfig({ env: { PASSERELLE_CONFIG: file }, cwd: dir }))[0]).to.match(/^PASSERELLE_CONFIG: cannot read/);
    writeFileSync(file, JSON.stringify({ PASSERELLE_PORT: 1, PASSERELLE_COUNTRY: { a: 1 } }));
    expect(problemsOf(() => loadConfig({ env: { PASSERELLE_CONFIG: file }, cwd: dir })).map((p) => p.split(":")[0])).to.deep.equal(["PASSERELLE_PORT", "PASSERELLE_COUNTRY"]);
  });

  it("returns a deeply frozen object", () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.listen)).to.equal(true);
    expect(Object.isFrozen(config.identifiers)).to.equal(true);
    expect(() => {
      (config.listen as { partnerPort: number }).partnerPort = 1;
    }).to.throw(TypeError);
  });

  it("ignores blank values and unrelated variables", () => {
    const config = loadConfig({ env: { DATABASE_URL: "", PATH: "/bin", PASSERELLE_COUNTRY: "  " }, cwd: dir });
    expect(config.databaseUrl).to.equal(undefined);
    expect(config.country).to.equal("LU");
  });

  it("every variable of the schema is documented in the README configuration table", async () => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const name of [...VARIABLE_NAMES, "PASSERELLE_CONFIG"]) expect(readme, name).to.contain(`\`${name}\``);
  });
});
