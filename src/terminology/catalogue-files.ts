// Readers for the terminology catalogue's files (format documented in catalogue/README.md):
// FHIR ValueSet JSON (MVC value sets, or a Bundle of them) and three TSV tables: code-systems.tsv,
// mappings.tsv, designations.tsv. Every problem found is collected with file:line, so an operator
// sees all of them at once (DESIGN.md: config errors reported together).
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { oidForSystem } from "./code-systems";

/** Value set content: system OID -> code -> English display. */
export type ValueSetContent = Map<string, Map<string, string>>;

export interface ParsedValueSet {
  oid: string;
  name?: string;
  content: ValueSetContent;
}

export interface MappingRow {
  valueSet: string;
  sourceSystem: string;
  sourceCode: string;
  mvcSystem: string;
  mvcCode: string;
  display: Partial<Record<Language, string>>;
  where: string;
}

export interface DesignationRow {
  system: string;
  code: string;
  display: Partial<Record<Language, string>>;
  where: string;
}

export interface CodeSystemRow {
  oid: string;
  uri?: string;
  name: string;
}

export const LANGUAGES = ["en", "fr", "de"] as const;
export type Language = (typeof LANGUAGES)[number];

const OID_RE = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const VS_OID_IN_HEAD = /"value"\s*:\s*"urn:oid:(1\.3\.6\.1\.4\.1\.12559\.11\.10\.1\.3\.1\.42\.\d+)"/;

export function isOid(s: string): boolean {
  return OID_RE.test(s);
}

/**
 * The value set OID of a FHIR ValueSet file, read from its first 4 KiB (identifier comes before the
 * concept list in MVC files), so that a large file is parsed only when first used. Undefined when
 * the head does not show it (the caller then parses the whole file).
 */
export function peekValueSetOid(file: string): string | undefined {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString("utf8");
    // The first resourceType is the file's own (a Bundle names its entries' later).
    if (/"resourceType"\s*:\s*"(\w+)"/.exec(head)?.[1] !== "ValueSet") return undefined;
    return VS_OID_IN_HEAD.exec(head)?.[1];
  } finally {
    closeSync(fd);
  }
}

interface FhirValueSet {
  resourceType: "ValueSet";
  name?: string;
  identifier?: { system?: string; value?: string }[];
  compose?: { include?: { system?: string; concept?: { code: string; display?: string }[] }[] };
}

function valueSetOid(vs: FhirValueSet): string | undefined {
  for (const id of vs.identifier ?? []) {
    if (id.value?.startsWith("urn:oid:")) return id.value.slice("urn:oid:".length);
  }
  return undefined;
}

function readValueSet(vs: FhirValueSet, where: string, errors: string[]): ParsedValueSet | undefined {
  const oid = valueSetOid(vs);
  if (!oid) {
    errors.push(`${where}: ValueSet ${vs.name ?? "?"} has no urn:oid identifier`);
    return undefined;
  }
  const content: ValueSetContent = new Map();
  for (const inc of vs.compose?.include ?? []) {
    const system = inc.system ? oidForSystem(inc.system) : undefined;
    if (!system) {
      errors.push(`${where}: ValueSet ${oid}: code system ${inc.system ?? "(none)"} has no known OID`);
      continue;
    }
    let codes = content.get(system);
    if (!codes) content.set(system, (codes = new Map()));
    for (const c of inc.concept ?? []) codes.set(c.code, c.display ?? c.code);
  }
  return { oid, name: vs.name, content };
}

/** Parse a JSON file holding a FHIR ValueSet or a Bundle of ValueSets. */
export function parseValueSetFile(file: string, errors: string[]): ParsedValueSet[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    errors.push(`${file}: not valid JSON (${(e as Error).message})`);
    return [];
  }
  const res = json as { resourceType?: string; entry?: { resource?: FhirValueSet }[] };
  const out: ParsedValueSet[] = [];
  if (res.resourceType === "ValueSet") {
    const vs = readValueSet(json as FhirValueSet, file, errors);
    if (vs) out.push(vs);
  } else if (res.resourceType === "Bundle") {
    (res.entry ?? []).forEach((e, i) => {
      if (e.resource?.resourceType !== "ValueSet") return;
      const vs = readValueSet(e.resource, `${file} entry ${i}`, errors);
      if (vs) out.push(vs);
    });
  } else {
    errors.push(`${file}: neither a ValueSet nor a Bundle`);
  }
  return out;
}

