import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { PatientSummary } from "../../canonical/model";
import { isPasserelleError } from "../../shared/errors";
import { serialize } from "../../shared/xml";
import { loadCatalogue } from "../../terminology/catalogue";
import type { Terminology } from "../../terminology/types";
import { ehdsiPath, REPO_ROOT } from "../../../test/helpers/ehdsi";
import type { DocumentContext } from "../context";
import { checkBindings } from "./bindings-check";
import { all, attr, first, readCda } from "./cda-reader";
import { buildPatientSummaryL3, patientSummaryL3Element } from "./patient-summary";
import { loadCdaSchema } from "./schema";
import { patientSummaryFromFhir } from "../../national/fhir/patient-summary";

const GOLDEN_DIR = join(REPO_ROOT, "test/golden/ps");
const terminology = loadCatalogue({ mvcDir: ehdsiPath("mvc") });
const schema = loadCdaSchema(ehdsiPath("schema-cda/CDA_Pharma.xsd"));

function context(t: Terminology = terminology): DocumentContext {
  return {
    country: "LU",
    documentIdRoot: "1.3.182.10.7",
    custodian: { name: "NCPeH Luxembourg", id: { system: "1.3.182.4.2", value: "10000734" } },
    terminology: t,
    now: () => new Date("2026-01-01T00:00:00Z"),
  };
}

function fixture(name: string): PatientSummary {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), "utf8")) as PatientSummary;
}

const dom = (xml: string) => readCda(xml, { code: "DOCUMENT_INVALID" });

function expectValid(xml: string, what: string): void {
  const r = schema.validate(xml);
  expect(r.errors, `${what}: ${JSON.stringify(r.errors.slice(0, 3))}`).to.deep.equal([]);
  expect(r.valid).to.equal(true);
}

/** Every narrative reference (#ID) resolves to an element carrying that ID, and IDs are unique. */
function expectReferencesResolve(xml: string): void {
  const doc = dom(xml);
  const ids = all(doc, "//*[@ID]").map((e) => attr(e, "ID"));
  expect(new Set(ids).size, "narrative IDs are unique").to.equal(ids.length);
  const known = new Set(ids);
  for (const ref of all(doc, "//hl7:reference[@value]")) {
    const v = attr(ref, "value") ?? "";
    expect(v.startsWith("#") && known.has(v.slice(1)), `reference ${v} resolves`).to.equal(true);
  }
}

const REQUIRED = ["10160-0", "48765-2", "11450-4", "47519-4", "46264-8"];
const sectionCodes = (xml: string) => all(dom(xml), "//hl7:section/hl7:code").map((e) => attr(e, "code"));

