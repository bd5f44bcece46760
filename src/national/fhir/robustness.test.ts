// Property: random, valid-ish bundles never crash the converters: they give a model or a
// PasserelleError, never another exception (TypeError, RangeError ...).
import fc from "fast-check";
import { isPasserelleError } from "../../shared/errors";
import { parseBundleJson } from "./bundle";
import { patientSummaryFromFhir } from "./patient-summary";
import { prescriptionsFromFhir } from "./prescription";
import { clone, demoBundle } from "./test-support";

const seeds = ["sophie-weber-ps.json", "luc-schmit-ps.json", "marie-kieffer-ep.json", "henri-wagner-ep.json"].map(demoBundle);

const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constant(""),
  fc.constant("urn:oid:"),
  fc.constant("http://unknown.example/cs"),
  fc.constant("Patient/x"),
  fc.constant("1968101545978"),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 2 }),
);

/** Every path (as a key list) to a value inside a JSON tree. */
function paths(node: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(node)) node.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) paths(v, [...prefix, k], out);
  return out;
}

function mutate(root: unknown, path: (string | number)[], action: "set" | "delete", value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (action === "delete") {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
}

function convert(bundle: unknown, seedIndex: number): void {
  try {
    if (seedIndex < 2) patientSummaryFromFhir(bundle);
    else prescriptionsFromFhir(bundle);
  } catch (e) {
    if (!isPasserelleError(e)) throw e;
  }
}

describe("national converters: robustness (fast-check)", () => {
  it("random mutations of demo bundles give a model or a PasserelleError", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom("set" as const, "delete" as const), junk), { minLength: 1, maxLength: 4 }),
        (seedIndex, mutations) => {
          const bundle = clone(seeds[seedIndex]);
          for (const [n, action, value] of mutations) {
            const all = paths(bundle);
            if (all.length === 0) break;
            mutate(bundle, all[n % all.length]!, action, value);
          }
          convert(bundle, seedIndex);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("arbitrary JSON text gives a model or a PasserelleError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), fc.nat(1), (text, which) => {
        try {
          const parsed = parseBundleJson(text);
          convert(parsed, which === 0 ? 0 : 2);
        } catch (e) {
          if (!isPasserelleError(e)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});
