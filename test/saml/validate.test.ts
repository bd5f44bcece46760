// Validation behaviour beyond the attack files: replay cache in the database (both drivers, survives
// a restart), assertion reuse across messages, skew, peers, the eHDSI value sets.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { openDatabase } from "../../src/storage/database";
import { samlMigrations } from "../../src/saml/migrations";
import { AssertionRefused } from "../../src/saml/refusal";
import { DatabaseReplayCache } from "../../src/saml/replay";
import { validateAssertions } from "../../src/saml/validate";
import { HEALTHCARE_PROFESSIONAL_ROLES, ISCO_CODE_SYSTEM } from "../../src/saml/vocabulary";
import { platformMigrations } from "../../src/storage/platform-migrations";
import { runMigrations } from "../../src/storage/migrations";
import { forEachDatabase } from "../helpers/databases";
import { ehdsiPath } from "../helpers/ehdsi";
import { AT, ISSUED_AT, PATIENT, assertionPair, envelope, testRegistry } from "./fixtures";

async function refusal(p: Promise<unknown>): Promise<AssertionRefused> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AssertionRefused) return e;
    throw e;
  }
  throw new Error("accepted");
}

const registry = testRegistry();
const pair = assertionPair();
const base = { registry, peerCountry: "DK", at: AT, patientId: PATIENT } as const;

forEachDatabase(
  "SAML replay cache",
  (ctx) => {
    it("accepts one HCP + TRC in several messages (query then retrieve) but each MessageID once", async () => {
      const replay = new DatabaseReplayCache(ctx.database);
      await validateAssertions(envelope([pair.hcp, pair.trc], "urn:uuid:query-1"), { ...base, service: "ps", replay });
      await validateAssertions(envelope([pair.hcp, pair.trc], "urn:uuid:retrieve-1"), { ...base, service: "ps", replay });
      await validateAssertions(envelope([pair.hcp], "urn:uuid:xcpd-1"), { ...base, service: "xcpd", replay });
      const again = await refusal(validateAssertions(envelope([pair.hcp, pair.trc], "urn:uuid:query-1"), { ...base, service: "ps", replay }));
      expect(again.message).to.match(/replayed/);
    });

    it("takes over a MessageID whose protection has lapsed, and purges expired entries", async () => {
      const replay = new DatabaseReplayCache(ctx.database);
      const t0 = new Date("2026-11-27T08:00:00Z");
      expect(await replay.firstUse("urn:uuid:lapse", "DK", new Date(t0.getTime() + 60_000), t0)).to.equal(true);
      expect(await replay.firstUse("urn:uuid:lapse", "DK", new Date(t0.getTime() + 60_000), new Date(t0.getTime() + 30_000))).to.equal(false);
      expect(await replay.firstUse("urn:uuid:lapse", "DK", new Date(t0.getTime() + 600_000), new Date(t0.getTime() + 120_000))).to.equal(true);
      expect(await replay.firstUse("urn:uuid:later", "DK", new Date(t0.getTime() + 900_000), new Date(t0.getTime() + 700_000))).to.equal(true);
      const left = await ctx.database.db.selectFrom("saml_seen_message" as never).select("message_id" as never).execute();
      expect(left.map((r) => (r as { message_id: string }).message_id)).to.not.include("urn:uuid:lapse");
    });

    it("refuses a message without a MessageID when replay protection is on", async () => {
      const xml = envelope([pair.hcp, pair.trc]).replace(/<wsa:MessageID>.*<\/wsa:MessageID>/, "");
      const r = await refusal(validateAssertions(xml, { ...base, service: "ps", replay: new DatabaseReplayCache(ctx.database) }));
      expect(r.message).to.match(/MessageID is missing/);
    });
  },
  { migrations: [...platformMigrations, ...samlMigrations] },
);

