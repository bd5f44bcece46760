// Real eHDSI security headers (../shared/ehdsi/saml, SOURCES.md), checked through the operator's
// command `passerelle assertions check`: the DK header whose SignedInfo whitespace was restored
// verifies with the DK signer pinned and the clock inside its validity; the stored original, the
// `_bad` and `testing-shared` copies fail; the Finnish `namespace_bug_regression` assertion parses.
// The DK signer certificate has no extensions at all: no keyUsage, so its key is not restricted (RFC
// 5280 §4.2.1.3). Every file is required: ehdsiPath throws when one is missing, failing the suite
// rather than skipping it.
import { expect } from "chai";
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { registerAssertionsCommands } from "../../src/cli/assertions";
import { partnerMigrations } from "../../src/exchange/partners/migrations";
import { checkPartnerInput, PartnerRepository } from "../../src/exchange/partners/repository";
import { readSecurityHeader } from "../../src/saml/header";
import { readAssertion } from "../../src/saml/read";
import { Attributes } from "../../src/saml/vocabulary";
import { platformMigrations } from "../../src/storage/platform-migrations";
import { forEachDatabase } from "../helpers/databases";
import { ehdsiPath } from "../helpers/ehdsi";
import { testCliContext } from "../trust/cli-context";
import { makeCert } from "../trust/pki";

// DK's TLS entry does not matter offline; its real SAML signer is pinned for signatures.
const dkTls = makeCert({ cn: "ncp.dk.example", country: "DK" });
const DK_PATIENT = "1011649927^^^&1.2.208.176.1.2&ISO";
const INSIDE_VALIDITY = "2025-07-26T12:00:00Z";
const saml = (name: string) => ehdsiPath("saml", name);

forEachDatabase(
  "real eHDSI headers through `passerelle assertions check`",
  (ctx) => {
    async function check(...args: string[]): Promise<{ lines: string[]; exitCode: number }> {
      const cli = testCliContext(() => ctx.database);
      const program = new Command().exitOverride();
      registerAssertionsCommands(program, cli.ctx);
      await program.parseAsync(["node", "passerelle", "assertions", "check", ...args]);
      return { lines: cli.lines, exitCode: cli.ctx.exitCode };
    }

    before(async () => {
      const signer = readFileSync(saml("dk-bootcamp-signer.pem"), "utf8");
      await new PartnerRepository(ctx.database).save(
        checkPartnerInput({ country: "DK", homeCommunityId: "urn:oid:1.2.208", endpoints: {}, tls: { pinned: [dkTls.certPem] }, signing: { pinned: [signer] } }),
      );
    });

    it("accepts the signedinfo-normalized DK header for PS at a time inside its validity", async () => {
        const r = await check(saml("openncp_soap_header.signedinfo-normalized.xml"), "--service", "ps", "--at", INSIDE_VALIDITY, "--partner", "DK", "--patient", DK_PATIENT);
      expect(r.exitCode, r.lines.join("\n")).to.equal(0);
      expect(r.lines[0]).to.match(/^ACCEPTED from partner DK \(MessageID urn:uuid:67e2f278/);
      expect(r.lines.join("\n")).to.match(/role 221 Medical doctors/).and.match(/TRC _6c6bf860.*patient 1011649927/);
    });

    it("refuses the same header once its assertions have expired (now)", async () => {
        const r = await check(saml("openncp_soap_header.signedinfo-normalized.xml"), "--service", "ps", "--patient", DK_PATIENT);
      expect(r.exitCode).to.equal(1);
      expect(r.lines[0]).to.match(/^REFUSED 1001: HCP assertion: expired/);
    });

    it("refuses it for another patient (4206)", async () => {
        const r = await check(saml("openncp_soap_header.signedinfo-normalized.xml"), "--service", "ps", "--at", INSIDE_VALIDITY, "--patient", "1111111111^^^&1.2.208.176.1.2&ISO");
      expect(r.lines[0]).to.match(/^REFUSED 4206/);
    });

    // The stored original lost the SignedInfo whitespace (the signature value no longer matches); the
    // `_bad` and `testing-shared` copies were changed after signing (the HCP digest no longer matches).
    const failures: Record<string, RegExp> = {
      "openncp_soap_header.xml": /the signature value does not match SignedInfo/,
      "openncp_soap_header_bad.xml": /a reference digest does not match/,
      "openncp_soap_header.testing-shared.xml": /a reference digest does not match/,
    };
    for (const [name, reason] of Object.entries(failures)) {
      it(`refuses ${name}: its signatures do not verify`, async () => {
            const r = await check(saml(name), "--service", "ps", "--at", INSIDE_VALIDITY, "--partner", "DK", "--patient", DK_PATIENT);
        expect(r.exitCode).to.equal(1);
        expect(r.lines[0]).to.match(/^REFUSED 1001: HCP assertion: signature refused: signature does not verify/).and.match(reason);
        // No signature value, digest or certificate of the header is echoed, not even in part.
        const values = [...readFileSync(saml(name), "utf8").matchAll(/<(?:\w+:)?(?:SignatureValue|DigestValue|X509Certificate)>([^<]+)</g)].map((m) => (m[1] ?? "").replace(/\s+/g, ""));
        expect(values).to.have.length.greaterThan(5);
        for (const value of values) for (let i = 0; i + 20 <= value.length; i += 10) expect(r.lines.join("\n")).not.to.contain(value.slice(i, i + 20));
      });
    }
  },
  { migrations: [...platformMigrations, ...partnerMigrations], dialects: ["sqlite"] },
);

describe("the Finnish namespace_bug_regression assertion", () => {
  it("parses: the FI HCP assertion (hl7 Role and PurposeOfUse under the default hl7 namespace, times with offsets) and a DK TRC bound to another HCP", () => {
    const header = readSecurityHeader(readFileSync(saml("openncp_soap_header_namespace_bug_regression.xml"), "utf8"));
    expect(header.messageId).to.equal("urn:uuid:67e2f278-6f1c-4dcf-9c21-c1d0392f079e");
    // The TRC stored with it was issued by DK for another HCP assertion: it would be refused with 1002.
    const trc = readAssertion(header.trc?.element ?? expect.fail("no TRC"), "trc");
    expect(trc.adviceAssertionIdRefs).to.deep.equal(["_882a0deb-4595-4279-a290-ab27ebb0c270"]);
    expect(header.hcp.id).to.equal("_1c218a21-c5ed-46ff-aea6-cab0a16b5155");
    const a = readAssertion(header.hcp.element, "hcp");
    expect(a.issuer).to.equal("urn:idp:FI:countryB");
    expect(a.attributes.get(Attributes.role)?.[0]?.coded).to.include({ localName: "Role", code: "2262", codeSystem: "2.16.840.1.113883.2.9.6.2.7" });
    expect(a.attributes.get(Attributes.purposeOfUse)?.[0]?.coded?.code).to.equal("TREATMENT");
    expect(a.attributes.get(Attributes.permission)?.map((p) => p.text.slice(-7))).to.include.members(["PPD-046", "PRD-010", "PRD-006", "PRD-005", "PRD-016", "PRD-004", "PRD-003"]);
    expect(new Date(a.notBefore ?? "").toISOString()).to.equal("2026-03-20T07:54:33.383Z");
  });
});
