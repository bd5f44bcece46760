import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPasserelleError } from "../../shared/errors";
import { ehdsiPath } from "../../../test/helpers/ehdsi";
import { loadCdaSchema } from "./schema";

describe("CDA_Pharma.xsd validation (libxml2-wasm)", () => {
  const xsd = ehdsiPath("schema-cda/CDA_Pharma.xsd");
  const schema = loadCdaSchema(xsd);

  it("compiles the schema once per path", () => {
    expect(loadCdaSchema(xsd)).to.equal(schema);
  });

  it("accepts the Wave 8 PS samples and the Luxembourg pivot PS", () => {
    for (const f of ["cda/openncp/2-1234-W8.xml", "cda/openncp/2-5678-W8.xml", "cda/luxembourg/LU-PS-pivot-L3-W8.xml", "cda/openncp/1-1234-W8.xml"]) {
      expect(schema.validate(readFileSync(ehdsiPath(f), "utf8")), f).to.deep.equal({ valid: true, errors: [] });
    }
  });

  it("rejects the 2017 epSOS-namespace pivot, naming the line and the element", () => {
    const r = schema.validate(readFileSync(ehdsiPath("cda/openncp/PatientSummary-pivot.xml"), "utf8"));
    expect(r.valid).to.equal(false);
    expect(r.errors[0]!.line).to.be.greaterThan(1);
    expect(r.errors[0]!.message).to.contain("ingredient");
  });

  it("reports malformed XML as invalid rather than throwing", () => {
    const r = schema.validate('<ClinicalDocument xmlns="urn:hl7-org:v3"><id></ClinicalDocument>');
    expect(r.valid).to.equal(false);
    expect(r.errors[0]!.line).to.equal(1);
  });

  it("reports a structural error with its line, and assertValid throws DOCUMENT_INVALID", () => {
    const sample = readFileSync(ehdsiPath("cda/openncp/2-5678-W8.xml"), "utf8");
    const broken = sample.replace('<templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.1.3" />', '<templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.1.3" /><bogus/>');
    expect(broken).to.not.equal(sample);
    const r = schema.validate(broken);
    expect(r.valid).to.equal(false);
    expect(r.errors.some((e) => e.line === 6 && e.message.includes("bogus"))).to.equal(true);
    expect(() => schema.assertValid(broken, "PS")).to.throw().that.satisfies((e: unknown) => isPasserelleError(e, "DOCUMENT_INVALID"));
  });

  it("refuses a schema path that does not compile with CONFIG_INVALID", () => {
    expect(() => loadCdaSchema(ehdsiPath("cda/openncp/2-5678-W8.xml"))).to.throw().that.satisfies((e: unknown) => isPasserelleError(e, "CONFIG_INVALID"));
  });

  it("gives the same verdicts as xmllint --schema on accepted and rejected documents", function () {
    if (spawnSync("xmllint", ["--version"]).error) {
      if (process.env.CI) throw new Error("xmllint is missing (apt-get install libxml2-utils)");
      this.skip();
    }
    const sample = readFileSync(ehdsiPath("cda/openncp/2-5678-W8.xml"), "utf8");
    const cases = {
      good: sample,
      "unknown-element": sample.replace("<title>Patient Summary</title>", "<title>Patient Summary</title><bogus/>"),
      "bad-timestamp": sample.replace('<effectiveTime value="20230714194500+0200" />', '<effectiveTime value="2023-07-14" />'),
      "missing-id": sample.replace('<id root="1.2.752.129.2.1.2.1" extension="PS_Pivot_W7_NI" />', ""),
    };
    const dir = mkdtempSync(join(tmpdir(), "cda-xsd-"));
    try {
      for (const [name, xml] of Object.entries(cases)) {
        expect(name === "good" || xml !== sample, `${name} changed the sample`).to.equal(true);
        const file = join(dir, `${name}.xml`);
        writeFileSync(file, xml);
        const lint = spawnSync("xmllint", ["--noout", "--schema", xsd, file], { encoding: "utf8" });
        expect(schema.validate(xml).valid, name).to.equal(lint.status === 0);
        expect(lint.status === 0, name).to.equal(name === "good");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
