// The document engine end to end, for every demo record: national FHIR bundle -> pivot L3 and L1 ->
// sealed -> verified by our verifier against the dev CA -> the verified content passes CDA_Pharma.xsd
// and (L3) every coded element sits in its MVC value set.
import { XMLSerializer } from "@xmldom/xmldom";
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBindings } from "../../src/documents/cda/bindings-check";
import { cdaSchema, testContext } from "../../src/documents/cda/ep-ed.fixtures";
import { documentsFromNational, type DocumentLevel } from "../../src/documents/pipeline";
import { DEMO_BUNDLE_DIR, demoBundleFiles } from "../../src/national/demo";
import { parseBundleJson } from "../../src/national/fhir/bundle";
import { generateDevPki } from "../../src/ops/dev-pki";
import { loadSigningKey } from "../../src/signing/keys";
import { loadTrustList } from "../../src/signing/trust";
import { verifyDocument } from "../../src/signing/verify";

describe("document pipeline: every demo record, L3 and L1, sealed and verified", function () {
  this.timeout(120000);
  const dir = mkdtempSync(join(tmpdir(), "passerelle-pipeline-"));
  generateDevPki({ dir, country: "LU" });
  const signingKey = loadSigningKey(dir, "seal");
  const trust = loadTrustList({ anchors: [join(dir, "ca.pem")] });
  const ctx = testContext();
  const schema = cdaSchema();

  for (const { file, type } of demoBundleFiles()) {
    for (const level of ["L3", "L1"] as DocumentLevel[]) {
      it(`${file} -> ${type.toUpperCase()} ${level}`, async () => {
        const json = parseBundleJson(readFileSync(join(DEMO_BUNDLE_DIR, file)));
        const docs = await documentsFromNational(json, { kind: type, level, signingKey }, ctx);
        expect(docs.length).to.be.greaterThan(0);
        for (const doc of docs) {
          const verified = verifyDocument(doc.xml, trust);
          expect(verified.signer.subject).to.contain("document seal");
          const content = new XMLSerializer().serializeToString(verified.document);
          const result = schema.validate(content);
          expect(result.errors, `${doc.sourceId}: ${JSON.stringify(result.errors.slice(0, 3))}`).to.deep.equal([]);
          if (level === "L3") {
            const report = checkBindings(content, ctx.terminology);
            const errors = report.findings.filter((f) => f.severity === "error");
            expect(errors.map((f) => f.message), doc.sourceId).to.deep.equal([]);
            expect(report.checked).to.be.greaterThan(0);
          }
        }
      });
    }
  }

  it("translates into French keeping the pivot code, and seals the translation", async () => {
    const json = parseBundleJson(readFileSync(join(DEMO_BUNDLE_DIR, "sophie-weber-ps.json")));
    const [doc] = await documentsFromNational(json, { kind: "ps", language: "fr", signingKey }, ctx);
    const content = new XMLSerializer().serializeToString(verifyDocument(doc!.xml, trust).document);
    expect(schema.validate(content).valid).to.equal(true);
    // eHDSI: country B renders the display name in its language and keeps the pivot as <translation>.
    expect(content).to.match(/<code code="48765-2" codeSystem="2\.16\.840\.1\.113883\.6\.1"[^>]*displayName="[^"]*[Aa]llergie/);
  });
});
