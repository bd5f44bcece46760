// Every attack fixture must fail verification with its own error code (DESIGN.md convention 7).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isPasserelleError } from "../../src/shared/errors";
import { loadTrustList } from "../../src/signing/trust";
import { ErrorCode } from "../../src/shared/errors";
import { parseXmlStrict } from "../../src/signing/dom";
import { verifyDocument, verifyEnvelopedIn } from "../../src/signing/verify";
import { ehdsiPath } from "../helpers/ehdsi";
import { ATTACKS, RSA_SHA256, SHA256, signWith } from "./invalid/attacks";
import { testPki } from "./pki";

/** The text of every ds:SignatureValue, ds:DigestValue and ds:X509Certificate, whitespace removed. */
function base64Values(xml: string): string[] {
  return [...xml.matchAll(/<ds:(SignatureValue|DigestValue|X509Certificate)>([^<]*)</g)].map((m) => (m[2] ?? "").replace(/\s+/g, ""));
}

describe("signing: attack fixtures (test/signing/invalid/attacks.ts)", () => {
  const pki = testPki();
  const trust = loadTrustList({ anchors: [join(pki.dir, "ca.pem")] });
  const xml = readFileSync(ehdsiPath("cda/openncp/2-5678-W8.xml"), "utf8");

  it("control: the fixture signer makes signatures that verify when nothing is wrong", () => {
    const signed = signWith(xml, { key: pki.seal.keyPem, certPem: pki.seal.certPem, signature: RSA_SHA256, digest: SHA256 });
    expect(verifyDocument(signed, trust).signer.subject).to.contain("Passerelle Test Seal");
    expect(verifyEnvelopedIn(parseXmlStrict(signed), trust, { kind: "document" }).signer.subject).to.contain("Passerelle Test Seal");
  });

  // Both entry points: the text (verifyDocument) and a document parsed once (verifyEnvelopedIn, where
  // the root is written again from the DOM), and both engines for digest and signature value (our
  // exc-c14n check by default, xml-crypto when asked): the same code and reason every time.
  const entryPoints: [string, (forged: string) => unknown][] = [
    ["verifyDocument", (forged) => verifyDocument(forged, trust)],
    ["verifyDocument (xml-crypto)", (forged) => verifyDocument(forged, trust, { engine: "xml-crypto" })],
    ["verifyEnvelopedIn", (forged) => verifyEnvelopedIn(parseXmlStrict(forged, ErrorCode.SignatureInvalid), trust, { kind: "document" })],
  ];
  for (const [entry, verify] of entryPoints) {
    for (const attack of ATTACKS) {
      it(`${entry}: ${attack.name} fails with ${attack.expected}`, () => {
        const forged = attack.make({ xml, ca: pki.ca, seal: pki.seal });
        let error: unknown;
        try {
          verify(forged);
        } catch (e) {
          error = e;
        }
        expect(isPasserelleError(error), `expected a PasserelleError, got ${String(error)}`).to.equal(true);
        expect((error as { code: string }).code, (error as Error).message).to.equal(attack.expected);
        expect((error as Error).message).to.match(attack.because);
        // No signature value, digest or certificate is echoed (messages go to partners and logs).
        for (const value of base64Values(forged)) {
          for (let i = 0; i + 20 <= value.length; i += 10) expect((error as Error).message).not.to.contain(value.slice(i, i + 20));
        }
      });
    }
  }
});
