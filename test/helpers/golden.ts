// Golden files (DESIGN.md convention 2): a canonical input `name.json` beside the expected output
// `name.xml`. The expected file is (re)written only when UPDATE_GOLDEN=1; otherwise a missing or
// different file fails the test. Volatile parts (document id, creation time) are normalised on both
// sides; one element per line so that a failing comparison shows a readable diff.
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === "1";

export interface GoldenCase {
  name: string;
  /** Path of the `*.json` input. */
  input: string;
  /** Path of the expected output beside it (`*.xml` unless told otherwise). */
  expected: string;
}

/** The `*.json` cases of a golden folder, with their expected `*.<ext>` files. */
export function goldenCases(dir: string, ext = "xml"): GoldenCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ name: basename(f, ".json"), input: join(dir, f), expected: join(dir, `${basename(f, ".json")}.${ext}`) }));
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** Resolve a path written inside a golden input relative to that input's folder. */
export function relativeTo(input: string, path: string): string {
  return resolve(dirname(input), path);
}

/**
 * Replace what changes from run to run or with every content change of the record: the
 * ClinicalDocument id extension (a content hash), its effectiveTime (creation time), and the
 * XML declaration's formatting. Entry ids and clinical times are kept: they come from the input.
 */
export function normaliseCda(xml: string): string {
  return xml
    .replace(/(<ClinicalDocument\b[\s\S]*?<id root="[^"]*") extension="[^"]*"/, '$1 extension="{document-id}"')
    .replace(/(<ClinicalDocument\b[\s\S]*?<effectiveTime) value="[^"]*"/, '$1 value="{creation-time}"');
}

/** One element per line (only between tags: text content is escaped, so `><` never is text). */
export function oneTagPerLine(xml: string): string {
  return xml.replace(/>\s*</g, ">\n<").trim() + "\n";
}

/**
 * Compare `actual` with the golden file (after normalisation), or write it when UPDATE_GOLDEN=1.
 */
export function expectGolden(expectedPath: string, actual: string, normalise: (s: string) => string = normaliseCda): void {
  const shown = oneTagPerLine(normalise(actual));
  if (UPDATE_GOLDEN) {
    writeFileSync(expectedPath, shown);
    return;
  }
  if (!existsSync(expectedPath)) {
    expect.fail(`golden file ${expectedPath} is missing: run the test with UPDATE_GOLDEN=1 to create it, and review it`);
  }
  const expected = oneTagPerLine(normalise(readFileSync(expectedPath, "utf8")));
  expect(shown, `output differs from ${expectedPath} (UPDATE_GOLDEN=1 rewrites it)`).to.equal(expected);
}
