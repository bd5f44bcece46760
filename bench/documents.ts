// Document engine benchmark (issue 2 "Benchmark"): the full demo Patient Summary (every section,
// sophie-weber-ps.json) from national FHIR JSON to a sealed pivot L3, documents/s on one core, with
// each stage timed alone. Baseline in the same run: JSON.parse + JSON.stringify of the same bundle
// (the least any translator must do with its input). Floor: 200 sealed Patient Summaries/s per core.
// Run alone: `npx tsx bench/documents.ts`; `npm run bench` calls run() from bench/run.ts.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPatientSummaryL3 } from "../src/documents/cda/patient-summary";
import type { DocumentContext } from "../src/documents/context";
import { patientSummaryDocument } from "../src/documents/pipeline";
import { DEMO_BUNDLE_DIR } from "../src/national/demo";
import { parseBundleJson } from "../src/national/fhir/bundle";
import { patientSummaryFromFhir } from "../src/national/fhir/patient-summary";
import { generateDevPki } from "../src/ops/dev-pki";
import { loadSigningKey } from "../src/signing/keys";
import { signDocument } from "../src/signing/sign";
import { loadCatalogue } from "../src/terminology/catalogue";
import { awaitedPerSecond, machine, perSecond, type Machine } from "./measure";

export const FLOOR_PER_SECOND = 200;
const BUNDLE = join(DEMO_BUNDLE_DIR, "sophie-weber-ps.json");

export interface DocumentsBenchResult {
  machine: Machine;
  bundleBytes: number;
  documentBytes: number;
  baselinePerSecond: number;
  convertPerSecond: number;
  buildPerSecond: number;
  signPerSecond: number;
  pipelinePerSecond: number;
  withinFloor: boolean;
}

export async function run(options: { ms?: number } = {}): Promise<DocumentsBenchResult> {
  const ms = options.ms ?? 3000;
  const bytes = readFileSync(BUNDLE);
  const dir = mkdtempSync(join(tmpdir(), "passerelle-bench-docs-"));
  try {
    generateDevPki({ dir, country: "LU" });
    const key = loadSigningKey(dir, "seal");
    const ctx: DocumentContext = {
      country: "LU",
      documentIdRoot: "1.3.182.2.12.10000734.9.1",
      custodian: { name: "Passerelle NCPeH Luxembourg (bench)" },
      terminology: loadCatalogue(),
      now: () => new Date(),
    };
    const ps = patientSummaryFromFhir(parseBundleJson(bytes));
    const l3 = buildPatientSummaryL3(ps, ctx);
    const baselinePerSecond = perSecond(() => JSON.stringify(JSON.parse(bytes.toString("utf8"))), ms);
    const convertPerSecond = perSecond(() => patientSummaryFromFhir(parseBundleJson(bytes)), ms);
    const buildPerSecond = perSecond(() => buildPatientSummaryL3(ps, ctx), ms);
    const signPerSecond = perSecond(() => signDocument(l3, key), ms);
    // The whole path, as `passerelle translate --type ps --sign` and the XCA retrieve do it.
    let pending = 0;
    const pipelinePerSecond = await awaitedPerSecond(async () => {
      pending++;
      await patientSummaryDocument(patientSummaryFromFhir(parseBundleJson(bytes)), { signingKey: key }, ctx);
      pending--;
    }, ms);
    if (pending !== 0) throw new Error("benchmark loop left work pending");
    return {
      machine: machine(),
      bundleBytes: bytes.length,
      documentBytes: Buffer.byteLength(l3),
      baselinePerSecond,
      convertPerSecond,
      buildPerSecond,
      signPerSecond,
      pipelinePerSecond,
      withinFloor: pipelinePerSecond >= FLOOR_PER_SECOND,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


export function format(r: DocumentsBenchResult): string {
  const ratio = (x: number) => `${(r.baselinePerSecond / x).toFixed(1)}x baseline time`;
  return [
    `document engine — ${r.machine.nproc} CPU(s), ${r.machine.cpu}, Node ${r.machine.node}, one core`,
    `  full demo PS: bundle ${(r.bundleBytes / 1024).toFixed(0)} KB -> pivot L3 ${(r.documentBytes / 1024).toFixed(0)} KB`,
    `  baseline JSON.parse+stringify of the bundle: ${r.baselinePerSecond.toFixed(0)}/s`,
    `  FHIR -> canonical:  ${r.convertPerSecond.toFixed(0)}/s (${ratio(r.convertPerSecond)})`,
    `  canonical -> L3:    ${r.buildPerSecond.toFixed(0)}/s (${ratio(r.buildPerSecond)})`,
    `  seal (XML-DSig):    ${r.signPerSecond.toFixed(0)}/s (${ratio(r.signPerSecond)})`,
    `  translate + seal:   ${r.pipelinePerSecond.toFixed(0)}/s (${ratio(r.pipelinePerSecond)}); floor ${FLOOR_PER_SECOND}/s: ${r.withinFloor ? "ok" : "MISSED"}`,
  ].join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await run();
  console.log(format(result));
  if (!result.withinFloor) process.exitCode = 1;
}
