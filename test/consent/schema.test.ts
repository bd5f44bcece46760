// The published JSON Schema of a consent command (schemas/consent-command.schema.json) and the parser
// the server runs (src/consent/command.ts) agree: whatever the parser accepts, the schema accepts;
// what breaks the structure (unknown field, missing or mistyped member) both refuse.
import { expect } from "chai";
import fc from "fast-check";
import { parseCommand } from "../../src/consent/command";
import { MYHEALTH_EU_COUNTRIES } from "../../src/consent/countries";
import { makeMatricule } from "../../src/national/matricule";
import { validator } from "./openapi";

const schema = validator("consent-command.schema.json");
const accepts = (raw: unknown) => {
  try {
    parseCommand(raw);
    return true;
  } catch {
    return false;
  }
};

const date = fc.date({ min: new Date("2000-01-01"), max: new Date("2040-01-01"), noInvalidDate: true });
const command = fc.record(
  {
    patient: fc.integer({ min: 0, max: 998 }).map((n) => makeMatricule("19800101", n)),
    action: fc.constantFrom("grant", "revoke"),
    services: fc.subarray(["ps", "ep"], { minLength: 1 }),
    countries: fc.oneof(fc.constant("ALL"), fc.subarray([...MYHEALTH_EU_COUNTRIES], { minLength: 1 })),
    validFrom: date.map((d) => d.toISOString().slice(0, 10)),
    source: fc.constantFrom("national-record", "patient-portal", "paper-form"),
    recordedBy: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
    requestId: fc.stringMatching(/^[A-Za-z0-9._:@/-]{1,40}$/),
    expectedVersion: fc.nat(1000),
  },
  { requiredKeys: ["patient", "action", "source", "recordedBy", "requestId"] },
);

describe("consent command: JSON Schema and parser agree", () => {
  it("the schema accepts every command the parser accepts", () => {
    fc.assert(
      fc.property(command, (raw) => {
        if (accepts(raw)) expect(schema(raw), JSON.stringify(schema.errors)).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("both refuse structural breakage", () => {
    const breakages: ((o: Record<string, unknown>) => Record<string, unknown>)[] = [
      (o) => ({ ...o, extra: true }),
      (o) => ({ ...o, action: "suspend" }),
      (o) => ({ ...o, services: [] }),
      (o) => ({ ...o, services: ["dispensation"] }),
      (o) => ({ ...o, countries: [] }),
      (o) => ({ ...o, expectedVersion: -1 }),
      (o) => ({ ...o, requestId: "has space" }),
      (o) => ({ ...o, validFrom: "01/02/2026" }),
      ({ source: _s, ...o }) => o,
      ({ requestId: _r, ...o }) => o,
    ];
    fc.assert(
      fc.property(command, fc.constantFrom(...breakages), (raw, breakIt) => {
        const broken = breakIt(raw as Record<string, unknown>);
        expect(schema(broken), JSON.stringify(broken)).to.equal(false);
        expect(accepts(broken), JSON.stringify(broken)).to.equal(false);
      }),
      { numRuns: 1000 },
    );
  });
});
