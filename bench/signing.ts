// Signing benchmark (issue 2 "Benchmark"): documents/s for sealing alone and verifying alone, on a
// full Patient Summary (170 KB) and a mid-size one (~40 KB), against libxmlsec1 doing the same
// signature in-process (Debian python3-xmlsec, bench/xmlsec_sign.py) on the same document with the
// same key in the same run. Floor: ours no slower than 3x libxmlsec1.
// Run alone: `npx tsx bench/signing.ts`; `npm run bench` calls run() from bench/run.ts.
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDevPki } from "../src/ops/dev-pki";
import { loadSigningKey } from "../src/signing/keys";
import { signDocument } from "../src/signing/sign";
import { loadTrustList } from "../src/signing/trust";
import { verifyDocument } from "../src/signing/verify";
import { machine, perSecond, type Machine } from "./measure";

const HERE = dirname(fileURLToPath(import.meta.url));
const EHDSI = resolve(HERE, "../../shared/ehdsi");
const PYTHON = process.env.PASSERELLE_PYTHON ?? "/usr/bin/python3";
/** Our signing may take at most this many times libxmlsec1's time per document. */
export const MAX_RATIO = 3;

export const DOCUMENTS = [
  { name: "PS 2-1234-W8 (openncp)", path: join(EHDSI, "cda/openncp/2-1234-W8.xml") },
  { name: "PS friendly (openncp)", path: join(EHDSI, "cda/openncp/PatientSummary-friendly.xml") },
];

export interface SigningFigures {
  document: string;
  bytes: number;
  signPerSecond: number;
  verifyPerSecond: number;
  xmlsecSignPerSecond: number;
  /** Our time per signature / libxmlsec1's. */
  ratio: number;
  withinFloor: boolean;
}

export interface SigningBenchResult {
  machine: Machine;
  figures: SigningFigures[];
}

function xmlsecPerSecond(document: string, keyFile: string, certFile: string, rounds: number): number {
  const out = execFileSync(PYTHON, [join(HERE, "xmlsec_sign.py"), document, keyFile, certFile, String(rounds)], { encoding: "utf8" });
  const { docs_per_s: rate } = JSON.parse(out.trim().split("\n").pop() as string) as { docs_per_s: number };
  return rate;
}

export async function run(options: { ms?: number } = {}): Promise<SigningBenchResult> {
  const ms = options.ms ?? 3000;
  const dir = mkdtempSync(join(tmpdir(), "passerelle-bench-pki-"));
  try {
    generateDevPki({ dir, country: "LU" });
    const key = loadSigningKey(dir, "seal");
    const trust = loadTrustList({ anchors: [join(dir, "ca.pem")] });
    const figures: SigningFigures[] = [];
    for (const doc of DOCUMENTS) {
      const xml = readFileSync(doc.path, "utf8");
      const signed = signDocument(xml, key);
      const signPerSecond = perSecond(() => signDocument(xml, key), ms);
      const verifyPerSecond = perSecond(() => verifyDocument(signed, trust), ms);
      // About the same wall time for libxmlsec1 as for our signing loop.
      const rounds = Math.max(50, Math.round((signPerSecond * ms) / 1000) * 3);
      const xmlsecSignPerSecond = xmlsecPerSecond(doc.path, join(dir, "seal.key.pem"), join(dir, "seal.pem"), rounds);
      const ratio = xmlsecSignPerSecond / signPerSecond;
      figures.push({ document: doc.name, bytes: Buffer.byteLength(xml), signPerSecond, verifyPerSecond, xmlsecSignPerSecond, ratio, withinFloor: ratio <= MAX_RATIO });
    }
    return { machine: machine(), figures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function format(result: SigningBenchResult): string {
  const m = result.machine;
  const lines = [`signing benchmark — ${m.nproc} CPU(s), ${m.cpu}, Node ${m.node}, one core`];
  for (const f of result.figures) {
    lines.push(
      `  ${f.document} (${(f.bytes / 1024).toFixed(0)} KB): sign ${f.signPerSecond.toFixed(0)}/s, verify ${f.verifyPerSecond.toFixed(0)}/s, ` +
        `libxmlsec1 sign ${f.xmlsecSignPerSecond.toFixed(0)}/s, ratio ${f.ratio.toFixed(2)}x (floor ${MAX_RATIO}x: ${f.withinFloor ? "ok" : "MISSED"})`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await run();
  console.log(format(result));
  if (result.figures.some((f) => !f.withinFloor)) process.exitCode = 1;
}
