// What the signing core refuses (src/signing: XML characters, strict base64, KeyInfo certificates that
// cannot be read) reaches a partner as an eHDSI 1001 refusal, with the core's code as its cause and
// no signature value, digest or certificate in the message. The checks live once, in the core; the
// SAML layer only maps them.
import { expect } from "chai";
import { ErrorCode } from "../../src/shared/errors";
import { AssertionRefused } from "../../src/saml/refusal";
import { validateAssertions } from "../../src/saml/validate";
import { AT, assertionPair, envelope, testRegistry } from "./fixtures";

function dsText(xml: string, name: string): string {
  const m = new RegExp(`<ds:${name}>([^<]*)</ds:${name}>`).exec(xml);
  if (!m?.[1]) throw new Error(`no ds:${name} in the fixture`);
  return m[1];
}

function replaceDsText(xml: string, name: string, change: (text: string) => string): string {
  const text = dsText(xml, name);
  return xml.replace(`<ds:${name}>${text}</ds:${name}>`, `<ds:${name}>${change(text)}</ds:${name}>`);
}

/** The certificate with the keyIdentifier tag of its authorityKeyIdentifier changed: DER still, not the extension's schema. */
function corruptAuthorityKeyIdentifier(b64: string): string {
  const der = Buffer.from(b64.replace(/\s+/g, ""), "base64");
  const at = der.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23, 0x04]));
  if (at < 0 || der[at + 9] !== 0x80) throw new Error("no authorityKeyIdentifier keyIdentifier in the fixture certificate");
  der[at + 9] = 0x84;
  return der.toString("base64");
}

/** The base64 character whose value differs from `c` in its lowest bit (a bit "==" padding hides). */
function siblingBase64Char(c: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return alphabet[alphabet.indexOf(c) ^ 1] as string;
}

describe("SAML: the signing core's refusals as eHDSI codes", () => {
  const registry = testRegistry();
  const { hcp } = assertionPair();

  async function refusal(assertion: string): Promise<AssertionRefused> {
    try {
      await validateAssertions(envelope([assertion]), { service: "xcpd", registry, peerCountry: "DK", at: AT });
    } catch (e) {
      if (e instanceof AssertionRefused) return e;
      throw e;
    }
    return expect.fail("accepted");
  }

  function expectNoValues(e: AssertionRefused): void {
    for (const name of ["SignatureValue", "DigestValue", "X509Certificate"]) {
      const value = dsText(hcp, name).replace(/\s+/g, "");
      for (let i = 0; i + 20 <= value.length; i += 10) expect(e.message).not.to.contain(value.slice(i, i + 20));
    }
  }

  it("control: the untouched assertion is accepted", async () => {
    await validateAssertions(envelope([hcp]), { service: "xcpd", registry, peerCountry: "DK", at: AT });
  });

  it("nul-between-attributes: refused (1001) as XML that is not well-formed, before any signature check", async () => {
    const at = hcp.indexOf(' ID="');
    const e = await refusal(`${hcp.slice(0, at)}\u0000${hcp.slice(at + 1)}`);
    expect(e.code).to.equal(ErrorCode.AssertionInvalid);
    expect(e.message).to.match(/^header: XML is not well-formed: character U\+0000 at offset \d+ is not allowed in XML \(XML 1\.0 §2\.2 Char\)/);
  });

  const cases: [string, (a: string) => string, RegExp][] = [
    ["non-base64-signature-value", (a) => replaceDsText(a, "SignatureValue", (t) => t.replace(/=(\s*)$/, "?$1")), /ds:SignatureValue is not base64: character U\+003F/],
    ["non-base64-digest", (a) => replaceDsText(a, "DigestValue", (t) => `${t.slice(0, 5)}!${t.slice(6)}`), /ds:DigestValue is not base64: character U\+0021/],
    ["signature-value-with-padding-bits", (a) => replaceDsText(a, "SignatureValue", (t) => t.replace(/(.)==(\s*)$/, (_m, c: string, ws: string) => `${siblingBase64Char(c)}==${ws}`)), /ds:SignatureValue is not base64: its padding is wrong/],
    ["corrupted-keyinfo-certificate", (a) => replaceDsText(a, "X509Certificate", corruptAuthorityKeyIdentifier), /ds:X509Certificate 1 \(.*CN=ncp.dk.example SAML\): an extension cannot be read: Data does not match to AuthorityKeyIdentifier ASN1 schema/],
  ];
  for (const [name, attack, reason] of cases) {
    it(`${name}: refused (1001) with the core's SIGNATURE_INVALID as cause`, async () => {
      const forged = attack(hcp);
      expect(forged).not.to.equal(hcp);
      const e = await refusal(forged);
      expect(e.code).to.equal(ErrorCode.AssertionInvalid);
      expect(e.cause_code).to.equal(ErrorCode.SignatureInvalid);
      expect(e.message).to.match(/^HCP assertion: signature refused: /).and.match(reason, e.message);
      expectNoValues(e);
    });
  }
});
