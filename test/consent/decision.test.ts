import { expect } from "chai";
import fc from "fast-check";
import { coversCountry, decide, endOf, startOf } from "../../src/consent/decision";
import type { ConsentRecord, DecisionQuery } from "../../src/consent/model";
import { PATIENTS, dayAt, histories, queries } from "./arbitraries";

const P = PATIENTS[0];
const base = { patient: P, source: "national-record" as const, recordedBy: "t" };
const grant = (version: number, extra: Partial<ConsentRecord> = {}): ConsentRecord => ({
  ...base, version, action: "grant", services: ["ep", "ps"], countries: "ALL", recordedAt: dayAt(0), requestId: `g${version}`, ...extra,
});
const revoke = (version: number, extra: Partial<ConsentRecord> = {}): ConsentRecord => ({
  ...base, version, action: "revoke", services: ["ep", "ps"], countries: "ALL", recordedAt: dayAt(5), requestId: `r${version}`, ...extra,
});
const q = (extra: Partial<DecisionQuery> = {}): DecisionQuery => ({ patient: P, country: "FR", service: "ps", purpose: "TREATMENT", at: dayAt(10), ...extra });

const covers = (r: ConsentRecord, query: DecisionQuery) => r.patient === query.patient && r.services.includes(query.service) && coversCountry(r.countries, query.country);

