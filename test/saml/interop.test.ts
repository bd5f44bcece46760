// Our assertions against other implementations (issue 3 "Issuing assertions", "Evidence"):
//  - what we issue verifies with Debian's xmlsec1 (--id-attr:ID on saml:Assertion) and with our own
//    validator (round trip), and a flipped byte breaks both;
//  - assertions signed by libxmlsec1 (python3-xmlsec, test/saml/xmlsec_sign_assertion.py) are
//    accepted when valid and refused when tampered.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PartnerRegistry } from "../../src/exchange/partners/registry";
import { checkPartnerInput } from "../../src/exchange/partners/repository";
import { createAssertionIssuer, issueHcpAssertion, issueTrcAssertion } from "../../src/saml/issue";
import { AssertionRefused } from "../../src/saml/refusal";
import { validateAssertions } from "../../src/saml/validate";
import { AT, DOCTOR, DK_HOME_COMMUNITY, ISSUED_AT, PATIENT, assertionPair, envelope, signingKey, testRegistry } from "./fixtures";
import { KEYS_DIR, SAML_TEST_DIR } from "./test-pki";

const work = mkdtempSync(join(tmpdir(), "passerelle-saml-"));
const PYTHON = process.env.PASSERELLE_PYTHON ?? "/usr/bin/python3";

function xmlsec1Verify(xml: string, caName: string): { ok: boolean; output: string } {
  const file = join(work, `a-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync("xmlsec1", ["--verify", "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", "--trusted-pem", join(KEYS_DIR, `${caName}.pem`), file], { encoding: "utf8" });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function signWithXmlsec(assertionXml: string, keyName: string): string {
  const unsigned = join(work, `u-${Math.random().toString(36).slice(2)}.xml`);
  const out = `${unsigned}.signed.xml`;
  writeFileSync(unsigned, assertionXml.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/, ""));
  const r = spawnSync(PYTHON, [join(SAML_TEST_DIR, "xmlsec_sign_assertion.py"), unsigned, join(KEYS_DIR, `${keyName}.key.pem`), join(KEYS_DIR, `${keyName}.pem`), out], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3-xmlsec failed: ${r.stderr}`);
  return readFileSync(out, "utf8");
}

async function refusal(p: Promise<unknown>): Promise<AssertionRefused> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AssertionRefused) return e;
    throw e;
  }
  throw new Error("accepted");
}

