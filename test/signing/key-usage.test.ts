// RFC 5280 §4.2.1.3: a signer certificate without a keyUsage extension has an unrestricted key, so it
// may sign when it is trusted (pinned, or chaining to a trusted CA); a present keyUsage must allow
// digitalSignature or nonRepudiation; a CA certificate (cA=TRUE) never signs documents.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { ErrorCode, isPasserelleError } from "../../src/shared/errors";
import { signDocument } from "../../src/signing/sign";
import { checkSigner, parseCertificate, trustListFromPem, type TrustList } from "../../src/signing/trust";
import { verifyDocument } from "../../src/signing/verify";
import { ehdsiPath } from "../helpers/ehdsi";
import { issue, testPki, type Issued } from "./pki";

function seal(xml: string, signer: Issued): string {
  return signDocument(xml, { privateKeyPem: signer.keyPem, certificatePems: [signer.certPem] });
}

function refusal(xml: string, trust: TrustList): { code: string; message: string } {
  try {
    verifyDocument(xml, trust);
  } catch (e) {
    if (isPasserelleError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  return expect.fail("verified");
}

describe("signing: signer key usage (RFC 5280 §4.2.1.3)", () => {
  const pki = testPki();
  const xml = readFileSync(ehdsiPath("cda/openncp/2-5678-W8.xml"), "utf8");
  const viaCa = trustListFromPem({ anchors: [pki.ca.certPem] });

  it("accepts a signer without keyUsage that chains to a trusted CA", () => {
    const signer = issue({ cn: "Seal Without Key Usage", issuer: pki.ca, keyUsage: null });
    expect(parseCertificate(signer.certPem).parsed.extensions.map((e) => e.type)).not.to.include("2.5.29.15");
    expect(verifyDocument(seal(xml, signer), viaCa).signer.subject).to.contain("Seal Without Key Usage");
  });

  it("accepts a pinned self-issued signer without keyUsage, and refuses it when not pinned", () => {
    const signer = issue({ cn: "Pinned Seal Without Key Usage", keyUsage: null });
    const sealed = seal(xml, signer);
    expect(verifyDocument(sealed, trustListFromPem({ pinned: [signer.certPem] })).signer.subject).to.contain("Pinned Seal Without Key Usage");
    expect(refusal(sealed, viaCa)).to.include({ code: ErrorCode.SignerUntrusted }).and.property("message").match(/not pinned/);
  });

  it("accepts a present keyUsage with nonRepudiation only", () => {
    const signer = issue({ cn: "Non-repudiation Seal", issuer: pki.ca, keyUsage: { nonRepudiation: true } });
    expect(verifyDocument(seal(xml, signer), viaCa).signer.subject).to.contain("Non-repudiation Seal");
  });

  it("refuses a present keyUsage without digitalSignature or nonRepudiation, pinned or not", () => {
    const signer = issue({ cn: "CRL Signing Only", issuer: pki.ca, keyUsage: { cRLSign: true } });
    const sealed = seal(xml, signer);
    for (const trust of [viaCa, trustListFromPem({ pinned: [signer.certPem] })]) {
      expect(refusal(sealed, trust)).to.include({ code: ErrorCode.SignerUntrusted }).and.property("message").match(/key usage \(keyUsage extension\) without digitalSignature or nonRepudiation/);
    }
  });

  it("refuses a CA certificate as signer even pinned and without keyUsage", () => {
    const ca = issue({ cn: "Pinned CA", ca: true, keyUsage: null });
    const trust = trustListFromPem({ pinned: [ca.certPem] });
    expect(refusal(seal(xml, ca), trust)).to.include({ code: ErrorCode.SignerUntrusted }).and.property("message").match(/is a CA certificate/);
    expect(() => checkSigner(parseCertificate(ca.certPem), [], trust)).to.throw(/is a CA certificate \(basicConstraints cA=TRUE\)/);
  });

  it("accepts the real eHDSI DK bootcamp signer (no extensions at all) when pinned, within its validity", () => {
    const dk = parseCertificate(readFileSync(ehdsiPath("saml", "dk-bootcamp-signer.pem"), "utf8"));
    expect(dk.parsed.extensions).to.have.length(0);
    const trust: TrustList = { anchors: [], pinned: [dk] };
    expect(checkSigner(dk, [], trust, new Date("2025-07-26T12:00:00Z")).subject).to.contain("GRP:EHEALTH_NCP_BOOTCAMP_DK");
    expect(() => checkSigner(dk, [], trust, new Date("2035-01-01T00:00:00Z"))).to.throw(/not valid at/);
  });
});
