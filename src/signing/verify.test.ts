// The verifier core for a Reference by ID (what SAML assertions use: URI="#ID", the signature
// inside the signed element), beside the document-seal case covered in test/signing/.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignedXml } from "xml-crypto";
import { testPki } from "../../test/signing/pki";
import { ErrorCode, isPasserelleError } from "../shared/errors";
import { Algorithms, DSIG_NS } from "./algorithms";
import { pemToBase64Der } from "./keys";
import { trustListFromPem } from "./trust";
import { parseXmlStrict } from "./dom";
import { verifyEnveloped, verifyEnvelopedIn } from "./verify";

const ASSERTION = `<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0"><saml2:Issuer>urn:x</saml2:Issuer><saml2:Subject><saml2:NameID>doctor</saml2:NameID></saml2:Subject></saml2:Assertion>`;

/** libxmlsec1's verdict (xmlsec1 --verify) on the signature of the element with @ID, trusting `caPem`. */
function xmlsecVerifies(xml: string, caPem: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), "passerelle-verify-"));
  try {
    writeFileSync(join(dir, "doc.xml"), xml);
    writeFileSync(join(dir, "ca.pem"), caPem);
    execFileSync("xmlsec1", ["--verify", "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", "--trusted-pem", join(dir, "ca.pem"), join(dir, "doc.xml")], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An assertion that declares none of its namespaces (they are on the envelope), with a QName value
 * whose prefix is only on the envelope and on the PrefixList, signed in place by ID with xml-crypto.
 */
function signedInEnvelope(): string {
  const pki = testPki();
  const xml =
    `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xml:lang="fr">` +
    `<soap:Header><saml2:Assertion ID="_a9" Version="2.0"><saml2:Issuer>urn:x</saml2:Issuer><saml2:Subject><saml2:NameID>doctor</saml2:NameID></saml2:Subject>` +
    `<saml2:AttributeStatement><saml2:Attribute Name="n"><saml2:AttributeValue xsi:type="xsd:string">v&#13;w</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>` +
    `<saml2:Assertion ID="_b9" Version="2.0"><saml2:Issuer>urn:other</saml2:Issuer></saml2:Assertion></soap:Header><soap:Body/></soap:Envelope>`;
  const signer = new SignedXml({
    privateKey: pki.seal.keyPem,
    signatureAlgorithm: Algorithms.rsaSha256,
    canonicalizationAlgorithm: Algorithms.excC14n,
    idAttribute: "ID",
    inclusiveNamespacesPrefixList: ["xsd"],
    getKeyInfoContent: () => `<ds:X509Data><ds:X509Certificate>${pemToBase64Der(pki.seal.certPem)}</ds:X509Certificate></ds:X509Data>`,
  });
  signer.addReference({ xpath: `//*[@ID='_a9']`, digestAlgorithm: Algorithms.sha256, transforms: [Algorithms.envelopedSignature, Algorithms.excC14n], inclusiveNamespacesPrefixList: ["xsd"] });
  signer.computeSignature(xml, { prefix: "ds", location: { reference: `//*[@ID='_a9']/*[local-name()='Issuer']`, action: "after" } });
  return signer.getSignedXml();
}

function signById(xml: string, id: string): string {
  const pki = testPki();
  const signer = new SignedXml({
    privateKey: pki.seal.keyPem,
    signatureAlgorithm: Algorithms.rsaSha256,
    canonicalizationAlgorithm: Algorithms.excC14n,
    getKeyInfoContent: () => `<ds:X509Data><ds:X509Certificate>${pemToBase64Der(pki.seal.certPem)}</ds:X509Certificate></ds:X509Data>`,
  });
  signer.addReference({ xpath: `//*[@ID='${id}']`, digestAlgorithm: Algorithms.sha256, transforms: [Algorithms.envelopedSignature, Algorithms.excC14n] });
  signer.computeSignature(xml, { prefix: "ds", location: { reference: `//*[local-name()='Issuer']`, action: "after" } });
  return signer.getSignedXml();
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isPasserelleError(e) ? e.code : `not a PasserelleError: ${String(e)}`;
  }
}

describe("signing: verifyEnveloped by ID (the SAML case)", () => {
  const pki = testPki();
  const trust = trustListFromPem({ anchors: [pki.ca.certPem] });

  it("verifies an element signed by ID and returns that element re-parsed, without its signature", () => {
    const signed = signById(ASSERTION, "_a1");
    const { document, signer } = verifyEnveloped(signed, trust, { kind: "id", id: "_a1" });
    expect(signer.subject).to.contain("Passerelle Test Seal");
    expect(document.documentElement?.getAttribute("ID")).to.equal("_a1");
    expect(document.getElementsByTagNameNS(DSIG_NS, "Signature").length).to.equal(0);
  });

  it("verifies the assertion inside a response, and only the one asked for", () => {
    const signed = signById(ASSERTION, "_a1");
    const response = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1">${signed.replace(/^<\?xml[^>]*\?>/, "")}</samlp:Response>`;
    expect(verifyEnveloped(response, trust, { kind: "id", id: "_a1" }).document.documentElement?.localName).to.equal("Assertion");
    expect(codeOf(() => verifyEnveloped(response, trust, { kind: "id", id: "_r1" }))).to.equal(ErrorCode.SignatureInvalid);
    expect(codeOf(() => verifyEnveloped(response, trust, { kind: "document" }))).to.equal(ErrorCode.SignatureInvalid);
  });

  it("refuses a duplicated ID (wrapping by a second element with the same ID)", () => {
    const signed = signById(ASSERTION, "_a1").replace(/^<\?xml[^>]*\?>/, "");
    const evil = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1"><saml2:Subject><saml2:NameID>admin</saml2:NameID></saml2:Subject></saml2:Assertion>${signed}</samlp:Response>`;
    expect(codeOf(() => verifyEnveloped(evil, trust, { kind: "id", id: "_a1" }))).to.equal(ErrorCode.SignatureInvalid);
  });

  it("refuses a tampered assertion", () => {
    const signed = signById(ASSERTION, "_a1").replace(">doctor<", ">admin<");
    expect(codeOf(() => verifyEnveloped(signed, trust, { kind: "id", id: "_a1" }))).to.equal(ErrorCode.SignatureInvalid);
  });

  it("verifies an assertion whose namespaces sit on the envelope (PrefixList, CR in text), as libxmlsec1 does", () => {
    const signed = signedInEnvelope();
    expect(xmlsecVerifies(signed, pki.ca.certPem)).to.equal(true);
    const { document } = verifyEnveloped(signed, trust, { kind: "id", id: "_a9", idAttributes: ["ID"] });
    const root = document.documentElement;
    expect(root?.getAttribute("ID")).to.equal("_a9");
    expect(root?.lookupNamespaceURI("xsd")).to.equal("http://www.w3.org/2001/XMLSchema");
    expect(document.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:assertion", "AttributeValue")[0]?.textContent).to.equal("v\rw");
    // exc-c14n does not import xml:* attributes from the envelope (Exclusive XML Canonicalization 1.0 §1.1).
    expect(root?.hasAttribute("xml:lang")).to.equal(false);

    const tampered = signed.replace(">doctor<", ">admin<");
    expect(xmlsecVerifies(tampered, pki.ca.certPem)).to.equal(false);
    expect(codeOf(() => verifyEnveloped(tampered, trust, { kind: "id", id: "_a9" }))).to.equal(ErrorCode.SignatureInvalid);
    // The prefix bound only on the envelope is covered: rebinding it there breaks the signature.
    const rebound = signed.replace('xmlns:xsd="http://www.w3.org/2001/XMLSchema"', 'xmlns:xsd="urn:evil"');
    expect(xmlsecVerifies(rebound, pki.ca.certPem)).to.equal(false);
    expect(codeOf(() => verifyEnveloped(rebound, trust, { kind: "id", id: "_a9" }))).to.equal(ErrorCode.SignatureInvalid);
  });

  it("verifyEnvelopedIn: a document parsed once gives the same verdicts and content, and is left as it was", () => {
    const signed = signedInEnvelope();
    const doc = parseXmlStrict(signed, ErrorCode.SignatureInvalid);
    const before = doc.toString();
    const fromText = verifyEnveloped(signed, trust, { kind: "id", id: "_a9" });
    const fromDom = verifyEnvelopedIn(doc, trust, { kind: "id", id: "_a9" });
    expect(fromDom.document.toString()).to.equal(fromText.document.toString());
    expect(fromDom.signer).to.deep.equal(fromText.signer);
    expect(codeOf(() => verifyEnvelopedIn(doc, trust, { kind: "id", id: "_b9" }))).to.equal(ErrorCode.SignatureInvalid);
    expect(codeOf(() => verifyEnvelopedIn(doc, trust, { kind: "document" }))).to.equal(ErrorCode.SignatureInvalid);
    expect(doc.toString()).to.equal(before);
  });

  it("refuses an RSA signature method verified with an EC signer key (both engines)", () => {
    const dir = mkdtempSync(join(tmpdir(), "passerelle-ec-"));
    try {
      writeFileSync(join(dir, "ca.key.pem"), pki.ca.keyPem);
      writeFileSync(join(dir, "ca.pem"), pki.ca.certPem);
      const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
      openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key.pem");
      openssl("req", "-new", "-key", "ec.key.pem", "-subj", "/CN=EC Seal/O=Passerelle tests/C=LU", "-out", "ec.csr");
      openssl("x509", "-req", "-in", "ec.csr", "-CA", "ca.pem", "-CAkey", "ca.key.pem", "-CAcreateserial", "-days", "30", "-out", "ec.pem");
      const certPem = readFileSync(join(dir, "ec.pem"), "utf8");
      const signer = new SignedXml({
        privateKey: readFileSync(join(dir, "ec.key.pem"), "utf8"),
        signatureAlgorithm: Algorithms.rsaSha256,
        canonicalizationAlgorithm: Algorithms.excC14n,
        getKeyInfoContent: () => `<ds:X509Data><ds:X509Certificate>${pemToBase64Der(certPem)}</ds:X509Certificate></ds:X509Data>`,
      });
      signer.addReference({ xpath: `//*[@ID='_a1']`, digestAlgorithm: Algorithms.sha256, transforms: [Algorithms.envelopedSignature, Algorithms.excC14n] });
      signer.computeSignature(ASSERTION, { prefix: "ds", location: { reference: `//*[local-name()='Issuer']`, action: "after" } });
      const signed = signer.getSignedXml();
      for (const engine of ["auto", "xml-crypto"] as const) {
        let message = "";
        try {
          verifyEnveloped(signed, trust, { kind: "id", id: "_a1" }, { engine });
        } catch (e) {
          message = isPasserelleError(e) ? `${e.code} ${e.message}` : String(e);
        }
        expect(message, engine).to.match(new RegExp(`^${ErrorCode.SignatureInvalid} .*not an RSA key`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
