// Seeds the embedded national store with the demo patients (src/national/demo/*.json; README there).
// Idempotent: importing the same bundles again replaces them and keeps the dispensing state.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseBundleJson } from "./fhir/bundle";
import type { EmbeddedNationalStore, ImportResult } from "./embedded-store";

export const DEMO_BUNDLE_DIR = fileURLToPath(new URL("./demo/", import.meta.url));

/** Demo bundle files: `*-ps.json` Patient Summaries first, then `*-ep.json` ePrescriptions. */
export function demoBundleFiles(): { file: string; type: "ps" | "ep" }[] {
  const files = readdirSync(DEMO_BUNDLE_DIR).sort();
  return [
    ...files.filter((f) => f.endsWith("-ps.json")).map((file) => ({ file, type: "ps" as const })),
    ...files.filter((f) => f.endsWith("-ep.json")).map((file) => ({ file, type: "ep" as const })),
  ];
}

export async function seedDemo(store: EmbeddedNationalStore): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const { file, type } of demoBundleFiles()) {
    results.push(await store.importBundle(parseBundleJson(readFileSync(`${DEMO_BUNDLE_DIR}${file}`)), type));
  }
  return results;
}