describe("consent decide()", () => {
  describe("examples", () => {
    it("denies with no-consent on an empty history", () => {
      expect(decide([], q())).to.deep.equal({ permit: false, reason: "no-consent" });
    });
    it("permits under a grant in force and names the grant", () => {
      expect(decide([grant(1)], q())).to.deep.equal({ permit: true, reason: "consent-granted", grantVersion: 1, emergencyOverride: false });
    });
    it("denies after a revocation, permits again after a newer grant", () => {
      expect(decide([grant(1), revoke(2)], q())).to.deep.equal({ permit: false, reason: "revoked" });
      expect(decide([grant(1), revoke(2), grant(3, { recordedAt: dayAt(7) })], q())).to.include({ permit: true, grantVersion: 3 });
    });
    it("lets an older grant stand before the revocation takes effect", () => {
      expect(decide([grant(1), revoke(2)], q({ at: dayAt(4) }))).to.include({ permit: true, grantVersion: 1 });
    });
    it("tells expired from not-yet-valid", () => {
      expect(decide([grant(1, { validUntil: dayAt(3) })], q())).to.deep.equal({ permit: false, reason: "expired" });
      expect(decide([grant(1, { validFrom: dayAt(20) })], q())).to.deep.equal({ permit: false, reason: "not-yet-valid" });
      // the until bound is exclusive, the from bound inclusive
      expect(decide([grant(1, { validUntil: dayAt(10) })], q())).to.include({ permit: false });
      expect(decide([grant(1, { validFrom: dayAt(10) })], q())).to.include({ permit: true });
    });
    it("tells country-not-covered, service-not-covered and country-not-participating", () => {
      expect(decide([grant(1, { countries: ["BE"] })], q())).to.deep.equal({ permit: false, reason: "country-not-covered" });
      expect(decide([grant(1, { services: ["ep"] })], q())).to.deep.equal({ permit: false, reason: "service-not-covered" });
      expect(decide([grant(1)], q({ country: "US" }))).to.deep.equal({ permit: false, reason: "country-not-participating" });
    });
    it("ignores other patients' records", () => {
      expect(decide([grant(1, { patient: PATIENTS[1] })], q())).to.deep.equal({ permit: false, reason: "no-consent" });
    });
    it("revocation of one country leaves the others", () => {
      const h = [grant(1), revoke(2, { countries: ["FR"] })];
      expect(decide(h, q())).to.include({ permit: false, reason: "revoked" });
      expect(decide(h, q({ country: "BE" }))).to.include({ permit: true, grantVersion: 1 });
    });
    it("emergency: denied by default; overridden and flagged per policy, PS only", () => {
      expect(decide([], q({ purpose: "EMERGENCY" }))).to.deep.equal({ permit: false, reason: "no-consent" });
      expect(decide([], q({ purpose: "EMERGENCY" }), { emergency: "permit-unless-revoked" })).to.deep.equal({
        permit: true, reason: "emergency-override", grantVersion: null, emergencyOverride: true, deniedReason: "no-consent",
      });
      expect(decide([grant(1), revoke(2)], q({ purpose: "EMERGENCY" }), { emergency: "permit-unless-revoked" })).to.include({ permit: false, reason: "revoked" });
      expect(decide([grant(1), revoke(2)], q({ purpose: "EMERGENCY" }), { emergency: "permit" })).to.include({ emergencyOverride: true });
      expect(decide([], q({ purpose: "EMERGENCY", service: "ep" }), { emergency: "permit" })).to.include({ permit: false });
      // a consent in force is a plain permit, not an override
      expect(decide([grant(1)], q({ purpose: "EMERGENCY" }), { emergency: "permit" })).to.include({ reason: "consent-granted", emergencyOverride: false });
    });
    it("refuses an unreadable time", () => {
      expect(() => decide([], q({ at: "yesterday" }))).to.throw(/not a valid time/);
    });
  });

  describe("properties", () => {
    const runs = { numRuns: 5000 };

    it("never permits without a grant in force covering patient, country, service and time, uncancelled", () => {
      fc.assert(
        fc.property(histories, queries, (h, query) => {
          const d = decide(h, query);
          if (!d.permit) return;
          expect(d.emergencyOverride).to.equal(false); // default policy never overrides
          const t = Number(query.at);
          const g = h.find((r) => r.patient === query.patient && r.version === d.grantVersion);
          expect(g, "the named grant exists").to.not.equal(undefined);
          expect(g!.action).to.equal("grant");
          expect(covers(g!, query), "grant covers the request").to.equal(true);
          expect(startOf(g!) <= t && t < endOf(g!), "grant in force").to.equal(true);
          const cancelling = h.filter((r) => r.action === "revoke" && covers(r, query) && r.version > g!.version && startOf(r) <= t);
          expect(cancelling, "no newer revocation in effect").to.deep.equal([]);
        }),
        runs,
      );
    });

    it("permits whenever such a grant exists (the rule is exact, not just safe)", () => {
      fc.assert(
        fc.property(histories, queries, (h, query) => {
          const t = Number(query.at);
          const participating = query.country !== "XX";
          const expected = participating && h.some((g) => g.action === "grant" && covers(g, query) && startOf(g) <= t && t < endOf(g) &&
            !h.some((r) => r.action === "revoke" && covers(r, query) && r.version > g.version && startOf(r) <= t));
          expect(decide(h, query).permit).to.equal(expected);
        }),
        runs,
      );
    });

    it("a revocation in effect wins over every older grant", () => {
      fc.assert(
        fc.property(histories, queries, (h, query) => {
          const mine = h.filter((r) => r.patient === query.patient);
          const version = mine.length + 1;
          const revocation: ConsentRecord = {
            patient: query.patient, version, action: "revoke", services: [query.service], countries: [query.country as "FR"],
            source: "patient-portal", recordedBy: "p", recordedAt: new Date(Number(query.at)).toISOString(), requestId: "rv",
          };
          expect(decide([...h, revocation], query)).to.deep.equal(query.country === "XX" ? { permit: false, reason: "country-not-participating" } : { permit: false, reason: "revoked" });
        }),
        runs,
      );
    });

    it("a newer grant in force after a revocation permits again, naming itself", () => {
      fc.assert(
        fc.property(histories, queries, (h, query) => {
          fc.pre(query.country !== "XX");
          const version = h.filter((r) => r.patient === query.patient).length + 1;
          const at = new Date(Number(query.at)).toISOString();
          const g: ConsentRecord = {
            patient: query.patient, version, action: "grant", services: [query.service], countries: "ALL",
            source: "paper-form", recordedBy: "p", recordedAt: at, requestId: "gv",
          };
          expect(decide([...h, g], query)).to.deep.include({ permit: true, grantVersion: version });
        }),
        runs,
      );
    });

    it("the decision does not depend on the order records are given in", () => {
      fc.assert(
        fc.property(histories, queries, (h, query) => {
          expect(decide([...h].reverse(), query)).to.deep.equal(decide(h, query));
        }),
        runs,
      );
    });
  });
});

