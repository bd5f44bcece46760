import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_BUNDLE_DIR } from "../national/demo";
import { runCli } from "./program";

async function run(args: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const env = { PASSERELLE_DATA_DIR: join(cwd, "data") };
  const code = await runCli(["node", "passerelle", "national", ...args], { env, cwd, io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("cli: passerelle national", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "passerelle-national-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("import: loads a PS and an eP bundle (exit 0)", async () => {
    const r = await run(["import", join(DEMO_BUNDLE_DIR, "marie-kieffer-ps.json"), join(DEMO_BUNDLE_DIR, "marie-kieffer-ep.json")], dir);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/Patient Summary of 1968101545978 imported \(marie-kieffer-ps-v1\)/);
    expect(r.out).to.match(/ePrescriptions of 1968101545978 imported \(EP-2026-000102, EP-2026-000101, EP-2026-000087-1\)/);
  });

  it("seed: loads the demo patients, twice without harm", async () => {
    expect((await run(["seed"], dir)).code).to.equal(0);
    const again = await run(["seed"], dir);
    expect(again.code, again.err).to.equal(0);
    expect(again.out).to.contain("6 patients, 8 bundles");
  });

  it("bad input exits 2 with a precise error naming the file and location", async () => {
    const bad = JSON.parse(readFileSync(join(DEMO_BUNDLE_DIR, "henri-wagner-ps.json"), "utf8")) as { entry: { resource: Record<string, unknown> }[] };
    const patient = bad.entry.find((e) => e.resource.resourceType === "Patient")!.resource;
    (patient.identifier as { value: string }[])[0]!.value = "1937010112348";
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify(bad));
    const r = await run(["import", file], dir);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/error MATRICULE_INVALID: .*bad\.json: invalid matricule: Verhoeff check digit \(13th\) is 8, expected 7/);

    writeFileSync(file, "{ not json");
    const j = await run(["import", file], dir);
    expect(j.code).to.equal(2);
    expect(j.err).to.match(/error INPUT_INVALID: .*not valid JSON/);

    const missing = await run(["import", join(dir, "nope.json")], dir);
    expect(missing.code).to.equal(2);
    expect(missing.err).to.match(/cannot read/);

    const type = await run(["import", "--type", "xx", file], dir);
    expect(type.code).to.equal(2);
    expect(type.err).to.match(/--type must be ps or ep/);
  });

  it("a 50 MB file is refused before reading (INPUT_TOO_LARGE, exit 2)", async () => {
    const file = join(dir, "huge.json");
    writeFileSync(file, "");
    truncateSync(file, 50 * 1024 * 1024);
    const r = await run(["import", file], dir);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/error INPUT_TOO_LARGE: .*huge\.json is 52428800 bytes/);
  });

  it("a PS bundle imported as --type ep is refused precisely", async () => {
    const r = await run(["import", "--type", "ep", join(DEMO_BUNDLE_DIR, "sophie-weber-ps.json")], dir);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/error INPUT_INVALID: .*sophie-weber-ps\.json: entry: the bundle has no MedicationRequest/);
  });
});
