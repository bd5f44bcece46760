// Regenerates catalogue/mvc-demo-subset.json: the part of the eHDSI MVC the demo data needs, so
// that the gateway runs with no MVC folder configured (SOURCES.md licence note: ship only that).
// Run: npx tsx src/terminology/make-demo-subset.ts [mvcDir]   (default ../shared/ehdsi/mvc)
// Kept: every concept named by catalogue/mappings.tsv or designations.tsv, every coding found in
// the demo bundles (src/national/demo/*.json) and golden inputs (test/golden/*/*.json) that is an
// MVC member, and the whole of the small value sets listed below (HL7, LOINC, ISCO, and SNOMED CT
// qualifier lists of at most 12 concepts that the builders may emit whatever the record says).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isOid, parseDesignations, parseMappings, parseValueSetFile, type ParsedValueSet } from "./catalogue-files";
import { SHIPPED_CATALOGUE_DIR } from "./catalogue";
import { CodeSystems, codeSystemByOid, oidForSystem } from "./code-systems";

const WHOLE = new Set([1, 7, 9, 13, 14, 15, 18, 20, 21, 23, 26, 30, 32, 38, 41, 57, 58, 59, 60, 62].map((n) => `1.3.6.1.4.1.12559.11.10.1.3.1.42.${n}`));

function codingsIn(json: unknown, out: Set<string>): void {
  if (Array.isArray(json)) for (const x of json) codingsIn(x, out);
  else if (json && typeof json === "object") {
    const o = json as Record<string, unknown>;
    if (typeof o.system === "string" && typeof o.code === "string") {
      // FHIR bundles carry URIs; canonical-model fixtures carry OIDs.
      const oid = isOid(o.system) ? o.system : oidForSystem(o.system);
      if (oid) out.add(`${oid}|${o.code}`);
    }
    // A canonical-model Quantity: { value, unit } with a UCUM unit.
    if (typeof o.unit === "string" && typeof o.value === "string") out.add(`${CodeSystems.ucum.oid}|${o.unit}`);
    for (const v of Object.values(o)) codingsIn(v, out);
  }
}

function uriFor(oid: string): string {
  const cs = codeSystemByOid(oid);
  return cs?.uri ?? `urn:oid:${oid}`;
}

export function makeDemoSubset(mvcDir: string, inputDirs: string[]): object {
  const errors: string[] = [];
  const wanted = new Set<string>();
  for (const m of parseMappings(join(SHIPPED_CATALOGUE_DIR, "mappings.tsv"), errors)) wanted.add(`${m.mvcSystem}|${m.mvcCode}`);
  for (const d of parseDesignations(join(SHIPPED_CATALOGUE_DIR, "designations.tsv"), errors)) wanted.add(`${d.system}|${d.code}`);
  for (const dir of inputDirs.filter((d) => existsSync(d))) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".json"))) codingsIn(JSON.parse(readFileSync(join(dir, f), "utf8")), wanted);
  }
  const sets: ParsedValueSet[] = [];
  for (const f of readdirSync(mvcDir).filter((n) => n.startsWith("ValueSet-") && n.endsWith(".json")).sort()) {
    sets.push(...parseValueSetFile(join(mvcDir, f), errors));
  }
  if (errors.length) throw new Error(errors.join("\n"));
  const entry = [];
  for (const vs of sets) {
    const include = [];
    for (const [system, codes] of vs.content) {
      const concept = [...codes].filter(([code]) => WHOLE.has(vs.oid) || wanted.has(`${system}|${code}`)).map(([code, display]) => ({ code, display }));
      if (concept.length) include.push({ system: uriFor(system), concept });
    }
    if (!include.length) continue;
    entry.push({
      resource: {
        resourceType: "ValueSet", name: vs.name,
        identifier: [{ system: "urn:ietf:rfc:3986", value: `urn:oid:${vs.oid}` }],
        compose: { include },
      },
    });
  }
  return { resourceType: "Bundle", type: "collection", entry };
}

if (process.argv[1] && resolve(process.argv[1]).endsWith("make-demo-subset.ts")) {
  const mvcDir = resolve(process.argv[2] ?? join(SHIPPED_CATALOGUE_DIR, "../../../../shared/ehdsi/mvc"));
  const repo = resolve(SHIPPED_CATALOGUE_DIR, "../../..");
  const inputs = [join(repo, "src/national/demo"), ...["ps", "ep", "ed"].map((k) => join(repo, "test/golden", k))];
  const bundle = makeDemoSubset(mvcDir, inputs) as { entry: { resource: { compose: { include: { concept: unknown[] }[] } } }[] };
  const n = bundle.entry.reduce((a, e) => a + e.resource.compose.include.reduce((b, i) => b + i.concept.length, 0), 0);
  writeFileSync(join(SHIPPED_CATALOGUE_DIR, "mvc-demo-subset.json"), JSON.stringify(bundle, null, 1) + "\n");
  console.log(`mvc-demo-subset.json: ${bundle.entry.length} value sets, ${n} concepts`);
}
