import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { partnerMigrations } from "../../src/exchange/partners/migrations";
import { loadPartnersFile, readPartnersFile } from "../../src/exchange/partners/file";
import { checkPartnerInput, PartnerRepository } from "../../src/exchange/partners/repository";
import { isPasserelleError } from "../../src/shared/errors";
import { platformMigrations } from "../../src/storage/platform-migrations";
import { forEachDatabase } from "../helpers/databases";
import { makeCa, makeCert } from "./pki";

const dkTlsCa = makeCa("DK TLS CA", "DK");
const dkSigner = makeCert({ cn: "DK SAML signer", country: "DK" });
const fiCa = makeCa("FI CA", "FI");

const dk = {
  country: "DK",
  homeCommunityId: "urn:oid:1.2.208.176.7.2.1",
  endpoints: { xcpd: "https://ncp.dk.example:8443/ncp/xcpd", xca: "https://ncp.dk.example:8443/ncp/xca" },
  tls: { ca: [dkTlsCa.certPem] },
  signing: { pinned: [dkSigner.certPem] },
};

describe("partner input checks", () => {
  it("accepts a complete entry and derives fingerprints and validity", () => {
    const p = checkPartnerInput(dk);
    expect(p.certificates.map((c) => [c.usage, c.kind])).to.deep.equal([["tls", "ca"], ["signing", "pinned"]]);
    expect(p.certificates[0]?.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(p.certificates[0]?.subject).to.contain("DK TLS CA");
  });

  it("refuses a lower-case country, a bad home community id, an http endpoint and a missing signing trust, all at once", () => {
    try {
      checkPartnerInput({ ...dk, country: "dk", homeCommunityId: "1.2.3", endpoints: { xcpd: "http://x.example/" }, signing: {} });
      expect.fail("accepted");
    } catch (e) {
      expect(isPasserelleError(e, "INPUT_INVALID")).to.equal(true);
      const problems = (e as { details: { problems: string[] } }).details.problems;
      expect(problems.join("\n")).to.match(/country/).and.match(/homeCommunityId/).and.match(/https/);
    }
  });

  it("refuses a partner with no signing certificate", () => {
    expect(() => checkPartnerInput({ ...dk, signing: {} })).to.throw(/no signing certificate/);
  });

  it("refuses a pinned TLS certificate OpenSSL cannot anchor on (not self-signed, CA not listed)", () => {
    const leaf = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: dkTlsCa });
    expect(() => checkPartnerInput({ ...dk, tls: { pinned: [leaf.certPem] } })).to.throw(/not self-signed/);
    expect(checkPartnerInput({ ...dk, tls: { ca: [dkTlsCa.certPem], pinned: [leaf.certPem] } }).certificates).to.have.length(3);
  });

  it("refuses text that holds no certificate", () => {
    expect(() => checkPartnerInput({ ...dk, tls: { ca: ["not a pem"] } })).to.throw(/no "BEGIN CERTIFICATE"/);
  });
});

forEachDatabase(
  "partner repository",
  (ctx) => {
    it("saves, reads back, lists and replaces a partner", async () => {
      const repo = new PartnerRepository(ctx.database);
      await repo.save(checkPartnerInput(dk));
      const got = await repo.get("DK");
      expect(got?.homeCommunityId).to.equal(dk.homeCommunityId);
      expect(got?.endpoints).to.deep.equal(dk.endpoints);
      expect(got?.certificates).to.have.length(2);
      expect(got?.certificates.find((c) => c.usage === "signing")?.pem).to.contain("BEGIN CERTIFICATE");
      // replace: the TLS trust is now the FI CA only (the old entry is gone)
      await repo.save(checkPartnerInput({ ...dk, tls: { ca: [fiCa.certPem] } }));
      const again = await repo.get("DK");
      expect(again?.certificates.filter((c) => c.usage === "tls").map((c) => c.subject)).to.deep.equal([again?.certificates.find((c) => c.usage === "tls")?.subject]);
      expect(again?.certificates.find((c) => c.usage === "tls")?.subject).to.contain("FI CA");
      expect((await repo.list()).map((p) => p.country)).to.deep.equal(["DK"]);
    });

    it("refuses a home community id already used by another partner", async () => {
      const repo = new PartnerRepository(ctx.database);
      await repo.save(checkPartnerInput(dk));
      try {
        await repo.save(checkPartnerInput({ ...dk, country: "FI" }));
        expect.fail("accepted");
      } catch (e) {
        expect(isPasserelleError(e, "CONFLICT")).to.equal(true);
      }
    });

    it("removes a partner with its trust entries", async () => {
      const repo = new PartnerRepository(ctx.database);
      await repo.save(checkPartnerInput(dk));
      expect(await repo.remove("DK")).to.equal(true);
      expect(await repo.get("DK")).to.equal(undefined);
      expect(await repo.remove("DK")).to.equal(false);
      const left = await ctx.database.db.selectFrom("partner_certificate" as never).selectAll().execute();
      expect(left).to.have.length(0);
    });

    it("loads a partners file whose certificates are paths relative to it", async () => {
      const dir = mkdtempSync(join(tmpdir(), "partners-"));
      writeFileSync(join(dir, "dk-tls.pem"), dkTlsCa.certPem);
      writeFileSync(join(dir, "partners.json"), JSON.stringify({ partners: [{ ...dk, tls: { ca: ["dk-tls.pem"] } }] }));
      const repo = new PartnerRepository(ctx.database);
      expect(await loadPartnersFile(join(dir, "partners.json"), repo)).to.deep.equal(["DK"]);
      expect((await repo.get("DK"))?.certificates.find((c) => c.usage === "tls")?.subject).to.contain("DK TLS CA");
    });
  },
  { migrations: [...platformMigrations, ...partnerMigrations], scope: "test" },
);

describe("partners file errors", () => {
  it("reports every bad entry at once, and a missing certificate file by name", () => {
    const dir = mkdtempSync(join(tmpdir(), "partners-"));
    const file = join(dir, "partners.json");
    writeFileSync(file, JSON.stringify({ partners: [{ ...dk, tls: { ca: ["missing.pem"] } }, { ...dk, country: "x" }] }));
    expect(() => readPartnersFile(file)).to.throw(/partners\[0\].*missing\.pem.*partners\[1\].*country/s);
  });
});