describe("SAML replay cache survives a restart (SQLite file)", () => {
  it("refuses after reopening the database", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "passerelle-replay-"));
    const first = await openDatabase({ dataDir: dir });
    await runMigrations(first, [...platformMigrations, ...samlMigrations]);
    await validateAssertions(envelope([pair.hcp, pair.trc], "urn:uuid:before-restart"), { ...base, service: "ps", replay: new DatabaseReplayCache(first) });
    await first.close();
    const second = await openDatabase({ dataDir: dir });
    const r = await refusal(validateAssertions(envelope([pair.hcp, pair.trc], "urn:uuid:before-restart"), { ...base, service: "ps", replay: new DatabaseReplayCache(second) }));
    expect(r.message).to.match(/replayed/);
    await second.close();
  });
});

describe("SAML validation rules", () => {
  it("allows 60 s of clock skew on both bounds, not 61", async () => {
    const early = new Date(ISSUED_AT.getTime() - 60_000);
    await validateAssertions(envelope([pair.hcp]), { ...base, service: "xcpd", at: early });
    const tooEarly = await refusal(validateAssertions(envelope([pair.hcp]), { ...base, service: "xcpd", at: new Date(early.getTime() - 1000) }));
    expect(tooEarly.message).to.match(/not yet valid/);
    const end = new Date(ISSUED_AT.getTime() + 2 * 3600_000); // TRC NotOnOrAfter
    await validateAssertions(envelope([pair.hcp, pair.trc]), { ...base, service: "ps", at: new Date(end.getTime() + 59_000) });
    const late = await refusal(validateAssertions(envelope([pair.hcp, pair.trc]), { ...base, service: "ps", at: new Date(end.getTime() + 60_000) }));
    expect(late.message).to.match(/TRC assertion: expired/);
  });

  it("refuses a TLS peer that is not a partner, and assertions signed for DK arriving from FI", async () => {
    expect((await refusal(validateAssertions(envelope([pair.hcp]), { ...base, service: "xcpd", peerCountry: "SE" }))).message).to.match(/not a registered partner/);
    const fromFi = await refusal(validateAssertions(envelope([pair.hcp]), { ...base, service: "xcpd", peerCountry: "FI" }));
    expect(fromFi.message).to.match(/trusted for partner DK, not for the TLS peer FI/);
  });

  it("needs the request's patient where a TRC is required", async () => {
    const r = await refusal(validateAssertions(envelope([pair.hcp, pair.trc]), { registry, peerCountry: "DK", at: AT, service: "ps" }));
    expect(r.code).to.equal("4206");
  });

  it("checks the permissions of each service: a pharmacist with eP and eD rights only", async () => {
    const p = assertionPair({ user: { role: "2262", facilityType: "Pharmacy", permissions: ["PRD-004", "PRD-010", "PPD-046"] } });
    await validateAssertions(envelope([p.hcp, p.trc]), { ...base, service: "ep" });
    await validateAssertions(envelope([p.hcp, p.trc]), { ...base, service: "ed" });
    expect((await refusal(validateAssertions(envelope([p.hcp, p.trc]), { ...base, service: "ps" }))).code).to.equal("4703");
    expect((await refusal(validateAssertions(envelope([p.hcp]), { ...base, service: "xcpd" }))).message).to.match(/PRD-006/);
  });

  it("accepts a nurse acting on behalf of a doctor, in an emergency", async () => {
    const p = assertionPair({ user: { role: "3221", onBehalfOf: "221", purposeOfUse: "EMERGENCY" } });
    const r = await validateAssertions(envelope([p.hcp, p.trc]), { ...base, service: "ps" });
    expect(r.hcp).to.include({ onBehalfOf: "221", purposeOfUse: "EMERGENCY" });
  });

  it("uses exactly the MVC eHDSIHealthcareProfessionalRole codes", () => {
    const vs = JSON.parse(readFileSync(ehdsiPath("mvc/ValueSet-eHDSIHealthcareProfessionalRole-8.1.0.json"), "utf8")) as {
      compose: { include: Array<{ system: string; concept: Array<{ code: string; display: string }> }> };
    };
    const include = vs.compose.include;
    expect(include.map((i) => i.system)).to.deep.equal([`urn:oid:${ISCO_CODE_SYSTEM}`]);
    const codes = Object.fromEntries(include.flatMap((i) => i.concept.map((c) => [c.code, c.display])));
    expect(HEALTHCARE_PROFESSIONAL_ROLES).to.deep.equal(codes);
  });
});