/** Golden form: indented, with the document id and creation time replaced by placeholders. */
function goldenForm(ps: PatientSummary, ctx: DocumentContext): string {
  return (
    serialize(patientSummaryL3Element(ps, ctx), { indent: true })
      .replace(/(<ClinicalDocument[^]*?<id root="[^"]+" extension=")[0-9a-f]{40}"/, '$1DOCUMENT-ID"')
      .replace(/(<\/title>\s*<effectiveTime value=")[^"]+"/, '$1NOW"') + "\n"
  );
}

describe("eHDSI pivot Patient Summary L3", () => {
  const goldens = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));

  it("has golden fixtures for every section and for both absent kinds", () => {
    expect(goldens).to.include.members(["full", "no-information", "known-absent"]);
  });

  for (const name of goldens) {
    describe(`fixture ${name}`, () => {
      const ps = fixture(name);
      const xml = buildPatientSummaryL3(ps, context());

      it("validates against CDA_Pharma.xsd, its narrative references resolve, codes sit in their value sets", () => {
        expectValid(xml, name);
        expectReferencesResolve(xml);
        const report = checkBindings(xml, terminology, { kind: "ps" });
        expect(report.findings.filter((f) => f.severity === "error"), JSON.stringify(report.findings.slice(0, 3))).to.deep.equal([]);
      });

      it("always has the five required sections, first and in order", () => {
        expect(sectionCodes(xml).slice(0, 5)).to.deep.equal(REQUIRED);
      });

      it("matches its golden file (UPDATE_GOLDEN=1 to regenerate)", () => {
        const goldenPath = join(GOLDEN_DIR, `${name}.xml`);
        const actual = goldenForm(ps, context());
        if (process.env.UPDATE_GOLDEN === "1") writeFileSync(goldenPath, actual);
        expect(existsSync(goldenPath), `${goldenPath} missing: run with UPDATE_GOLDEN=1`).to.equal(true);
        if (process.env.GOLDEN_DEBUG) writeFileSync(`/tmp/${name}.actual.xml`, actual);
        expect(actual).to.equal(readFileSync(goldenPath, "utf8"));
      });
    });
  }

  it("writes every optional section when the record has data, and none when it has not", () => {
    const full = sectionCodes(buildPatientSummaryL3(fixture("full"), context()));
    expect(full).to.deep.equal([...REQUIRED, "11369-6", "11348-0", "10162-6", "29762-2", "8716-3", "30954-2", "42348-3", "47420-5"]);
    expect(sectionCodes(buildPatientSummaryL3(fixture("no-information"), context()))).to.deep.equal(REQUIRED);
  });

  it("codes 'no information' and 'known absent' with the IPS absent/unknown codes, as 2-5678-W8.xml", () => {
    const expected = {
      "no-information": ["no-medication-info", "no-allergy-info", "no-problem-info", "no-procedure-info", "no-device-info"],
      "known-absent": ["no-known-medications", "no-known-allergies", "no-known-problems", "no-known-procedures", "no-known-devices"],
    };
    for (const [name, codes] of Object.entries(expected)) {
      const doc = dom(buildPatientSummaryL3(fixture(name), context()));
      const found = all(doc, "//*[@codeSystem='2.16.840.1.113883.5.1150.1']").map((e) => attr(e, "code"));
      expect(found, name).to.deep.equal(codes);
      // Where each sits: the same elements as in the Wave 8 sample.
      expect(first(doc, "//hl7:substanceAdministration/hl7:code[@codeSystem='2.16.840.1.113883.5.1150.1']")).to.not.equal(undefined);
      expect(first(doc, "//hl7:act/hl7:entryRelationship/hl7:observation/hl7:value[@codeSystem='2.16.840.1.113883.5.1150.1']")).to.not.equal(undefined);
      expect(first(doc, "//hl7:procedure/hl7:code[@codeSystem='2.16.840.1.113883.5.1150.1']")).to.not.equal(undefined);
      expect(first(doc, "//hl7:playingDevice/hl7:code[@codeSystem='2.16.840.1.113883.5.1150.1']")).to.not.equal(undefined);
    }
  });

  it("keeps the national code as <translation> beside the MVC code", () => {
    const doc = dom(buildPatientSummaryL3(fixture("full"), context()));
    const route = first(doc, "//hl7:routeCode");
    expect(attr(route, "code")).to.equal("20053000");
    const tr = first(route!, "hl7:translation");
    expect([attr(tr, "code"), attr(tr, "codeSystem")]).to.deep.equal(["38", "1.3.182.5.31"]);
    const problem = first(doc, "//hl7:section[hl7:code/@code='11450-4']//hl7:observation/hl7:value");
    expect(attr(problem, "code")).to.equal("B20");
    expect(attr(first(problem!, "hl7:translation"), "codeSystem")).to.equal("1.3.182.5.29");
  });

  it("puts the national identifier first and renders partial dates with their precision", () => {
    const doc = dom(buildPatientSummaryL3(fixture("known-absent"), context()));
    expect(attr(first(doc, "//hl7:patientRole/hl7:id"), "root")).to.equal("1.3.182.4.4");
    expect(attr(first(doc, "//hl7:patient/hl7:birthTime"), "value")).to.equal("1937");
    expect(attr(first(doc, "//hl7:patient/hl7:administrativeGenderCode"), "nullFlavor")).to.equal("UNK");
  });

  it("gives a stable document id while the record is unchanged, a new one when it changes", () => {
    const ps = fixture("full");
    const id = (p: PatientSummary) => attr(first(dom(buildPatientSummaryL3(p, context())), "/hl7:ClinicalDocument/hl7:id"), "extension");
    expect(id(ps)).to.equal(id(fixture("full")));
    expect(id({ ...ps, time: "2024-06-04T08:00:00+02:00" })).to.not.equal(id(ps));
  });

  it("refuses a required coded element without mapping with ERROR_PS_MISSING_EXPECTED_MAPPING naming element and code", () => {
    // In the PS only ClinicalDocument/code is R (coded element list); a catalogue that cannot map
    // LOINC 60591-5 into eHDSIDocumentCode must withhold the document.
    const blind: Terminology = {
      toMvc: (source, vs) => (source.code === "60591-5" ? undefined : terminology.toMvc(source, vs)),
      inValueSet: (vs, system, code) => code !== "60591-5" && terminology.inValueSet(vs, system, code),
      designation: (s, c, l) => terminology.designation(s, c, l),
      valueSets: () => terminology.valueSets(),
    };
    let caught: unknown;
    try {
      buildPatientSummaryL3(fixture("full"), context(blind));
    } catch (e) {
      caught = e;
    }
    expect(isPasserelleError(caught, "ERROR_PS_MISSING_EXPECTED_MAPPING"), String(caught)).to.equal(true);
    const err = caught as { details: Record<string, unknown>; message: string };
    expect(err.details.element).to.equal("document.code");
    expect(err.details.code).to.equal("60591-5");
    expect(err.message).to.contain("60591-5");
  });

  it("degrades an unmapped national code in an RNFA element to nullFlavor OTH, keeping it as translation", () => {
    const ps = fixture("full");
    if (ps.allergies.kind !== "entries") throw new Error("fixture");
    const first0 = ps.allergies.entries[0]!;
    const unmapped = { ...first0, agent: { coding: { code: "900001", system: "1.3.182.5.35", display: "extrait allergénique d'ambroisie" } } };
    const xml = buildPatientSummaryL3({ ...ps, allergies: { kind: "entries", entries: [unmapped] } }, context());
    expectValid(xml, "unmapped agent");
    const agent = first(dom(xml), "//hl7:playingEntity/hl7:code");
    expect(attr(agent, "nullFlavor")).to.equal("OTH");
    expect(attr(first(agent!, "hl7:translation"), "code")).to.equal("900001");
  });

  it("refuses values the XSD cannot hold with a precise DOCUMENT_INVALID", () => {
    const ps = fixture("known-absent");
    const bad = { ...ps, patient: { ...ps.patient, birthDate: "1937-02-30" } };
    expect(() => buildPatientSummaryL3(bad, context())).to.throw().that.satisfies((e: unknown) => isPasserelleError(e, "DOCUMENT_INVALID") && /1937-02-30/.test((e as Error).message));
  });

  it("produces well-formed, valid XML whatever the free text holds (XML specials, control characters)", () => {
    const base = fixture("full");
    if (base.allergies.kind !== "entries" || base.medications.kind !== "entries") throw new Error("fixture");
    const allergy = base.allergies.entries[1]!;
    const med = base.medications.entries[0]!;
    const text = fc.string({ unit: fc.constantFrom("a", "<", ">", "&", '"', "'", "\u0000", "\u0007", "\u001f", "\uFFFE", "\uD800", "é", "\n", "]]>", " ", "\u2028") , minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(text, text, text, (name, agent, free) => {
        const ps: PatientSummary = {
          ...base,
          patient: { ...base.patient, names: [{ family: name, given: [free] }] },
          allergies: { kind: "entries", entries: [{ ...allergy, agent: { text: agent }, reactions: [{ manifestation: { text: free } }] }] },
          medications: { kind: "entries", entries: [{ ...med, product: { ...med.product, name }, dosage: [{ ...med.dosage[0]!, text: free }] }] },
          advanceDirectives: [{ id: "x", code: { text: agent }, text: free }],
        };
        const xml = buildPatientSummaryL3(ps, context());
        const r = schema.validate(xml);
        return r.valid;
      }),
      { numRuns: 60 },
    );
  });

  describe("national records through the FHIR converter", () => {
    const demoDir = join(REPO_ROOT, "src/national/demo");
    const demo = readdirSync(demoDir).filter((f) => f.endsWith("-ps.json"));

    it("has the demo patients", () => expect(demo.length).to.be.at.least(6));

    for (const file of demo) {
      it(`builds a valid PS for demo patient ${file}, as its golden file (national input → pivot CDA)`, () => {
        const ps = patientSummaryFromFhir(JSON.parse(readFileSync(join(demoDir, file), "utf8")));
        const xml = buildPatientSummaryL3(ps, context());
        const goldenPath = join(GOLDEN_DIR, "national", file.replace(/\.json$/, ".xml"));
        if (process.env.UPDATE_GOLDEN === "1") writeFileSync(goldenPath, goldenForm(ps, context()));
        expect(existsSync(goldenPath), `${goldenPath} missing: run with UPDATE_GOLDEN=1`).to.equal(true);
        expect(goldenForm(ps, context())).to.equal(readFileSync(goldenPath, "utf8"));
        expectValid(xml, file);
        expectReferencesResolve(xml);
        expect(sectionCodes(xml).slice(0, 5)).to.deep.equal(REQUIRED);
        const report = checkBindings(xml, terminology, { kind: "ps" });
        expect(report.findings.filter((f) => f.severity === "error"), JSON.stringify(report.findings.slice(0, 3))).to.deep.equal([]);
      });
    }

    it("builds a valid PS for every HL7 IPS example bundle the converter accepts", () => {
      let built = 0;
      for (const file of readdirSync(ehdsiPath("fhir-examples"))) {
        let ps: PatientSummary;
        try {
          ps = patientSummaryFromFhir(JSON.parse(readFileSync(ehdsiPath("fhir-examples", file), "utf8")));
        } catch (e) {
          if (isPasserelleError(e, "INPUT_INVALID")) continue; // the converter's verdict, tested there
          throw e;
        }
        expectValid(buildPatientSummaryL3(ps, context()), file);
        built++;
      }
      expect(built).to.be.at.least(3);
    });
  });

  it("agrees with xmllint --schema on the generated documents (independent cross-check)", function () {
    try {
      execFileSync("xmllint", ["--version"], { stdio: "ignore" });
    } catch {
      if (process.env.CI) throw new Error("xmllint is missing (apt-get install libxml2-utils)");
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), "ps-xsd-"));
    try {
      const files = goldens.map((name) => {
        const f = join(dir, `${name}.xml`);
        writeFileSync(f, buildPatientSummaryL3(fixture(name), context()));
        return f;
      });
      const out = execFileSync("xmllint", ["--noout", "--schema", ehdsiPath("schema-cda/CDA_Pharma.xsd"), ...files], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      expect(out).to.equal("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