describe("SAML interoperability: xmlsec1 and python3-xmlsec", function () {
  this.timeout(60000);
  const registry = testRegistry();
  const pair = assertionPair();

  it("our HCP and TRC assertions verify with xmlsec1 against the signer's CA", () => {
    for (const xml of [pair.hcp, pair.trc]) {
      const r = xmlsec1Verify(xml, "dk-signing-ca");
      expect(r.ok, r.output).to.equal(true);
      expect(r.output).to.match(/^OK/m);
    }
  });

  it("xmlsec1 refuses them once a byte is flipped, and against another CA", () => {
    const flipped = pair.hcp.replace("Rigshospitalet", "Rigshospitalez");
    expect(xmlsec1Verify(flipped, "dk-signing-ca").ok).to.equal(false);
    expect(xmlsec1Verify(pair.hcp, "fi-signing-ca").ok).to.equal(false);
  });

  it("round trip: what we issue, our validator accepts, with every attribute intact", async () => {
    const r = await validateAssertions(envelope([pair.hcp, pair.trc]), { service: "ep", registry, peerCountry: "DK", at: AT, patientId: PATIENT });
    expect(r.hcp).to.include({ subjectId: DOCTOR.subjectId, organization: DOCTOR.organization, facilityType: "Hospital", homeCommunityId: DK_HOME_COMMUNITY, nameId: DOCTOR.nameId });
    expect(r.hcp.permissions).to.deep.equal(DOCTOR.permissions);
    expect(r.trc).to.include({ patientId: PATIENT, hcpAssertionId: pair.hcpId });
  });

  it("places the signature right after Issuer, Reference #ID, exc-c14n, RSA-SHA256, SHA-256, never SHA-1", () => {
    expect(pair.hcp).to.match(/<\/saml2:Issuer><ds:Signature /);
    expect(pair.hcp).to.contain(`<ds:Reference URI="#${pair.hcpId}">`);
    expect(pair.hcp).to.contain('<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>');
    expect(pair.hcp).to.contain('<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>');
    expect(pair.hcp).to.contain('<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>');
    expect(pair.hcp).not.to.match(/sha1/i);
  });

  it("accepts assertions signed by python3-xmlsec, and refuses them tampered", async () => {
    const hcp = signWithXmlsec(pair.hcp, "dk-saml");
    const trc = signWithXmlsec(pair.trc, "dk-saml");
    expect(hcp).not.to.equal(pair.hcp);
    const ok = await validateAssertions(envelope([hcp, trc]), { service: "ps", registry, peerCountry: "DK", at: AT, patientId: PATIENT });
    expect(ok.hcp.role.code).to.equal("221");
    const tampered = await refusal(validateAssertions(envelope([hcp.replace("Copenhagen", "Copenhagem"), trc]), { service: "ps", registry, peerCountry: "DK", at: AT, patientId: PATIENT }));
    expect(tampered.code).to.equal("1001");
    expect(tampered.message).to.match(/digest does not match/);
    const wrongSigner = await refusal(validateAssertions(envelope([signWithXmlsec(pair.hcp, "rogue-saml"), trc]), { service: "ps", registry, peerCountry: "DK", at: AT, patientId: PATIENT }));
    expect(wrongSigner.message).to.match(/does not chain to a trusted CA/);
  });

  it("our issuer (LU, its SAML key) produces a pair a partner trusting our CA accepts", async () => {
    const issuer = createAssertionIssuer({ key: signingKey("lu-saml"), country: "LU", homeCommunityId: "urn:oid:1.3.182.2.12.10000734" });
    const hcp = issuer.hcp(DOCTOR, ISSUED_AT);
    const trc = issuer.trc({ hcp: hcp.content, patientId: PATIENT, purposeOfUse: "TREATMENT" }, ISSUED_AT);
    expect(hcp.xml).to.contain(">urn:idp:LU:countryB</saml2:Issuer>");
    expect(trc.xml).to.contain(">urn:initgw:LU:countryB</saml2:Issuer>");
    const luCa = readFileSync(join(KEYS_DIR, "lu-signing-ca.pem"), "utf8");
    const theirView = new PartnerRegistry([
      checkPartnerInput({ country: "LU", homeCommunityId: "urn:oid:1.3.182.2.12.10000734", endpoints: {}, tls: { ca: [luCa] }, signing: { ca: [luCa] } }),
    ]);
    const r = await validateAssertions(envelope([hcp.xml, trc.xml]), { service: "ps", registry: theirView, peerCountry: "LU", at: AT, patientId: PATIENT });
    expect(r.country).to.equal("LU");
    expect(xmlsec1Verify(trc.xml, "lu-signing-ca").ok).to.equal(true);
  });

  it("refuses to issue what the rules would refuse: unknown role, single-factor login, a nurse without on-behalf-of, a 5 h HCP", () => {
    const key = signingKey("lu-saml");
    const o = { key, issuer: "urn:idp:LU:countryB", at: ISSUED_AT };
    expect(() => issueHcpAssertion({ ...DOCTOR, role: "9999" }, o)).to.throw(/role "9999"/);
    expect(() => issueHcpAssertion({ ...DOCTOR, authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password" }, o)).to.throw(/not two-factor/);
    expect(() => issueHcpAssertion({ ...DOCTOR, role: "3221" }, o)).to.throw(/on-behalf-of is required/);
    expect(() => issueHcpAssertion(DOCTOR, { ...o, lifetimeMs: 5 * 3600_000 })).to.throw(/lifetime/);
    const nurse = issueHcpAssertion({ ...DOCTOR, role: "3221", onBehalfOf: "221" }, o);
    expect(nurse.content.onBehalfOf).to.equal("221");
    expect(() => issueTrcAssertion({ hcp: nurse.content, patientId: "12345", purposeOfUse: "TREATMENT" }, o)).to.throw(/CX form/);
  });
});
