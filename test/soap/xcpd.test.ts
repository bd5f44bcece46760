import { expect } from "chai";
import { DOMParser, type Element } from "@xmldom/xmldom";
import { serialize } from "../../src/shared/xml";
import { parseEnvelope } from "../../src/soap/envelope";
import { buildXcpdResponse, parseXcpdQuery, parseXcpdResponse, type XcpdAnswerContext, type XcpdPatient } from "../../src/soap/xcpd/messages";
import { readXml } from "../../src/soap/xml-read";
import { dkEnvelope, sample } from "./samples";
import { isPasserelleError } from "../../src/shared/errors";

const LIMITS = { maxBytes: 1024 * 1024 };
const root = (xml: string) => readXml(xml, LIMITS).documentElement as Element;

/** Element paths (local names) of a tree, e.g. PRPA_IN201306UV02/acknowledgement/typeCode. */
function paths(e: Element, prefix = ""): Set<string> {
  const here = `${prefix}${e.localName}`;
  const out = new Set([here]);
  for (let c = e.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) for (const p of paths(c as Element, `${here}/`)) out.add(p);
  return out;
}

const marie: XcpdPatient = {
  ids: [{ system: "1.3.182.2.12.10000734.6.1", value: "1985032112345" }],
  names: [{ family: "Kieffer", given: ["Marie", "Anne"], prefix: ["Dr"] }],
  gender: "female",
  birthDate: "1985-03-21",
  addresses: [{ lines: ["12 rue de la Gare"], city: "Luxembourg", postalCode: "L-1611", country: "LU" }],
};

function context(requestXml: string): XcpdAnswerContext {
  return { query: parseXcpdQuery(root(requestXml)), ourDeviceId: "1.3.182.2.12.10000734.1", homeCommunityOid: "urn:oid:1.3.182.2.12.10000734", messageId: { root: "5b2f0c1e-3a4d-4e8f-9a0b-1c2d3e4f5a6b" }, now: new Date("2026-11-27T10:00:00Z") };
}

describe("soap/xcpd: reading PRPA_IN201305UV02", () => {
  it("reads the gematik queries (two identifiers, no demographics)", () => {
    const q = parseXcpdQuery(root(sample("gematik", "PRPA_IN201305UV02_298.xml")));
    expect(q.messageId).to.deep.equal({ root: "38deb4a3-bc7c-480f-b4e3-6396e19f9416", extension: "452fde50-b69b-4424-b22b-6d651d0e04e3" });
    expect(q.livingSubjectIds).to.deep.equal([
      { root: "1.2.276.0.76.3.1.580.147", extension: "X114428538" },
      { root: "1.2.276.0.76.4.298", extension: "A2C4E6" },
    ]);
    expect(q.hasDemographics).to.equal(false);
    expect(q.senderDeviceId).to.equal("101");
    expect(q.queryId).to.deep.equal({ root: "1.263507841149" });
    expect(parseXcpdQuery(root(sample("gematik", "PRPA_IN201305UV02_299.xml"))).livingSubjectIds[1]!.root).to.equal("1.2.276.0.76.4.299");
  });

  it("reads the openncp and dk-templates queries (identifier plus a country address)", () => {
    const pt = parseXcpdQuery(root(sample("openncp", "PT_SERVER_XCPD_7.xml")));
    expect(pt.livingSubjectIds).to.deep.equal([{ root: "2.16.999.1000.990.1", extension: "0" }]);
    expect(pt.demographics.addresses).to.deep.equal([{ lines: [], country: "PT" }]);
    expect(pt.senderDeviceId).to.equal("2.16.17.710.0.1000.990.1");
    expect(pt.receiverDeviceId).to.equal("2.16.17.710.820.1000.990.1");
    const dk = parseXcpdQuery(parseEnvelope(dkEnvelope("xcpd", "request.xml"), LIMITS).body);
    expect(dk.livingSubjectIds).to.deep.equal([{ root: "1.2.208.176.1.2", extension: "0410009234" }]);
    expect(dk.hasDemographics).to.equal(true);
    expect(dk.creationTime).to.equal("20241120091228.071+0000");
  });

  it("reads demographics and says where a query is broken", () => {
    const xml = sample("gematik", "PRPA_IN201305UV02_298.xml").replace(
      /<ns6:livingSubjectId>[\s\S]*<\/ns6:livingSubjectId>/,
      `<ns6:livingSubjectName><ns6:value><ns6:given>Maude</ns6:given><ns6:family>Test</ns6:family></ns6:value></ns6:livingSubjectName>
       <ns6:livingSubjectBirthTime><ns6:value value="19670630"/></ns6:livingSubjectBirthTime>
       <ns6:livingSubjectAdministrativeGender><ns6:value code="F"/></ns6:livingSubjectAdministrativeGender>`,
    );
    const q = parseXcpdQuery(root(xml));
    expect(q.livingSubjectIds).to.deep.equal([]);
    expect(q.demographics).to.deep.equal({ names: [{ given: ["Maude"], family: "Test" }], birthTime: "19670630", gender: "F", addresses: [] });
    expect(q.hasDemographics).to.equal(true);
    const noExtension = sample("gematik", "PRPA_IN201305UV02_298.xml").replace(' extension="X114428538"', "");
    try {
      parseXcpdQuery(root(noExtension));
      expect.fail("accepted");
    } catch (e) {
      expect(isPasserelleError(e) && e.details.location).to.equal("/PRPA_IN201305UV02/controlActProcess/queryByParameter/parameterList/livingSubjectId[1]/value/@extension");
    }
    expect(() => parseXcpdQuery(root(sample("gematik", "PRPA_IN201306UV02.xml")))).to.throw(/PRPA_IN201305UV02/);
  });
});

