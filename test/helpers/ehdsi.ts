// Tests and benchmarks read the official eHDSI artefacts in place (never copied into the project).
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const EHDSI_DIR = resolve(REPO_ROOT, "../shared/ehdsi");

export function ehdsiPath(...parts: string[]): string {
  const p = resolve(EHDSI_DIR, ...parts);
  if (!existsSync(p)) throw new Error(`eHDSI reference file missing: ${p} (tests expect ../shared/ehdsi beside the repo)`);
  return p;
}
