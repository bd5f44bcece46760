// Evidence for the document seal (issue 2 "Evidence the tests must give"): our signatures verify
// with Debian's xmlsec1 against the CA; one flipped byte breaks them in xmlsec1 and in our
// verifier; a signature made by libxmlsec1 (python3-xmlsec) verifies in ours; a real 170 KB eHDSI
// Patient Summary is sealed and what the verifier returns is still schema-valid.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLSerializer } from "@xmldom/xmldom";
import { loadCdaSchema } from "../../src/documents/cda/schema";
import { ErrorCode, isPasserelleError } from "../../src/shared/errors";
import { DSIG_NS } from "../../src/signing/algorithms";
import { canonicalizeDocument } from "../../src/signing/c14n";
import { loadSigningKey } from "../../src/signing/keys";
import { signDocument } from "../../src/signing/sign";
import { loadTrustList, trustListFromPem } from "../../src/signing/trust";
import { verifyDocument } from "../../src/signing/verify";
import { REPO_ROOT, ehdsiPath } from "../helpers/ehdsi";
import { testPki } from "./pki";

const PYTHON = process.env.PASSERELLE_PYTHON ?? "/usr/bin/python3";
const work = mkdtempSync(join(tmpdir(), "passerelle-sign-"));

function xmlsec1Verify(xml: string, caFile: string): { ok: boolean; output: string } {
  const file = join(work, `doc-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync("xmlsec1", ["--verify", "--trusted-pem", caFile, file], { encoding: "utf8" });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function verifyCode(xml: string, trust: ReturnType<typeof loadTrustList>): string | undefined {
  try {
    verifyDocument(xml, trust);
    return undefined;
  } catch (e) {
    if (isPasserelleError(e)) return e.code;
    throw e;
  }
}

/** Flip one byte of the signed content: a character of the patient's family name. */
function flipOneByte(signed: string): string {
  const at = signed.indexOf("<family>") + "<family>".length;
  const c = signed.charCodeAt(at);
  return signed.slice(0, at) + String.fromCharCode(c ^ 0x01) + signed.slice(at + 1);
}

describe("signing: interoperability and the real eHDSI sample", function () {
  this.timeout(60000);
  const pki = testPki();
  const caFile = join(pki.dir, "ca.pem");
  const trust = loadTrustList({ anchors: [caFile] });
  const key = loadSigningKey(pki.dir, "seal");
  const samplePath = ehdsiPath("cda/openncp/2-1234-W8.xml");
  const sample = readFileSync(samplePath, "utf8");
  const signed = signDocument(sample, key);

  it("seals the 170 KB sample: one ds:Signature, last child of ClinicalDocument, the algorithms eHDSI asks for", () => {
    expect(signed.match(/<ds:Signature /g)).to.have.length(1);
    expect(signed.trimEnd()).to.match(/<\/ds:Signature><\/ClinicalDocument>$/);
    for (const uri of [
      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      "http://www.w3.org/2001/10/xml-exc-c14n#",
      "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
      "http://www.w3.org/2001/04/xmlenc#sha256",
    ]) {
      expect(signed).to.contain(`Algorithm="${uri}"`);
    }
    expect(signed).to.contain('<ds:Reference URI="">');
    expect(signed).not.to.match(/sha1/i);
  });

  it("xmlsec1 --verify --trusted-pem ca.pem accepts our seal", () => {
    const r = xmlsec1Verify(signed, caFile);
    expect(r.ok, r.output).to.equal(true);
  });

  it("our verifier accepts it, names the signer, and returns the signed document without the signature", () => {
    const { document, signer } = verifyDocument(signed, trust);
    expect(signer.subject).to.equal("CN=Passerelle Test Seal, O=Passerelle tests, C=LU");
    expect(signer.issuer).to.equal("CN=Passerelle Test CA, O=Passerelle tests, C=LU");
    expect(signer.notAfter).to.be.instanceOf(Date);
    expect(document.getElementsByTagNameNS(DSIG_NS, "Signature").length).to.equal(0);
    expect(document.documentElement?.localName).to.equal("ClinicalDocument");
    // The verified content is exactly the document that was sealed.
    expect(canonicalizeDocument(new XMLSerializer().serializeToString(document)).canonical).to.equal(canonicalizeDocument(sample).canonical);
  });

  it("the signed file itself fails the CDA XSD only because of ds:Signature; the verified content is schema-valid", () => {
    const schema = loadCdaSchema(ehdsiPath("schema-cda/CDA_Pharma.xsd"));
    expect(schema.validate(sample).valid).to.equal(true);
    const onSigned = schema.validate(signed);
    expect(onSigned.valid).to.equal(false);
    expect(onSigned.errors).to.have.length(1);
    expect(onSigned.errors[0]?.message).to.match(/Signature.*not expected/);
    const verified = new XMLSerializer().serializeToString(verifyDocument(signed, trust).document);
    expect(schema.validate(verified).errors).to.deep.equal([]);
  });

  it("one flipped byte breaks verification in xmlsec1 and in ours", () => {
    const tampered = flipOneByte(signed);
    expect(tampered).not.to.equal(signed);
    expect(xmlsec1Verify(tampered, caFile).ok).to.equal(false);
    expect(verifyCode(tampered, trust)).to.equal(ErrorCode.SignatureInvalid);
  });

  it("a flipped byte in the SignatureValue breaks both too", () => {
    const tampered = signed.replace(/<ds:SignatureValue>(.)/, (_m, c: string) => `<ds:SignatureValue>${c === "A" ? "B" : "A"}`);
    expect(xmlsec1Verify(tampered, caFile).ok).to.equal(false);
    expect(verifyCode(tampered, trust)).to.equal(ErrorCode.SignatureInvalid);
  });

  it("a seal made by libxmlsec1 (python3-xmlsec) verifies in ours", () => {
    const out = join(work, "by-xmlsec.xml");
    const r = spawnSync(PYTHON, [join(REPO_ROOT, "bench/xmlsec_sign.py"), samplePath, join(pki.dir, "seal.key.pem"), join(pki.dir, "seal.pem"), "0", "--out", out], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    const byXmlsec = readFileSync(out, "utf8");
    expect(verifyDocument(byXmlsec, trust).signer.subject).to.contain("Passerelle Test Seal");
    expect(verifyCode(flipOneByte(byXmlsec), trust)).to.equal(ErrorCode.SignatureInvalid);
  });

  it("trusts a pinned signer certificate without its CA, and nothing else", () => {
    const pinned = trustListFromPem({ pinned: [pki.seal.certPem] });
    expect(verifyDocument(signed, pinned).signer.serial).to.be.a("string");
    expect(verifyCode(signed, trustListFromPem({}))).to.equal(ErrorCode.SignerUntrusted);
  });

  it("checks validity at the time asked for", () => {
    const later = new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000);
    expect(() => verifyDocument(signed, trust, { at: later })).to.throw(/not valid at/);
  });

  it("refuses to seal twice, and refuses a DOCTYPE", () => {
    expect(() => signDocument(signed, key)).to.throw(/already signed/);
    expect(() => signDocument('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', key)).to.throw(/DOCTYPE/);
    expect(verifyCode(`<!DOCTYPE ClinicalDocument>${signed.replace(/^<\?xml[^>]*\?>/, "")}`, trust)).to.equal(ErrorCode.SignatureInvalid);
  });

  it("seals edge forms the same way xmlsec1 reads them: an empty root, CRLF line ends, a BOM, a stylesheet PI", () => {
    for (const xml of [
      '<ClinicalDocument xmlns="urn:hl7-org:v3" classCode="DOCCLIN" />',
      '<?xml version="1.0" encoding="UTF-8"?>\r\n<a xmlns:p="urn:p">\r\n  <p:b x="1&#13;2">t\r\n</p:b>\r\n</a>\r\n',
      '\uFEFF<a>é</a>',
      '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="cda.xsl"?>\n<a><b/></a>',
    ]) {
      const s = signDocument(xml, key);
      const r = xmlsec1Verify(s, caFile);
      expect(r.ok, `${JSON.stringify(xml)}: ${r.output}`).to.equal(true);
      expect(verifyDocument(s, trust).signer.subject, xml).to.contain("Seal");
    }
  });

  it("seals every eHDSI CDA sample so that xmlsec1 and our verifier both accept it", () => {
    for (const name of ["luxembourg/LU-PS-L1-W8.xml", "luxembourg/LU-PS-pivot-L3-W8.xml", "openncp/PatientSummary-pivot.xml", "openncp/eDispensation-pivot.xml"]) {
      const s = signDocument(readFileSync(ehdsiPath("cda", name), "utf8"), key);
      const r = xmlsec1Verify(s, caFile);
      expect(r.ok, `${name}: ${r.output}`).to.equal(true);
      expect(verifyDocument(s, trust).signer.subject, name).to.contain("Seal");
    }
  });
});
