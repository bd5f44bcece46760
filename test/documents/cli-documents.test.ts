// `passerelle translate` and `passerelle validate` over the real command-line parser: national demo
// bundles in, sealed pivot documents out that xmlsec1 accepts and `validate` passes; bad input exits 2
// with its error code; a document outside its value sets exits 1.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_BUNDLE_DIR } from "../../src/national/demo";
import { generateDevPki } from "../../src/ops/dev-pki";
import { runPasserelle } from "../helpers/cli";
import { EHDSI_DIR } from "../helpers/ehdsi";

describe("cli: passerelle translate / validate", function () {
  this.timeout(60000);
  const cwd = mkdtempSync(join(tmpdir(), "passerelle-cli-docs-"));
  const certs = join(cwd, "certs");
  generateDevPki({ dir: certs, country: "LU" });
  const env = { PASSERELLE_CERTS_DIR: certs, PASSERELLE_DATA_DIR: join(cwd, "data"), PASSERELLE_EHDSI_DIR: EHDSI_DIR };
  const demo = (file: string) => join(DEMO_BUNDLE_DIR, file);

  it("translates the full demo PS into a sealed pivot L3 that xmlsec1 verifies and validate passes", async () => {
    const r = await runPasserelle(["translate", demo("sophie-weber-ps.json"), "--type", "ps", "--sign", "--out", "ps.xml"], env, cwd);
    expect(r.code, r.err).to.equal(0);
    const xml = readFileSync(join(cwd, "ps.xml"), "utf8");
    expect(xml).to.contain('<templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.1.3"/>');
    const x = spawnSync("xmlsec1", ["--verify", "--trusted-pem", join(certs, "ca.pem"), join(cwd, "ps.xml")], { encoding: "utf8" });
    expect(x.status, x.stderr).to.equal(0);
    const v = await runPasserelle(["validate", "ps.xml"], env, cwd);
    expect(v.code, v.out + v.err).to.equal(0);
    expect(v.out).to.contain("schema: valid").and.to.match(/bindings \(ps\): \d+ coded elements checked, 0 error/);
  });

  it("writes one eP per prescription, rendered in German on request", async () => {
    const r = await runPasserelle(["translate", demo("marie-kieffer-ep.json"), "--type", "ep", "--lang", "de", "--out", "ep.xml"], env, cwd);
    expect(r.code, r.err).to.equal(0);
    const files = readdirSync(cwd).filter((f) => /^ep-.+\.xml$/.test(f));
    expect(files).to.have.length(3);
    for (const f of files) {
      const v = await runPasserelle(["validate", f], env, cwd);
      expect(v.code, `${f}: ${v.out}`).to.equal(0);
    }
    const any = readFileSync(join(cwd, files[0]!), "utf8");
    // The pivot's English display is kept as a translation beside the German one.
    expect(any).to.match(/displayName="Tablette"|displayName="Filmtablette"|displayName="Zum Einnehmen"/);
  });

  it("writes the L1 PDF rendering, schema-valid", async () => {
    const r = await runPasserelle(["translate", demo("jean-paul-muller-ps.json"), "--type", "ps", "--level", "L1", "--out", "l1.xml"], env, cwd);
    expect(r.code, r.err).to.equal(0);
    expect(readFileSync(join(cwd, "l1.xml"), "utf8")).to.contain('mediaType="application/pdf"');
    const v = await runPasserelle(["validate", "l1.xml"], env, cwd);
    expect(v.out).to.contain("schema: valid");
  });

  it("exits 2 with the error code for bad input", async () => {
    const badType = await runPasserelle(["translate", demo("sophie-weber-ps.json"), "--type", "xx"], env, cwd);
    expect(badType.code).to.equal(2);
    expect(badType.err).to.match(/^error INPUT_INVALID: --type must be one of ps, ep/);
    const bundle = JSON.parse(readFileSync(demo("sophie-weber-ps.json"), "utf8")) as { entry: { resource: { resourceType: string; identifier?: { value: string }[] } }[] };
    const patient = bundle.entry.find((e) => e.resource.resourceType === "Patient")!.resource;
    patient.identifier![0]!.value = "1992031411228"; // Verhoeff digit wrong
    writeFileSync(join(cwd, "bad-matricule.json"), JSON.stringify(bundle));
    const badMatricule = await runPasserelle(["translate", "bad-matricule.json", "--type", "ps"], env, cwd);
    expect(badMatricule.code, badMatricule.err).to.equal(2);
    expect(badMatricule.err).to.match(/^error MATRICULE_INVALID: /);
    writeFileSync(join(cwd, "not-json.json"), "{ nope");
    const notJson = await runPasserelle(["translate", "not-json.json", "--type", "ps"], env, cwd);
    expect(notJson.code).to.equal(2);
    expect(notJson.err).to.match(/^error INPUT_INVALID: /);
  });

  it("exits 1 when a coded element is outside its value set, naming it", async () => {
    await runPasserelle(["translate", demo("sophie-weber-ps.json"), "--type", "ps", "--out", "plain.xml"], env, cwd);
    const xml = readFileSync(join(cwd, "plain.xml"), "utf8");
    const tampered = xml.replace(/code="20053000"/, 'code="99999999"');
    expect(tampered).to.not.equal(xml);
    writeFileSync(join(cwd, "tampered.xml"), tampered);
    const v = await runPasserelle(["validate", "tampered.xml"], env, cwd);
    expect(v.code).to.equal(1);
    expect(v.out).to.match(/error: .*99999999/);
  });

  it("exits 1 for a document that is not CDA", async () => {
    writeFileSync(join(cwd, "not-cda.xml"), "<hello/>");
    const v = await runPasserelle(["validate", "not-cda.xml"], env, cwd);
    expect(v.code).to.equal(1);
    expect(v.out).to.match(/schema: \d+ error/);
  });
});