/** Read a TSV with an exact header; rows as header->cell records. `#` lines and blank lines skipped. */
function readTsv(file: string, header: readonly string[], errors: string[]): { row: Record<string, string>; where: string }[] {
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== "" && !l.startsWith("#"));
  if (first < 0) return [];
  const got = lines[first]!.split("\t").map((h) => h.trim());
  if (got.join("\t") !== header.join("\t")) {
    errors.push(`${file}:${first + 1}: header must be "${header.join("<TAB>")}", found "${got.join("<TAB>")}"`);
    return [];
  }
  const out: { row: Record<string, string>; where: string }[] = [];
  for (let i = first + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "" || line.startsWith("#")) continue;
    const cells = line.split("\t");
    const where = `${file}:${i + 1}`;
    if (cells.length !== header.length) {
      errors.push(`${where}: ${cells.length} columns, expected ${header.length}`);
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((h, j) => (row[h] = cells[j]!.trim()));
    out.push({ row, where });
  }
  return out;
}

function displays(row: Record<string, string>): Partial<Record<Language, string>> {
  const d: Partial<Record<Language, string>> = {};
  for (const l of LANGUAGES) if (row[`display_${l}`]) d[l] = row[`display_${l}`];
  return d;
}

function requireOid(value: string, column: string, where: string, errors: string[]): boolean {
  if (isOid(value)) return true;
  errors.push(`${where}: ${column} "${value}" is not an OID`);
  return false;
}

export const MAPPINGS_HEADER = ["valueSet", "sourceSystem", "sourceCode", "mvcSystem", "mvcCode", "display_en", "display_fr", "display_de"] as const;
export const DESIGNATIONS_HEADER = ["system", "code", "display_en", "display_fr", "display_de"] as const;
export const CODE_SYSTEMS_HEADER = ["oid", "uri", "name"] as const;

export function parseMappings(file: string, errors: string[]): MappingRow[] {
  const out: MappingRow[] = [];
  for (const { row, where } of readTsv(file, MAPPINGS_HEADER, errors)) {
    const ok = ["valueSet", "sourceSystem", "mvcSystem"].every((c) => requireOid(row[c]!, c, where, errors));
    if (!row.sourceCode || !row.mvcCode) {
      errors.push(`${where}: sourceCode and mvcCode are required`);
      continue;
    }
    if (!ok) continue;
    out.push({
      valueSet: row.valueSet!, sourceSystem: row.sourceSystem!, sourceCode: row.sourceCode, mvcSystem: row.mvcSystem!, mvcCode: row.mvcCode,
      display: displays(row), where,
    });
  }
  return out;
}

export function parseDesignations(file: string, errors: string[]): DesignationRow[] {
  const out: DesignationRow[] = [];
  for (const { row, where } of readTsv(file, DESIGNATIONS_HEADER, errors)) {
    if (!requireOid(row.system!, "system", where, errors)) continue;
    if (!row.code) {
      errors.push(`${where}: code is required`);
      continue;
    }
    out.push({ system: row.system!, code: row.code, display: displays(row), where });
  }
  return out;
}

export function parseCodeSystems(file: string, errors: string[]): CodeSystemRow[] {
  const out: CodeSystemRow[] = [];
  for (const { row, where } of readTsv(file, CODE_SYSTEMS_HEADER, errors)) {
    if (!requireOid(row.oid!, "oid", where, errors)) continue;
    if (!row.name) {
      errors.push(`${where}: name is required`);
      continue;
    }
    out.push({ oid: row.oid!, name: row.name, ...(row.uri ? { uri: row.uri } : {}) });
  }
  return out;
}
