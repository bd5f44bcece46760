// `passerelle sign` / `passerelle verify` end to end over the real command line parser, with a
// development PKI made by the platform's generator (the same layout `passerelle certs init` writes).
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ehdsiPath } from "../../test/helpers/ehdsi";
import { generateDevPki } from "../ops/dev-pki";
import { runCli } from "./program";

async function cli(args: string[], env: Record<string, string>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["node", "passerelle", ...args], { env, cwd, io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("cli: passerelle sign / verify", function () {
  this.timeout(60000);
  const cwd = mkdtempSync(join(tmpdir(), "passerelle-cli-sign-"));
  const certs = join(cwd, "certs");
  const other = join(cwd, "other-certs");
  generateDevPki({ dir: certs, country: "LU" });
  generateDevPki({ dir: other, country: "DK" });
  const env = { PASSERELLE_CERTS_DIR: certs, PASSERELLE_DATA_DIR: join(cwd, "data") };
  copyFileSync(ehdsiPath("cda/openncp/2-5678-W8.xml"), join(cwd, "ps.xml"));

  it("signs with the seal key; verify exits 0 naming the signer; xmlsec1 agrees", async () => {
    const signed = await cli(["sign", "ps.xml", "--out", "ps.signed.xml"], env, cwd);
    expect(signed.code, signed.err).to.equal(0);
    const verified = await cli(["verify", "ps.signed.xml"], env, cwd);
    expect(verified.code, verified.out + verified.err).to.equal(0);
    expect(verified.out).to.match(/^valid: ps\.signed\.xml is signed by .*Passerelle LU/);
    const x = spawnSync("xmlsec1", ["--verify", "--trusted-pem", join(certs, "ca.pem"), join(cwd, "ps.signed.xml")], { encoding: "utf8" });
    expect(x.status, x.stderr).to.equal(0);
  });

  it("writes the signed document to stdout without --out", async () => {
    const r = await cli(["sign", "ps.xml"], env, cwd);
    expect(r.code).to.equal(0);
    expect(r.out).to.contain("<ds:Signature ");
  });

  it("exits 1 with the reason for a tampered document or an untrusted signer", async () => {
    await cli(["sign", "ps.xml", "--out", "ps.signed.xml"], env, cwd);
    const signed = readFileSync(join(cwd, "ps.signed.xml"), "utf8");
    writeFileSync(join(cwd, "tampered.xml"), signed.replace("<family>", "<family>X"));
    const tampered = await cli(["verify", "tampered.xml"], env, cwd);
    expect(tampered.code).to.equal(1);
    expect(tampered.out).to.match(/^invalid: tampered\.xml: SIGNATURE_INVALID: /);

    const untrusted = await cli(["verify", "ps.signed.xml", "--trusted", join(other, "ca.pem")], env, cwd);
    expect(untrusted.code).to.equal(1);
    expect(untrusted.out).to.match(/SIGNER_UNTRUSTED/);
  });

  it("exits 2 for a missing file, 1 with DOCUMENT_INVALID for a document that is not well-formed", async () => {
    expect((await cli(["verify", "nope.xml"], env, cwd)).code).to.equal(2);
    writeFileSync(join(cwd, "bad.xml"), "<a><b></a>");
    const r = await cli(["sign", "bad.xml"], env, cwd);
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/DOCUMENT_INVALID: XML is not well-formed/);
  });
});
