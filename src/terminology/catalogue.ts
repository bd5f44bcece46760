// The terminology catalogue: MVC value sets (FHIR ValueSet JSON), national -> MVC mappings and
// designations in en, fr, de (catalogue/README.md). Implements the Terminology contract.
//
// Loading is lazy: at start only the first 4 KiB of each MVC file is read to learn its value set
// OID; a value set is parsed the first time it is asked for (the eHDSISubstance file alone is 4 MB).
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCode, PasserelleError } from "../shared/errors";
import {
  LANGUAGES, parseCodeSystems, parseDesignations, parseMappings, parseValueSetFile, peekValueSetOid,
  type Language, type MappingRow, type ValueSetContent,
} from "./catalogue-files";
import { codeSystemName, registerCodeSystem } from "./code-systems";
import type { MvcConcept, Terminology } from "./types";
import type { Coded } from "../canonical/model";

/** The small catalogue the project ships for its demo data (catalogue/README.md). */
export const SHIPPED_CATALOGUE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "catalogue");

export interface CatalogueOptions {
  /** A folder of eHDSI MVC FHIR ValueSet files (config `ehdsiResourcesDir` + `/mvc`). */
  mvcDir?: string;
  /** Further catalogue folders (same format as the shipped one), loaded after it. */
  extraDirs?: string[];
  /** Load the shipped demo catalogue (default true). */
  shipped?: boolean;
}

export interface CatalogueStats {
  valueSets: number;
  valueSetsParsed: number;
  concepts: number;
  mappings: number;
  designations: number;
}

type Designations = Partial<Record<Language, string>>;

const key = (...parts: string[]): string => parts.join("|");

/** BCP 47 tag -> one of our catalogue languages, or undefined. */
export function catalogueLanguage(tag: string): Language | undefined {
  const primary = tag.toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(primary ?? "") ? (primary as Language) : undefined;
}

export class Catalogue implements Terminology {
  /** Value sets not parsed yet: OID -> files. */
  private readonly pending = new Map<string, string[]>();
  private readonly loaded = new Map<string, ValueSetContent>();
  private readonly mappings = new Map<string, MappingRow>();
  private readonly designationsByCode = new Map<string, Designations>();

