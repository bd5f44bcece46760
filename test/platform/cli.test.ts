import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { get } from "node:http";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { runCli } from "../../src/cli/program";
import { COMMANDS } from "../../src/cli/commands";
import { createCliContext } from "../../src/cli/context";
import { REPO_ROOT } from "../helpers/ehdsi";

const BIN = join(REPO_ROOT, "bin", "passerelle.mjs");

function runBin(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function runInProcess(args: string[], cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["node", "passerelle", ...args], { env, cwd, io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("cli: passerelle", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "passerelle-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("`passerelle --help` works as a real process and lists the commands", () => {
    const r = runBin(["--help"], dir);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain("Usage: passerelle").and.contain("start").and.contain("certs");
  });

  it("`passerelle certs init` writes a PKI in the configured directory (real process)", () => {
    const r = runBin(["certs", "init"], dir, { PASSERELLE_CERTS_DIR: "pki" });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`development PKI written to ${join(dir, "pki")}`);
    const seal = new X509Certificate(readFileSync(join(dir, "pki", "seal.pem")));
    expect(seal.subject).to.contain("C=LU");
  });

  it("refuses to overwrite a PKI: exit 2 and `error CONFLICT: ...`", async () => {
    const r = await runInProcess(["certs", "init", "--dir", "pki"], dir);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^error CONFLICT: .*--force/);
  });

  it("honours --dir, --country, --cn and --force", async () => {
    const r = await runInProcess(["certs", "init", "--dir", "pki", "--country", "BE", "--cn", "Gateway Two", "--force"], dir);
    expect(r.code, r.err).to.equal(0);
    const ca = new X509Certificate(readFileSync(join(dir, "pki", "ca.pem")));
    expect(ca.subject).to.contain("C=BE").and.contain("O=Gateway Two");
  });

  it("a bad --country is an input error (exit 2)", async () => {
    const r = await runInProcess(["certs", "init", "--dir", "x", "--country", "belgium"], dir);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^error INPUT_INVALID: country must be two capital letters/);
    expect(existsSync(join(dir, "x", "ca.pem"))).to.equal(false);
  });

  it("unknown commands and options are usage errors (exit 2)", async () => {
    const unknownOption = await runInProcess(["certs", "init", "--colour"], dir);
    expect(unknownOption.code).to.equal(2);
    expect(unknownOption.err).to.match(/^error INPUT_INVALID: unknown option '--colour'/);
    const unknownCommand = await runInProcess(["frobnicate"], dir);
    expect(unknownCommand.code).to.equal(2);
    expect(unknownCommand.err).to.match(/^error INPUT_INVALID: unknown command 'frobnicate'/);
    const nothing = await runInProcess([], dir);
    expect(nothing.code).to.equal(2);
    expect(nothing.err).to.contain("Usage: passerelle");
  });

  it("an invalid configuration is reported with every problem (exit 2)", async () => {
    const r = await runInProcess(["certs", "init"], dir, { PASSERELLE_OPS_PORT: "x", PASSERELLE_COUNTRY: "l" });
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^error CONFIG_INVALID: invalid configuration \(2 problems\)/);
    expect(r.err).to.contain("PASSERELLE_OPS_PORT").and.contain("PASSERELLE_COUNTRY");
  });

  it("`--version` prints the package version", async () => {
    const r = await runInProcess(["--version"], dir);
    expect(r.code).to.equal(0);
    expect(r.out).to.equal(JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version);
  });

  it("`passerelle start` serves until SIGTERM, then stops gracefully with exit 0 (real process)", async () => {
    const child = spawn(process.execPath, [BIN, "start"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_DATA_DIR: "gw-data", PASSERELLE_CERTS_DIR: "gw-certs" },
    });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const listening = await new Promise<{ ports: { ops: number } }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "Passerelle listening" line; output: ${stdout}`)), 45_000);
      child.stdout.on("data", () => {
        const line = stdout.split("\n").find((l) => l.includes('"Passerelle listening"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as { ports: { ops: number } });
        }
      });
    });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get({ host: "127.0.0.1", port: listening.ports.ops, path: "/readyz", agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on("error", reject);
    });
    expect(status).to.equal(200);
    child.kill("SIGTERM");
    expect(await exited).to.equal(0);
    expect(stdout).to.contain('"msg":"stopped"');
    expect(existsSync(join(dir, "gw-data", "passerelle.sqlite"))).to.equal(true);
  });

  it("every registered area adds distinct top-level commands", () => {
    const program = new Command();
    const ctx = createCliContext({ env: {}, cwd: dir });
    for (const register of COMMANDS) register(program, ctx);
    const names = program.commands.map((c) => c.name());
    expect(new Set(names).size).to.equal(names.length);
    expect(names).to.include.members(["start", "certs"]);
  });
});
