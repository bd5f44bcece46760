// Property: flipping any one bit of any character of a signed HCP assertion (content, signature,
// certificate, ID, namespace, markup) never yields an accepted request.
import { expect } from "chai";
import fc from "fast-check";
import { AssertionRefused } from "../../src/saml/refusal";
import { validateAssertions } from "../../src/saml/validate";
import { AT, assertionPair, envelope, testRegistry } from "./fixtures";

describe("SAML: any single-bit change of a signed assertion is refused (property)", function () {
  this.timeout(120_000);
  const registry = testRegistry();
  const { hcp } = assertionPair();

  it("the untouched request is accepted", async () => {
    await validateAssertions(envelope([hcp]), { service: "xcpd", registry, peerCountry: "DK", at: AT });
  });

  it("1000 random flips: each is refused with 1001 or 4703, never accepted", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: hcp.length - 1 }), fc.integer({ min: 0, max: 6 }), async (at, bit) => {
        const flipped = String.fromCharCode(hcp.charCodeAt(at) ^ (1 << bit));
        const tampered = hcp.slice(0, at) + flipped + hcp.slice(at + 1);
        try {
          await validateAssertions(envelope([tampered]), { service: "xcpd", registry, peerCountry: "DK", at: AT });
        } catch (e) {
          if (!(e instanceof AssertionRefused)) throw e;
          expect(["1001", "4703"]).to.include(e.code);
          return;
        }
        expect.fail(`accepted after flipping bit ${bit} of character ${at} (${JSON.stringify(hcp.slice(Math.max(0, at - 20), at + 20))})`);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
