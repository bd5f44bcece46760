import { expect } from "chai";
import fc from "fast-check";
import { isPasserelleError } from "../shared/errors";
import { assertMatricule, isValidMatricule, makeMatricule, matriculeProblem } from "./matricule";

describe("matricule (Luxembourg national identifier)", () => {
  it("accepts the real test values", () => {
    expect(matriculeProblem("1968101545978")).to.equal(undefined);
    expect(matriculeProblem("1937010112347")).to.equal(undefined);
    expect(makeMatricule("19681015", 459)).to.equal("1968101545978");
  });

  it("gives a precise reason for each kind of fault", () => {
    expect(matriculeProblem("196810154597")?.problem).to.equal("length");
    expect(matriculeProblem("19681015459 8")?.problem).to.equal("non-digit");
    expect(matriculeProblem("1968023045978")?.problem).to.equal("date"); // 30 February
    expect(matriculeProblem("1900022945978")?.problem).to.equal("date"); // 1900 is not a leap year
    expect(matriculeProblem("1968101545968")?.problem).to.equal("luhn");
    expect(matriculeProblem("1968101545977")?.problem).to.equal("verhoeff");
  });

  it("throws MATRICULE_INVALID with the reason and location", () => {
    try {
      assertMatricule("1968101545977", "entry[1].resource.identifier[0].value");
      expect.fail("should throw");
    } catch (e) {
      expect(isPasserelleError(e, "MATRICULE_INVALID")).to.equal(true);
      const err = e as { details: Record<string, unknown>; message: string };
      expect(err.details.problem).to.equal("verhoeff");
      expect(err.details.location).to.equal("entry[1].resource.identifier[0].value");
      expect(err.message).to.match(/expected 8/);
    }
  });

  const birthDate = fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10).replace(/-/g, ""));

  it("property: generated matricules are valid", () => {
    fc.assert(fc.property(birthDate, fc.integer({ min: 0, max: 999 }), (d, s) => isValidMatricule(makeMatricule(d, s))), { numRuns: 2000 });
  });

  it("property: any single-digit change is caught", () => {
    fc.assert(
      fc.property(birthDate, fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 9 }), (d, s, pos, delta) => {
        const valid = makeMatricule(d, s);
        const digit = (Number(valid[pos]) + delta) % 10;
        const changed = valid.slice(0, pos) + String(digit) + valid.slice(pos + 1);
        return !isValidMatricule(changed);
      }),
      { numRuns: 5000 },
    );
  });
});
