// The embedded demo's way into the console: at the first start an `admin` account is created with a
// random password printed once in the log; later starts keep the account and print nothing.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startGateway } from "../../src/app/gateway";
import { auditModule } from "../../src/audit/module";
import { loadConfig } from "../../src/config/load";
import { partnersModule } from "../../src/exchange/partners/module";
import { exchangeQueueModule } from "../../src/exchange/queue/module";
import { consoleModule } from "../../src/ops/console/module";
import { OperatorAccounts } from "../../src/ops/operators/accounts";
import { createLogger } from "../../src/shared/logger";

async function startOnce(root: string): Promise<{ lines: Record<string, unknown>[]; check: (name: string, password: string) => Promise<boolean> }> {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _e, done) => {
      for (const l of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0" }, cwd: root });
  expect(config.demoSeed).to.equal(true);
  const gateway = await startGateway({ config, logger: createLogger({ level: "info", destination: sink }), modules: [partnersModule, auditModule, exchangeQueueModule, consoleModule] });
  const accounts = new OperatorAccounts(gateway.context.database);
  const results: boolean[] = [];
  return {
    lines,
    check: async (name, password) => {
      results.push(!!(await accounts.authenticate(name, password)));
      await gateway.stop();
      return results[0] ?? false;
    },
  };
}

describe("operator console demo account", function () {
  this.timeout(60_000);
  let root = "";
  before(() => {
    root = mkdtempSync(join(tmpdir(), "passerelle-console-demo-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("prints the admin password once, at the first start", async () => {
    const first = await startOnce(root);
    const seeded = first.lines.map((l) => /initial password (\S+) /.exec(String(l.msg))?.[1]).filter((p) => p !== undefined);
    expect(seeded).to.have.length(1);
    const password = String(seeded[0]);
    expect(password).to.have.length.at.least(20);
    expect(await first.check("admin", password)).to.equal(true);

    const second = await startOnce(root);
    expect(second.lines.filter((l) => /password/.test(String(l.msg)) && /initial/.test(String(l.msg)))).to.deep.equal([]);
    expect(await second.check("admin", password)).to.equal(true);
  });
});
