import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ehdsiPath } from "../../test/helpers/ehdsi";
import { runCli } from "./program";

async function run(args: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["node", "passerelle", "terminology", ...args], { env: {}, cwd, io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("cli: passerelle terminology", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "passerelle-term-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("check: the shipped mappings land in the full MVC (exit 0)", async () => {
    const r = await run(["check", "--mvc", ehdsiPath("mvc")], dir);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain("40 value sets").and.contain("every mapping lands in its value set");
  });

  it("check: a mapping outside its value set is a negative verdict (exit 1) naming the row", async () => {
    const extra = join(dir, "extra");
    mkdirSync(extra);
    writeFileSync(join(extra, "mappings.tsv"), "valueSet\tsourceSystem\tsourceCode\tmvcSystem\tmvcCode\tdisplay_en\tdisplay_fr\tdisplay_de\n"
      + "1.3.6.1.4.1.12559.11.10.1.3.1.42.12\t1.3.182.5.31\t99\t0.4.0.127.0.16.1.1.2.1\t10219000\tTablet\t\t\n");
    const r = await run(["check", "--mvc", ehdsiPath("mvc"), "--catalogue", extra], dir);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/mappings\.tsv:2: 0\.4\.0\.127\.0\.16\.1\.1\.2\.1#10219000 is not in value set 1\.3\.6\.1\.4\.1\.12559\.11\.10\.1\.3\.1\.42\.12/);
  });

  it("lookup: a mapped national code, and an unmapped one (exit 1)", async () => {
    const ok = await run(["lookup", "urn:oid:1.3.182.5.31", "38", "--value-set", "1.3.6.1.4.1.12559.11.10.1.3.1.42.12", "--mvc", ehdsiPath("mvc")], dir);
    expect(ok.code, ok.err).to.equal(0);
    expect(ok.out).to.contain('20053000 EDQM (0.4.0.127.0.16.1.1.2.1) "Oral use" (mapped)');
    const no = await run(["lookup", "1.3.182.5.35", "900001", "--value-set", "1.3.6.1.4.1.12559.11.10.1.3.1.42.24", "--mvc", ehdsiPath("mvc")], dir);
    expect(no.code).to.equal(1);
    expect(no.out).to.contain("no MVC concept");
    const fr = await run(["lookup", "http://loinc.org", "48765-2", "--lang", "fr", "--mvc", ehdsiPath("mvc")], dir);
    expect(fr.out).to.contain("display (fr): Allergies, effets indésirables, alertes");
  });
});