  /** Add the files of one folder. Throws CONFIG_INVALID naming every problem found. */
  addDir(dir: string, opts: { tables: boolean }): void {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new PasserelleError(ErrorCode.ConfigInvalid, `Terminology folder not found: ${dir}`, { location: dir });
    }
    const errors: string[] = [];
    const files = readdirSync(dir).sort();
    if (opts.tables) {
      // Code systems first: value sets and mappings may use the systems they name.
      if (files.includes("code-systems.tsv")) for (const cs of parseCodeSystems(join(dir, "code-systems.tsv"), errors)) registerCodeSystem(cs);
    }
    for (const f of files.filter((n) => n.endsWith(".json"))) {
      const file = join(dir, f);
      const oid = peekValueSetOid(file);
      if (oid) {
        this.pending.set(oid, [...(this.pending.get(oid) ?? []), file]);
      } else if (opts.tables) {
        for (const vs of parseValueSetFile(file, errors)) this.merge(vs.oid, vs.content);
      }
      // An MVC folder also holds package.json and the like: not value sets, ignored.
    }
    if (opts.tables) {
      if (files.includes("mappings.tsv")) {
        for (const m of parseMappings(join(dir, "mappings.tsv"), errors)) this.mappings.set(key(m.valueSet, m.sourceSystem, m.sourceCode), m);
      }
      if (files.includes("designations.tsv")) {
        for (const d of parseDesignations(join(dir, "designations.tsv"), errors)) this.addDesignations(d.system, d.code, d.display);
      }
      // A mapping's MVC display_fr/de is a designation of the MVC code.
      for (const m of this.mappings.values()) this.addDesignations(m.mvcSystem, m.mvcCode, m.display, false);
    }
    if (errors.length) {
      throw new PasserelleError(ErrorCode.ConfigInvalid, `Terminology catalogue ${dir}: ${errors.length} problem(s): ${errors.join("; ")}`, { location: dir, errors });
    }
  }

  private addDesignations(system: string, code: string, d: Designations, override = true): void {
    const k = key(system, code);
    const prev = this.designationsByCode.get(k) ?? {};
    this.designationsByCode.set(k, override ? { ...prev, ...d } : { ...d, ...prev });
  }

  private merge(oid: string, content: ValueSetContent): void {
    let into = this.loaded.get(oid);
    if (!into) this.loaded.set(oid, (into = new Map()));
    for (const [system, codes] of content) {
      let target = into.get(system);
      if (!target) into.set(system, (target = new Map()));
      for (const [code, display] of codes) target.set(code, display);
    }
  }

  /** The content of a value set, parsing its files on first use. */
  private content(valueSet: string): ValueSetContent | undefined {
    const files = this.pending.get(valueSet);
    if (files) {
      this.pending.delete(valueSet);
      const errors: string[] = [];
      for (const f of files) for (const vs of parseValueSetFile(f, errors)) this.merge(vs.oid, vs.content);
      if (errors.length) throw new PasserelleError(ErrorCode.ConfigInvalid, `MVC value set ${valueSet}: ${errors.join("; ")}`, { errors });
    }
    return this.loaded.get(valueSet);
  }

  /** Parse every value set not parsed yet (for measurement, and before a full English lookup). */
  loadAll(): void {
    for (const oid of [...this.pending.keys()]) this.content(oid);
  }

  inValueSet(valueSet: string, system: string, code: string): boolean {
    return this.content(valueSet)?.get(system)?.has(code) ?? false;
  }

  private concept(valueSet: string, system: string, code: string): MvcConcept | undefined {
    const display = this.content(valueSet)?.get(system)?.get(code);
    if (display === undefined) return undefined;
    return { code, system, systemName: codeSystemName(system) ?? system, display };
  }

  toMvc(source: Coded, valueSet: string): MvcConcept | undefined {
    const direct = this.concept(valueSet, source.system, source.code);
    if (direct) return direct;
    const m = this.mappings.get(key(valueSet, source.system, source.code));
    // A mapping whose target is not a member of the value set is no mapping (see checkMappings()).
    return m ? this.concept(valueSet, m.mvcSystem, m.mvcCode) : undefined;
  }

  designation(system: string, code: string, language: string): string | undefined {
    const lang = catalogueLanguage(language);
    if (!lang) return undefined;
    const own = this.designationsByCode.get(key(system, code))?.[lang];
    if (lang !== "en") return own;
    // English: the MVC display is the pivot display; the catalogue's en covers non-MVC codes.
    let mvc = this.mvcDisplay(system, code);
    if (mvc === undefined && own === undefined && this.pending.size) {
      this.loadAll();
      mvc = this.mvcDisplay(system, code);
    }
    return mvc ?? own;
  }

  /** The English display of a code in the first parsed value set holding it. */
  private mvcDisplay(system: string, code: string): string | undefined {
    for (const vs of this.loaded.values()) {
      const d = vs.get(system)?.get(code);
      if (d !== undefined) return d;
    }
    return undefined;
  }

  valueSets(): string[] {
    return [...new Set([...this.loaded.keys(), ...this.pending.keys()])].sort();
  }

  /** Mappings whose MVC target is not in their value set (the operator's data to fix). */
  checkMappings(): string[] {
    const out: string[] = [];
    for (const m of this.mappings.values()) {
      if (!this.inValueSet(m.valueSet, m.mvcSystem, m.mvcCode)) {
        out.push(`${m.where}: ${m.mvcSystem}#${m.mvcCode} is not in value set ${m.valueSet}`);
      }
    }
    return out;
  }

  stats(): CatalogueStats {
    let concepts = 0;
    for (const vs of this.loaded.values()) for (const codes of vs.values()) concepts += codes.size;
    return {
      valueSets: this.valueSets().length, valueSetsParsed: this.loaded.size, concepts,
      mappings: this.mappings.size, designations: this.designationsByCode.size,
    };
  }
}

/**
 * Load the catalogue: the shipped demo catalogue, then the operator's MVC folder, then extra
 * catalogue folders (later files add concepts, and override mappings and designations).
 */
export function loadCatalogue(options: CatalogueOptions = {}): Catalogue {
  const c = new Catalogue();
  if (options.shipped !== false) c.addDir(SHIPPED_CATALOGUE_DIR, { tables: true });
  if (options.mvcDir) c.addDir(options.mvcDir, { tables: false });
  for (const d of options.extraDirs ?? []) c.addDir(d, { tables: true });
  return c;
}

/**
 * Display of a code in a language, falling back to English; `language` says which one was used
 * so the caller can tell an untranslated display. Undefined when not even English is known.
 */
export function displayIn(t: Terminology, system: string, code: string, language: string): { text: string; language: string } | undefined {
  const want = catalogueLanguage(language);
  if (want && want !== "en") {
    const text = t.designation(system, code, want);
    if (text !== undefined) return { text, language: want };
  }
  const en = t.designation(system, code, "en");
  return en === undefined ? undefined : { text: en, language: "en" };
}
