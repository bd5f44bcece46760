// Level 1 PS and eP: the CDA validates against CDA_Pharma.xsd, carries the PDF as B64 in a
// nonXMLBody with the L1 templateId, the PDF parses back with pdf-lib, and pdftotext (poppler-utils)
// finds the patient's name and the allergy statements in it.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PDFDocument } from "pdf-lib";
import type { PatientSummary, Prescription } from "../../canonical/model";
import { REPO_ROOT } from "../../../test/helpers/ehdsi";
import { ABSENT_STATEMENTS } from "../pdf/patient-summary-pdf";
import { all, attr, first, readCda } from "./cda-reader";
import { cdaSchema, testContext } from "./ep-ed.fixtures";
import { buildEPrescriptionL1, buildPatientSummaryL1, EP_L1_TEMPLATE, PS_L1_TEMPLATE } from "./level1";

const work = mkdtempSync(join(tmpdir(), "passerelle-l1-"));
const golden = <T>(path: string): T => JSON.parse(readFileSync(join(REPO_ROOT, "test/golden", path), "utf8")) as T;

function pdfText(pdf: Uint8Array): string {
  const file = join(work, `${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
}

/** The PDF carried in the L1 CDA, decoded from its nonXMLBody. */
function carriedPdf(xml: string): Buffer {
  const doc = readCda(xml, { code: "DOCUMENT_INVALID" });
  const text = first(doc, "/hl7:ClinicalDocument/hl7:component/hl7:nonXMLBody/hl7:text");
  expect(text, "nonXMLBody/text").to.not.equal(undefined);
  expect(attr(text!, "mediaType")).to.equal("application/pdf");
  expect(attr(text!, "representation")).to.equal("B64");
  return Buffer.from(text!.textContent ?? "", "base64");
}

describe("Level 1 documents (CDA nonXMLBody + PDF)", function () {
  this.timeout(30000);
  const schema = cdaSchema();
  const ctx = testContext();

  for (const name of ["full", "known-absent", "no-information"]) {
    it(`PS ${name}: L1 CDA valid against the XSD, templateId ...1.1.7, PDF readable with the name and allergy statement`, async () => {
      const ps = golden<PatientSummary>(`ps/${name}.json`);
      const { xml, pdf } = await buildPatientSummaryL1(ps, ctx);
      expect(schema.validate(xml).errors).to.deep.equal([]);
      const doc = readCda(xml, { code: "DOCUMENT_INVALID" });
      expect(all(doc, "/hl7:ClinicalDocument/hl7:templateId").map((t) => attr(t, "root"))).to.deep.equal([PS_L1_TEMPLATE]);
      expect(attr(first(doc, "/hl7:ClinicalDocument/hl7:relatedDocument")!, "typeCode")).to.equal("XFRM");
      expect(carriedPdf(xml).equals(Buffer.from(pdf))).to.equal(true);

      const parsed = await PDFDocument.load(pdf);
      expect(parsed.getPageCount()).to.be.greaterThan(0);
      const text = pdfText(pdf);
      expect(text).to.contain(`Page 1 of ${parsed.getPageCount()}`);
      expect(text).to.contain(ps.patient.names[0]?.family);
      if (ps.allergies.kind === "known-absent") expect(text).to.contain(ABSENT_STATEMENTS.allergies.knownAbsent);
      else if (ps.allergies.kind === "no-information") expect(text).to.contain(ABSENT_STATEMENTS.allergies.noInformation);
      else {
        // Cells wrap, so look for every word of each agent's display text.
        for (const a of ps.allergies.entries) {
          for (const word of (a.agent.coding?.display ?? a.agent.text ?? "").split(/\s+/)) expect(text).to.contain(word);
        }
      }
    });
  }

  it("PS: long content flows over several numbered pages; a table row never leaves the page", async () => {
    const ps = golden<PatientSummary>("ps/full.json");
    if (ps.problems.kind !== "entries") throw new Error("fixture has problems");
    const many = Array.from({ length: 120 }, (_, i) => ({ ...ps.problems.kind === "entries" ? ps.problems.entries[0]! : ({} as never), id: `p${i}`, code: { text: `Problem number ${i} ${"with a long description ".repeat(i % 7)}` } }));
    const { xml, pdf } = await buildPatientSummaryL1({ ...ps, problems: { kind: "entries", entries: many } }, ctx);
    expect(schema.validate(xml).valid).to.equal(true);
    const pages = (await PDFDocument.load(pdf)).getPageCount();
    expect(pages).to.be.greaterThan(3);
    const text = pdfText(pdf);
    expect(text).to.contain(`Page ${pages} of ${pages}`);
    expect(text).to.contain("Problem number 119");
  });

  it("PS: characters outside WinAnsi (Greek, Cyrillic, Polish, CJK, emoji) do not crash and are transliterated", async () => {
    const ps = golden<PatientSummary>("ps/known-absent.json");
    const patient = { ...ps.patient, names: [{ family: "Παπαδόπουλος Иванов Łukasz Őrs", given: ["漢字 😀 Zoë"] }] };
    const { xml, pdf } = await buildPatientSummaryL1({ ...ps, patient }, ctx);
    expect(schema.validate(xml).valid).to.equal(true);
    expect(xml).to.contain("Παπαδόπουλος"); // the CDA header keeps the exact text
    const text = pdfText(pdf);
    expect(text).to.contain("Papadopoulos Ivanov Lukasz Ors");
    expect(text).to.contain("Zoë");
  });

  for (const name of ["two-items", "not-substitutable-national-codes"]) {
    it(`eP ${name}: L1 CDA valid against the XSD, templateId ...1.1.6, PDF lists every item`, async () => {
      const p = golden<Prescription>(`ep/${name}.json`);
      const { xml, pdf } = await buildEPrescriptionL1(p, ctx);
      expect(schema.validate(xml).errors).to.deep.equal([]);
      const doc = readCda(xml, { code: "DOCUMENT_INVALID" });
      expect(all(doc, "/hl7:ClinicalDocument/hl7:templateId").map((t) => attr(t, "root"))).to.deep.equal([EP_L1_TEMPLATE]);
      expect(carriedPdf(xml).equals(Buffer.from(pdf))).to.equal(true);
      expect((await PDFDocument.load(pdf)).getPageCount()).to.be.greaterThan(0);
      const text = pdfText(pdf);
      expect(text).to.contain(p.patient.names[0]?.family);
      expect(text).to.contain(p.id);
      for (const item of p.items) expect(text.replace(/\s+/g, " ")).to.contain(item.product.name.split(/\s+/)[0]);
    });
  }

  it("is repeatable: the same input and time give the same bytes", async () => {
    const ps = golden<PatientSummary>("ps/full.json");
    const a = await buildPatientSummaryL1(ps, ctx);
    const b = await buildPatientSummaryL1(ps, ctx);
    expect(a.xml).to.equal(b.xml);
  });
});
