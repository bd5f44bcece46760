import { expect } from "chai";
import type { Patient } from "../../canonical/model";
import { isPasserelleError } from "../../shared/errors";
import { el, serialize } from "../../shared/xml";
import { loadCatalogue } from "../../terminology/catalogue";
import { ehdsiPath } from "../../../test/helpers/ehdsi";
import type { DocumentContext } from "../context";
import { all, attr, first, readCda, text } from "./cda-reader";
import { clinicalDocument, headerElements, type DocumentHeader } from "./header";
import { loadCdaSchema } from "./schema";

const terminology = loadCatalogue({ mvcDir: ehdsiPath("mvc") });
const schema = loadCdaSchema(ehdsiPath("schema-cda/CDA_Pharma.xsd"));
const ctx: DocumentContext = {
  country: "LU",
  documentIdRoot: "1.3.182.10.7",
  custodian: { name: "NCPeH Luxembourg", id: { system: "1.3.182.4.2", value: "10000734" } },
  terminology,
  now: () => new Date("2026-03-04T05:06:07Z"),
};

const patient: Patient = {
  ids: [{ system: "1.3.182.4.4", value: "1968101545978" }],
  names: [{ family: "Kieffer", given: ["Marie", "Louise"] }],
  gender: "female",
  birthDate: "1968-10-15",
  addresses: [],
  telecom: [{ system: "other", value: "pigeon" }],
  languages: ["fr-LU"],
  contacts: [
    { guardian: true, name: { family: "Kieffer", given: ["Paul"] }, relationship: { code: "FTH", system: "2.16.840.1.113883.5.111", display: "father" } },
    { name: { text: "Voisine: Mme Schmit", given: [] }, telecom: [{ system: "phone", value: "+352 99 88 77" }] },
  ],
};

function render(h: DocumentHeader): string {
  const body = el("component", {}, el("structuredBody", {}, el("component", {}, el("section", {}))));
  return serialize(clinicalDocument(headerElements(h, ctx), body));
}

const base: DocumentHeader = {
  kind: "ps",
  templateIds: ["1.3.6.1.4.1.12559.11.10.1.3.1.1.3"],
  id: { root: "1.3.182.10.7", extension: "abc" },
  code: { code: "60591-5", display: "Patient summary Document" },
  title: "Patient Summary",
  language: "fr-LU",
  patient,
  authors: [],
};

describe("CDA header", () => {
  it("writes a schema-valid header with realm, time, patient, guardian and contact", () => {
    const xml = render(base);
    expect(schema.validate(xml).errors).to.deep.equal([]);
    const doc = readCda(xml, { code: "DOCUMENT_INVALID" });
    expect(attr(first(doc, "/hl7:ClinicalDocument/hl7:realmCode"), "code")).to.equal("LU");
    expect(attr(first(doc, "/hl7:ClinicalDocument/hl7:effectiveTime"), "value")).to.equal("20260304050607+0000");
    expect(all(doc, "//hl7:patientRole/hl7:telecom")).to.have.length(0); // "other" has no URL scheme
    expect(all(doc, "//hl7:patient/hl7:name/hl7:given").map((g) => text(g))).to.deep.equal(["Marie", "Louise"]);
    expect(attr(first(doc, "//hl7:patient/hl7:guardian/hl7:code"), "code")).to.equal("FTH");
    const contact = first(doc, "/hl7:ClinicalDocument/hl7:participant[@typeCode='IND']/hl7:associatedEntity");
    expect(attr(contact, "classCode")).to.equal("ECON");
    expect(text(first(contact!, "hl7:associatedPerson/hl7:name"))).to.equal("Voisine: Mme Schmit");
  });

  it("makes the gateway the authoring device, and the context's organisation the custodian, when the record names none", () => {
    const doc = readCda(render(base), { code: "DOCUMENT_INVALID" });
    expect(text(first(doc, "//hl7:author/hl7:assignedAuthor/hl7:assignedAuthoringDevice/hl7:softwareName"))).to.equal("Passerelle");
    expect(text(first(doc, "//hl7:custodian//hl7:representedCustodianOrganization/hl7:name"))).to.equal("NCPeH Luxembourg");
  });

  it("transcodes the author role per document kind: O in a PS, R for the prescriber of an eP", () => {
    const author = { practitioner: { name: { family: "Ferring", given: ["Jens"] }, role: { code: "999", system: "1.3.182.9.9", display: "médecin-dentiste" } } };
    const ps = readCda(render({ ...base, authors: [author] }), { code: "DOCUMENT_INVALID" });
    const fc = first(ps, "//hl7:author/hl7:functionCode");
    expect(attr(fc, "nullFlavor")).to.equal("OTH");
    expect(attr(first(fc!, "hl7:translation"), "code")).to.equal("999");
    expect(() => render({ ...base, kind: "ep", authors: [author] })).to.throw().that.satisfies(
      (e: unknown) => isPasserelleError(e, "ERROR_EP_MISSING_EXPECTED_MAPPING") && (e as { details: Record<string, unknown> }).details.element === "author.role",
    );
  });
});
