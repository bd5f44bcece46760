// The national patient identifier by country: Luxembourg keeps the matricule rules, another country
// (BE) keys its records by the identifier under PASSERELLE_NATIONAL_PATIENT_ID_OID with a generic
// format check, and a BE gateway seeds its own demo patients, whose summaries build as pivot PS.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { documentContextFromConfig, terminologyFromConfig } from "../app/documents";
import { startGateway, type RunningGateway } from "../app/gateway";
import { loadConfig } from "../config/load";
import { patientSummaryDocument } from "../documents/pipeline";
import { isPasserelleError } from "../shared/errors";
import { createLogger } from "../shared/logger";
import { DEMO_BUNDLE_DIR, DEMO_COUNTRY_ENV, demoBundleDirOf } from "./demo";
import { EmbeddedNationalStore } from "./embedded-store";
import { parseBundleJson } from "./fhir/bundle";
import { nationalModule } from "./module";
import { LUXEMBOURG_PATIENT_ID, nationalPatientIdRule } from "./patient-id";

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return isPasserelleError(e) ? e.code : "not a PasserelleError";
  }
};

describe("national patient identifier by country", function () {
  this.timeout(60_000);

  it("Luxembourg: the matricule rules (Luhn + Verhoeff), whatever the configured OID", () => {
    const lu = nationalPatientIdRule("LU", "1.3.182.4.4");
    expect(lu).to.equal(LUXEMBOURG_PATIENT_ID);
    expect(lu.check("1968101545978")).to.equal("1968101545978");
    expect(codeOf(() => lu.check("1968101545979"))).to.equal("MATRICULE_INVALID");
    expect(codeOf(() => nationalPatientIdRule("LU", "1.2.3").check("58021512345"))).to.equal("MATRICULE_INVALID");
  });

  it("another country: the configured OID and a generic format check", () => {
    const be = nationalPatientIdRule("BE", "1.3.6.1.4.1.48336.1");
    expect(be.system).to.equal("1.3.6.1.4.1.48336.1");
    for (const ok of ["58021512345", "BE-123/45.6_x"]) expect(be.check(ok)).to.equal(ok);
    for (const bad of ["", "a b", "<script>", "-leading", "x".repeat(65), "é123"]) {
      expect(codeOf(() => be.check(bad)), JSON.stringify(bad)).to.equal("INPUT_INVALID");
      expect(be.isValid(bad)).to.equal(false);
    }
    expect(be.isValid("58021512345")).to.equal(true);
    expect(LUXEMBOURG_PATIENT_ID.isValid("1968101545978")).to.equal(true);
    expect(LUXEMBOURG_PATIENT_ID.isValid("58021512345")).to.equal(false);
  });

  it("selects the demo bundles by country (LU: the top directory, BE: demo/BE/, others: none)", () => {
    expect(demoBundleDirOf("LU")).to.equal(DEMO_BUNDLE_DIR);
    expect(demoBundleDirOf("BE")).to.equal(`${DEMO_BUNDLE_DIR}BE/`);
    expect(demoBundleDirOf("FR")).to.equal(undefined);
    expect(demoBundleDirOf("../")).to.equal(undefined);
  });

  describe("a BE gateway", () => {
    let root: string;
    let gateway: RunningGateway;
    before(async () => {
      root = mkdtempSync(join(tmpdir(), "passerelle-be-national-"));
      const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", ...DEMO_COUNTRY_ENV.BE }, cwd: root });
      const quiet = new Writable({ write: (_c, _e, done) => done() });
      gateway = await startGateway({ config, logger: createLogger({ level: "silent", destination: quiet }), modules: [nationalModule] });
    });
    after(async () => {
      await gateway?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it("seeds its own demo patients under the BE identifier, and none of Luxembourg's", async () => {
      const store = new EmbeddedNationalStore(gateway.context.database);
      for (const value of ["58021512345", "90110422216"]) {
        const p = await store.findPatient({ system: "1.3.6.1.4.1.48336.1", value });
        expect(p?.ids[0], value).to.deep.equal({ system: "1.3.6.1.4.1.48336.1", value });
      }
      expect(await store.findPatient({ system: "1.3.182.4.4", value: "1937010112347" })).to.equal(undefined);
    });

    it("builds a BE patient's summary as a pivot PS of the BE gateway", async () => {
      const store = new EmbeddedNationalStore(gateway.context.database);
      const ps = await store.getPatientSummary({ system: "1.3.6.1.4.1.48336.1", value: "58021512345" });
      expect(ps?.patient.names[0]?.family).to.equal("Claes");
      const config = gateway.context.config;
      const doc = await patientSummaryDocument(ps!, {}, documentContextFromConfig(config, terminologyFromConfig(config)));
      expect(doc.xml).to.include('root="1.3.6.1.4.1.48336.1" extension="58021512345"');
      expect(doc.xml).to.include('code="20053000"');
    });

    it("refuses a bundle without the BE identifier, or with a malformed one", async () => {
      const store = new EmbeddedNationalStore(gateway.context.database, { patientId: nationalPatientIdRule("BE", "1.3.6.1.4.1.48336.1") });
      const luBundle = parseBundleJson(readFileSync(`${DEMO_BUNDLE_DIR}jean-paul-muller-ps.json`));
      const refused = await store.importBundle(luBundle).then(() => "accepted", (e: unknown) => (isPasserelleError(e) ? e.code : String(e)));
      expect(refused).to.equal("INPUT_INVALID");
      const malformed = readFileSync(`${DEMO_BUNDLE_DIR}BE/amelie-dubois-ps.json`, "utf8").replace('"90110422216"', '"901 104 222 16"');
      const bad = await store.importBundle(parseBundleJson(Buffer.from(malformed))).then(() => "accepted", (e: unknown) => (isPasserelleError(e) ? e.code : String(e)));
      expect(bad).to.equal("INPUT_INVALID");
    });
  });
});
