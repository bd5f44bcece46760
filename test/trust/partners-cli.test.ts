import { expect } from "chai";
import { Command } from "commander";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerPartnersCommands } from "../../src/cli/partners";
import { partnerMigrations } from "../../src/exchange/partners/migrations";
import { isPasserelleError } from "../../src/shared/errors";
import { platformMigrations } from "../../src/storage/platform-migrations";
import { forEachDatabase } from "../helpers/databases";
import { testCliContext } from "./cli-context";
import { makeCa, makeCert } from "./pki";

forEachDatabase(
  "passerelle partners (CLI)",
  (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), "partners-cli-"));
    const tlsCa = join(dir, "dk-tls-ca.pem");
    const signer = join(dir, "dk-signer.pem");
    writeFileSync(tlsCa, makeCa("DK TLS CA", "DK").certPem);
    writeFileSync(signer, makeCert({ cn: "DK signer", country: "DK" }).certPem);

    async function run(...args: string[]): Promise<string[]> {
      const cli = testCliContext(() => ctx.database);
      const program = new Command().exitOverride();
      registerPartnersCommands(program, cli.ctx);
      await program.parseAsync(["node", "passerelle", ...args]);
      return cli.lines;
    }

    it("adds, lists, shows and removes a partner", async () => {
      const added = await run("partners", "add", "DK", "--home-community", "urn:oid:1.2.208", "--endpoint", "xcpd=https://ncp.dk.example/xcpd", "--endpoint", "xca=https://ncp.dk.example/xca", "--tls-ca", tlsCa, "--signing-pinned", signer);
      expect(added[0]).to.match(/partner DK saved \(2 trusted/);
      const listed = await run("partners", "list");
      expect(listed[0]).to.match(/^DK {2}urn:oid:1\.2\.208 {2}xcpd,xca {2}certs:2/);
      const shown = (await run("partners", "show", "DK")).join("\n");
      expect(shown).to.contain("xca   https://ncp.dk.example/xca").and.contain("xdr   -").and.match(/tls +ca +.*DK TLS CA.*days left/).and.match(/signing pinned .*DK signer/);
      expect(await run("partners", "remove", "DK")).to.deep.equal(["partner DK removed"]);
      expect(await run("partners", "list")).to.deep.equal(["no partners"]);
    });

    it("refuses an unknown service, and show/remove of an unknown partner", async () => {
      for (const args of [
        ["partners", "add", "DK", "--home-community", "urn:oid:1.2.208", "--endpoint", "ftp=https://x.example", "--tls-ca", tlsCa, "--signing-pinned", signer],
        ["partners", "show", "SE"],
        ["partners", "remove", "SE"],
      ]) {
        try {
          await run(...args);
          expect.fail(`accepted: ${args.join(" ")}`);
        } catch (e) {
          expect(isPasserelleError(e), String(e)).to.equal(true);
        }
      }
    });
  },
  { migrations: [...platformMigrations, ...partnerMigrations] },
);
