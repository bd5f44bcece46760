// The verifier core for a Reference by ID (what SAML assertions use: URI="#ID", the signature
// inside the signed element), beside the document-seal case covered in test/signing/.
import { expect } from "chai";
import { SignedXml } from "xml-crypto";
import { testPki } from "../../test/signing/pki";
import { ErrorCode, isPasserelleError } from "../shared/errors";
import { Algorithms, DSIG_NS } from "./algorithms";
import { pemToBase64Der } from "./keys";
import { trustListFromPem } from "./trust";
import { verifyEnveloped } from "./verify";

const ASSERTION = `<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0"><saml2:Issuer>urn:x</saml2:Issuer><saml2:Subject><saml2:NameID>doctor</saml2:NameID></saml2:Subject></saml2:Assertion>`;

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
});
