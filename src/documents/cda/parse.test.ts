import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PatientSummary } from "../../canonical/model";
import { isPasserelleError } from "../../shared/errors";
import { loadCatalogue } from "../../terminology/catalogue";
import { ehdsiPath, REPO_ROOT } from "../../../test/helpers/ehdsi";
import { parseDocumentHeader } from "./parse";
import { buildPatientSummaryL3 } from "./patient-summary";

describe("CDA header parsing", () => {
  it("reads back what the PS builder wrote", () => {
    const ps = JSON.parse(readFileSync(join(REPO_ROOT, "test/golden/ps/full.json"), "utf8")) as PatientSummary;
    const ctx = { country: "LU", documentIdRoot: "1.3.182.10.7", custodian: { name: "NCPeH" }, terminology: loadCatalogue({ mvcDir: ehdsiPath("mvc") }), now: () => new Date("2026-01-01T10:00:00Z") };
    const h = parseDocumentHeader(buildPatientSummaryL3(ps, ctx));
    expect(h.id.root).to.equal("1.3.182.10.7");
    expect(h.id.extension).to.match(/^[0-9a-f]{40}$/);
    expect(h.code).to.equal("60591-5");
    expect(h.level).to.equal("L3");
    expect(h.effectiveTime).to.equal("2026-01-01T10:00:00+00:00");
    expect(h.language).to.equal("fr-LU");
    expect(h.patient.ids).to.deep.equal(ps.patient.ids);
    expect(h.patient.names).to.deep.equal(ps.patient.names);
    expect(h.patient.gender).to.equal("female");
    expect(h.patient.birthDate).to.equal("1968-10-15");
    expect(h.patient.addresses).to.deep.equal(ps.patient.addresses);
    expect(h.custodian).to.equal(ps.custodian.name);
  });

  it("reads a foreign Wave 8 PS and the Luxembourg L1", () => {
    const w8 = parseDocumentHeader(readFileSync(ehdsiPath("cda/openncp/2-1234-W8.xml"), "utf8"));
    expect(w8.id).to.deep.equal({ root: "1.2.752.129.2.1.2.1", extension: "PS_W7_EU" });
    expect(w8.patient.ids).to.deep.equal([{ system: "2.16.17.710.850.1000.990.1.1000", value: "2-1234-W8" }]);
    expect(w8.patient.birthDate).to.equal("1886-06-29");
    expect(w8.effectiveTime).to.equal("2022-06-08T10:49:00+02:00");
    const l1 = parseDocumentHeader(readFileSync(ehdsiPath("cda/luxembourg/LU-PS-L1-W8.xml"), "utf8"));
    expect(l1.level).to.equal("L1");
    expect(l1.patient.ids.map((i) => i.value)).to.include("1968101545978");
  });

  it("refuses a document without patient with a precise error", () => {
    expect(() => parseDocumentHeader('<ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1.2.3"/></ClinicalDocument>')).to.throw().that.satisfies(
      (e: unknown) => isPasserelleError(e, "DOCUMENT_INVALID") && /recordTarget/.test((e as Error).message),
    );
  });
});
