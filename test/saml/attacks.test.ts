// Every attack fixture (test/saml/invalid/<attack>.xml, made by make-fixtures.ts) is refused with its
// eHDSI code and for the right reason; the valid requests next to them are accepted, so a refusal
// cannot come from a broken set-up.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AssertionRefused } from "../../src/saml/refusal";
import { MemoryReplayCache } from "../../src/saml/replay";
import { validateAssertions } from "../../src/saml/validate";
import type { SamlService } from "../../src/saml/vocabulary";
import { AT, PATIENT, testRegistry } from "./fixtures";
import { SAML_TEST_DIR } from "./test-pki";

interface Expected {
  code: "1001" | "1002" | "4703" | "4206";
  reason: RegExp;
  service?: SamlService;
}

const EXPECTED: Record<string, Expected> = {
  "assertion-moved": { code: "1001", reason: /Reference URI .* does not point at the signed element/ },
  "duplicated-id": { code: "1001", reason: /held by 2 elements/ },
  "second-signature": { code: "1001", reason: /exactly one ds:Signature/ },
  "signature-moved-to-subject": { code: "1001", reason: /exactly one ds:Signature as a child/ },
  "comment-in-digest-value": { code: "1001", reason: /DigestValue must contain only text/ },
  "extra-signed-info": { code: "1001", reason: /exactly one ds:SignedInfo/ },
  "tampered-after-signing": { code: "1001", reason: /digest does not match/ },
  "reference-uri-elsewhere": { code: "1001", reason: /Reference URI "#_trc-5e6f7a8b" does not point at the signed element/ },
  "two-hcp-assertions": { code: "1001", reason: /exactly one HCP identity assertion, found 2/ },
  "doctype-entity": { code: "1001", reason: /DOCTYPE/ },
  "self-signed-with-partner-subject": { code: "1001", reason: /does not chain to a trusted CA/ },
  "untrusted-ca": { code: "1001", reason: /does not chain to a trusted CA/ },
  "expired-certificate": { code: "1001", reason: /signer certificate .* is not valid at/ },
  "signer-of-another-partner": { code: "1001", reason: /trusted for partner FI, not for the TLS peer DK/ },
  "sha1-digest": { code: "1001", reason: /SHA-1 is refused/ },
  "rsa-sha1-signature": { code: "1001", reason: /SignatureMethod .*rsa-sha1 is not allowed: SHA-1/ },
  "hmac-signature-method": { code: "1001", reason: /HMAC is refused/ },
  "xslt-transform": { code: "1001", reason: /XSLT transforms are refused/ },
  "xpath-transform": { code: "1001", reason: /XPath transforms are refused/ },
  "expired-assertion": { code: "1001", reason: /HCP assertion: expired/ },
  "future-assertion": { code: "1001", reason: /HCP assertion: not yet valid/ },
  "hcp-lifetime-over-4h": { code: "1001", reason: /lifetime 305 min exceeds the 240 min limit/ },
  "trc-lifetime-over-2h": { code: "1001", reason: /TRC assertion: lifetime 185 min exceeds the 120 min limit/ },
  "trc-bound-to-another-hcp": { code: "1002", reason: /AssertionIDRef does not name the HCP assertion/ },
  "trc-for-another-patient": { code: "4206", reason: /another patient/ },
  "missing-trc": { code: "1001", reason: /TRC assertion is required for ps/ },
  "replayed-message": { code: "1001", reason: /replayed/ },
  "unknown-role": { code: "1001", reason: /role "9999" is not in the eHDSI healthcare professional role value set/ },
  "missing-permission": { code: "4703", reason: /PRD-016 required for ps are missing/ },
  "purpose-not-allowed": { code: "4703", reason: /purpose of use "RESEARCH" is not TREATMENT or EMERGENCY/ },
  "single-factor-authn": { code: "1001", reason: /Password is not a two-factor/ },
  "wrong-audience": { code: "1001", reason: /audience urn:ehdsi:assertions.audience:x-border is missing/ },
  "nurse-without-on-behalf-of": { code: "4703", reason: /on-behalf-of is required/ },
};

const read = (dir: string, name: string) => readFileSync(join(SAML_TEST_DIR, dir, `${name}.xml`), "utf8");

describe("SAML attack fixtures (test/saml/invalid)", () => {
  const files = readdirSync(join(SAML_TEST_DIR, "invalid")).filter((f) => f.endsWith(".xml")).map((f) => f.slice(0, -4));
  const registry = testRegistry();

  it("has at least 20 attacks, each with an expectation, and no expectation without a file", () => {
    expect(files.length).to.be.at.least(20);
    expect([...files].sort()).to.deep.equal(Object.keys(EXPECTED).sort());
  });

  it("accepts the valid PS and XCPD requests the attacks derive from", async () => {
    const ps = await validateAssertions(read("valid", "ps-request"), { service: "ps", registry, peerCountry: "DK", at: AT, patientId: PATIENT });
    expect(ps.hcp.role.code).to.equal("221");
    expect(ps.trc?.patientId).to.equal(PATIENT);
    const xcpd = await validateAssertions(read("valid", "xcpd-request"), { service: "xcpd", registry, peerCountry: "DK", at: AT });
    expect(xcpd.trc).to.equal(undefined);
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`refuses ${name} with ${expected.code}`, async () => {
      const replay = new MemoryReplayCache();
      if (name === "replayed-message") {
        await validateAssertions(read("valid", "ps-request"), { service: "ps", registry, peerCountry: "DK", at: AT, patientId: PATIENT, replay });
      }
      try {
        await validateAssertions(read("invalid", name), { service: expected.service ?? "ps", registry, peerCountry: "DK", at: AT, patientId: PATIENT, replay });
        expect.fail("accepted");
      } catch (e) {
        if (!(e instanceof AssertionRefused)) throw e;
        expect(e.code, e.message).to.equal(expected.code);
        expect(e.message).to.match(expected.reason);
        // no secrets echoed: no base64 run as long as a signature value or a certificate
        expect(e.message).not.to.match(/[A-Za-z0-9+/]{60,}/);
      }
    });
  }
});
