import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ehdsiPath, REPO_ROOT } from "../../../test/helpers/ehdsi";
import { isPasserelleError } from "../../shared/errors";
import { el } from "../../shared/xml";
import { loadCatalogue } from "../../terminology/catalogue";
import { translateCda } from "../cda/translate";
import { serializeHtml } from "./html";
import { renderClinicalDocumentHtml } from "./render";

const golden = (p: string) => readFileSync(join(REPO_ROOT, "test/golden", p), "utf8");
const sample = (p: string) => readFileSync(ehdsiPath("cda", p), "utf8");
const headings = (html: string) => [...html.matchAll(/<h2 id="section-[0-9]+">([^<]*)<\/h2>/g)].map((m) => m[1]);

describe("HTML rendering of PS and eP for the clinician", function () {
  this.timeout(60000);

  it("renders our generated PS: patient header, every section with its heading and a table with column headers", () => {
    const html = renderClinicalDocumentHtml(golden("ps/full.xml"), { language: "en" });
    expect(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">")).to.equal(true);
    expect(html).to.match(/<h2 id="patient-heading">Patient: [^<]+<\/h2>/);
    const sectionCount = (golden("ps/full.xml").match(/<section>/g) ?? []).length;
    expect(headings(html)).to.have.length(sectionCount);
    expect(html).to.include('<th scope="col">Item</th>');
    expect((html.match(/<table>/g) ?? []).length).to.be.at.least(5);
    // No script, no external resource: the page is self-contained.
    expect(html).not.to.match(/<script|<link|src=|href=/i);
  });

  it("states known absence and missing information as sentences, not empty tables", () => {
    const absent = renderClinicalDocumentHtml(golden("ps/known-absent.xml"));
    expect(absent).to.include('<p class="statement">No known allergies</p>');
    expect(absent).to.include('<p class="statement">No known medications</p>');
    expect(absent).not.to.include("<table>");
    const noInfo = renderClinicalDocumentHtml(golden("ps/no-information.xml"));
    expect(noInfo).to.match(/<p class="statement">No information[^<]*allerg/i);
  });

  it("renders an eP: product name, national and ATC codes with display names, dose form, strength, substitution, instructions (escaped)", () => {
    const html = renderClinicalDocumentHtml(golden("ep/two-items.xml"), { language: "fr" });
    expect(html).to.include("<span>Dafalgan 500 mg</span>");
    expect(html).to.include('<span>paracetamol</span><span class="code"> (N02BE01, Anatomical Therapeutic Chemical)</span>');
    for (const d of ["Tablet", "Oral use", "paracetamol 500 mg", "generic"]) expect(html).to.include(`<li>${d}</li>`);
    expect(html).to.include("<li>Prendre après les repas, &lt; 4 g/jour &amp; pas d'alcool</li>");
    expect(html).to.include('<th scope="col">Élément</th>');
    expect(html).to.include("<td>2026-11-20 – 2026-12-20</td>");
  });

  it("shows the translated display names of a pivot PS translated into French (LU pivot sample)", () => {
    const mvc = loadCatalogue({ mvcDir: ehdsiPath("mvc") });
    const translated = translateCda(sample("luxembourg/LU-PS-pivot-L3-W8.xml"), mvc, "fr");
    const html = renderClinicalDocumentHtml(translated.xml, { language: "fr" });
    expect(html).to.include('<html lang="fr">');
    expect(html).to.include("<li>Voie orale</li>");
    expect(headings(html)).to.include("Allergies, effets indésirables, alertes");
  });

  it("renders every L3 sample of the eHDSI set without failing, each section with a heading", () => {
    const files = [
      "luxembourg/LU-PS-pivot-L3-W8.xml",
      "luxembourg/LU-PS-epsos-era-L3.xml",
      "openncp/PatientSummary-pivot.xml",
      "openncp/PatientSummary-friendly.xml",
      "openncp/ePrescription-pivot.xml",
      "openncp/2-1234-W8.xml",
    ];
    for (const f of files) {
      const xml = sample(f);
      const html = renderClinicalDocumentHtml(xml);
      const sections = (xml.match(/<(?:[a-z]+:)?section[ >]/g) ?? []).length;
      expect(headings(html).length, f).to.equal(sections);
      expect(headings(html).every((h) => h && h.trim().length > 0), f).to.equal(true);
    }
  });

  it("says that a Level 1 document is a PDF, in the clinician's language", () => {
    const html = renderClinicalDocumentHtml(sample("luxembourg/LU-PS-L1-W8.xml"), { language: "de" });
    expect(headings(html)).to.deep.equal([]);
    expect(html).to.include("Dieses Dokument ist ein PDF");
  });

  it("escapes markup found in the document: a script in a name or a narrative stays text", () => {
    const attack = golden("ep/two-items.xml")
      .replace("Dafalgan 500 mg</name>", "&lt;script&gt;alert(1)&lt;/script&gt;</name>")
      .replace("<given>Anne</given>", '<given>&lt;img src=x onerror="alert(2)"&gt;</given>');
    const html = renderClinicalDocumentHtml(attack);
    expect(html).not.to.match(/<script|<img/i);
    expect(html).to.include("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).to.include("&lt;img src=x onerror=\"alert(2)\"&gt;");
  });

  it("refuses what is not a CDA document with DOCUMENT_INVALID", () => {
    for (const bad of ["<html/>", "not xml", '<!DOCTYPE x [<!ENTITY a "b">]><ClinicalDocument xmlns="urn:hl7-org:v3"/>']) {
      try {
        renderClinicalDocumentHtml(bad);
        expect.fail("accepted");
      } catch (e) {
        expect(isPasserelleError(e) && e.code).to.equal("DOCUMENT_INVALID");
      }
    }
  });

  it("html writer: end tags for empty elements, no end tag for void ones, raw text elements refuse markup", () => {
    expect(serializeHtml(el("html", {}, el("body", {}, el("td"), el("br"))))).to.equal("<!DOCTYPE html>\n<html><body><td></td><br></body></html>");
    expect(() => serializeHtml(el("html", {}, el("style", {}, "</style><script>")))).to.throw(/markup/);
    expect(() => serializeHtml(el("html", { "on click": "x" }))).to.throw(/attribute name/);
  });
});
