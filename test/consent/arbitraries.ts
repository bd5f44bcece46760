// fast-check generators of consent histories: few patients, few countries and a short time line, so
// that scopes and periods collide often (the interesting cases for decide()).
import fc from "fast-check";
import { makeMatricule } from "../../src/national/matricule";
import type { ConsentRecord, ConsentService, CountryScope, DecisionQuery } from "../../src/consent/model";

export const PATIENTS = [makeMatricule("19800101", 1), makeMatricule("19900515", 42)] as const;
export const COUNTRIES = ["BE", "FR", "DE", "XX"] as const; // XX: outside MyHealth@EU
export const T0 = Date.parse("2026-01-01T00:00:00Z");
const DAY = 86_400_000;

export const dayAt = (d: number): string => new Date(T0 + d * DAY).toISOString();

const services = fc.subarray<ConsentService>(["ep", "ps"], { minLength: 1 });
const countries: fc.Arbitrary<CountryScope> = fc.oneof(
  fc.constant("ALL" as const),
  fc.subarray(["BE", "DE", "FR"] as const, { minLength: 1 }),
);

interface RawChange {
  patient: string;
  action: "grant" | "revoke";
  services: ConsentService[];
  countries: CountryScope;
  recordedDay: number;
  fromDay: number | null;
  lengthDays: number | null;
}

const change: fc.Arbitrary<RawChange> = fc.record({
  patient: fc.constantFrom(...PATIENTS),
  action: fc.constantFrom("grant" as const, "revoke" as const),
  services,
  countries,
  recordedDay: fc.integer({ min: 0, max: 20 }),
  fromDay: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
  lengthDays: fc.option(fc.integer({ min: 1, max: 15 }), { nil: null }),
});

/** Histories of both patients, versions 1..n per patient, recordedAt non-decreasing per patient. */
export const histories: fc.Arbitrary<ConsentRecord[]> = fc.array(change, { maxLength: 8 }).map((changes) => {
  const version = new Map<string, number>();
  const lastDay = new Map<string, number>();
  return changes.map((c, i) => {
    const v = (version.get(c.patient) ?? 0) + 1;
    version.set(c.patient, v);
    const day = Math.max(c.recordedDay, lastDay.get(c.patient) ?? 0);
    lastDay.set(c.patient, day);
    const from = c.fromDay ?? undefined;
    const untilDay = c.action === "grant" && c.lengthDays !== null ? (from ?? day) + c.lengthDays : undefined;
    return {
      patient: c.patient,
      version: v,
      action: c.action,
      services: [...c.services].sort(),
      countries: c.countries,
      ...(from !== undefined ? { validFrom: dayAt(from) } : {}),
      ...(untilDay !== undefined ? { validUntil: dayAt(untilDay) } : {}),
      source: "national-record" as const,
      recordedBy: "test",
      recordedAt: dayAt(day),
      requestId: `req-${i}-${c.patient}-${v}`,
    };
  });
});

export const queries: fc.Arbitrary<DecisionQuery> = fc.record({
  patient: fc.constantFrom(...PATIENTS),
  country: fc.constantFrom(...COUNTRIES),
  service: fc.constantFrom<ConsentService>("ps", "ep"),
  purpose: fc.constantFrom("TREATMENT" as const, "EMERGENCY" as const),
  // Half days: never exactly on a bound, and exactly on one (integers) half of the time.
  at: fc.integer({ min: -2, max: 90 }).map((h) => T0 + (h / 2) * DAY),
});