describe("soap/xcpd: writing PRPA_IN201306UV02", () => {
  const request = sample("gematik", "PRPA_IN201305UV02_298.xml");

  it("OK: the patient with identifiers, name, gender, birth time, address; re-read by our own reader", () => {
    const xml = serialize(buildXcpdResponse(context(request), { kind: "found", patients: [marie] }));
    const a = parseXcpdResponse(root(xml));
    expect(a.acknowledgement).to.equal("AA");
    expect(a.queryResponseCode).to.equal("OK");
    expect(a.targetMessageId).to.deep.equal({ root: "38deb4a3-bc7c-480f-b4e3-6396e19f9416", extension: "452fde50-b69b-4424-b22b-6d651d0e04e3" });
    expect(a.patients).to.deep.equal([
      { ids: [{ root: "1.3.182.2.12.10000734.6.1", extension: "1985032112345" }], names: [{ given: ["Marie", "Anne"], family: "Kieffer", prefix: ["Dr"] }], gender: "F", birthTime: "19850321", addresses: [{ lines: ["12 rue de la Gare"], postalCode: "L-1611", city: "Luxembourg", country: "LU" }] },
    ]);
    expect(a.issues).to.deep.equal([]);
    // the sample OK answer's elements are all there (our answer adds queryAck details and the query echo)
    const ours = paths(root(xml));
    const theirs = [...paths(root(sample("gematik", "PRPA_IN201306UV02.xml")))];
    expect(theirs.filter((p) => !ours.has(p))).to.deep.equal([]);
    expect(xml).to.include('<receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="101"/>');
    expect(xml).to.include('<assignedEntity classCode="ASSIGNED"><id root="1.3.182.2.12.10000734"/>');
  });

  it("NF + AA + AnswerNotAvailable, shaped like the gematik NF sample", () => {
    const xml = serialize(buildXcpdResponse(context(request), { kind: "not-found", details: [{ code: "ERROR_PI_NO_MATCH", text: "No patient matches", location: "livingSubjectId" }] }));
    const a = parseXcpdResponse(root(xml));
    expect([a.acknowledgement, a.queryResponseCode]).to.deep.equal(["AA", "NF"]);
    expect(a.issues).to.deep.equal([{ code: "AnswerNotAvailable", codeSystem: "1.3.6.1.4.1.19376.1.2.27.3" }]);
    expect(a.details).to.deep.equal([{ code: "ERROR_PI_NO_MATCH", text: "No patient matches", location: "livingSubjectId", typeCode: "E" }]);
    expect(a.patients).to.deep.equal([]);
    const ours = paths(root(xml));
    const theirs = [...paths(root(sample("gematik", "PRPA_IN201306UV02_41.xml")))];
    expect(theirs.filter((p) => !ours.has(p))).to.deep.equal([]);
    // and the sample itself reads the same way
    const s = parseXcpdResponse(root(sample("gematik", "PRPA_IN201306UV02_41.xml")));
    expect([s.acknowledgement, s.queryResponseCode, s.issues[0]?.code]).to.deep.equal(["AA", "NF", "AnswerNotAvailable"]);
  });

  it("AE with eHDSI issue codes (DemographicsQueryNotAllowed, InsufficientRights)", () => {
    const xml = serialize(buildXcpdResponse(context(request), { kind: "error", issues: ["DemographicsQueryNotAllowed"], details: [{ code: "ERROR_PI_GENERIC", text: "Identification by demographics is not allowed", location: "parameterList" }] }));
    const a = parseXcpdResponse(root(xml));
    expect([a.acknowledgement, a.queryResponseCode]).to.deep.equal(["AE", "AE"]);
    expect(a.issues).to.deep.equal([{ code: "DemographicsQueryNotAllowed", codeSystem: "1.3.6.1.4.1.12559.11.10.1.3.2.2.1" }]);
    const rights = parseXcpdResponse(root(serialize(buildXcpdResponse(context(request), { kind: "error", issues: ["InsufficientRights", "PolicyViolation"], details: [] }))));
    expect(rights.issues.map((i) => i.code)).to.deep.equal(["InsufficientRights", "PolicyViolation"]);
    const ours = paths(root(xml));
    const theirs = [...paths(root(sample("gematik", "PRPA_IN201306UV02_5.xml")))];
    expect(theirs.filter((p) => !ours.has(p))).to.deep.equal([]);
    const s = parseXcpdResponse(root(sample("gematik", "PRPA_IN201306UV02_5.xml")));
    expect(s.details[0]).to.deep.include({ code: "NS250", text: "Deferred Response not supported." });
  });

  it("echoes the query and writes well-formed XML in the HL7 v3 namespace", () => {
    const xml = serialize(buildXcpdResponse(context(request), { kind: "found", patients: [marie] }));
    const doc = new DOMParser().parseFromString(xml, "text/xml");
    const echo = doc.getElementsByTagNameNS("urn:hl7-org:v3", "queryByParameter")[0]!;
    expect(Array.from(echo.getElementsByTagNameNS("urn:hl7-org:v3", "value")).map((v) => v.getAttribute("extension"))).to.deep.equal(["X114428538", "A2C4E6"]);
  });
});
