// `passerelle terminology check|lookup`: the operator's view of the terminology catalogue
// (src/terminology/catalogue/README.md): load it as the gateway would, verify the mappings against
// the MVC value sets, and look a code up.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { displayIn, loadCatalogue, type Catalogue } from "../terminology/catalogue";
import { codeSystemName, oidForSystem } from "../terminology/code-systems";
import { ExitCode, type CliContext } from "./context";

interface CatalogueOpts {
  mvc?: string;
  catalogue?: string[];
}

function openCatalogue(ctx: CliContext, opts: CatalogueOpts): { catalogue: Catalogue; mvcDir?: string; ms: number } {
  let mvcDir = opts.mvc ? resolve(ctx.cwd, opts.mvc) : undefined;
  if (!mvcDir) {
    const ehdsiDir = ctx.config().ehdsiDir;
    if (ehdsiDir && existsSync(join(ehdsiDir, "mvc"))) mvcDir = join(ehdsiDir, "mvc");
  }
  const t0 = performance.now();
  const catalogue = loadCatalogue({ ...(mvcDir ? { mvcDir } : {}), extraDirs: (opts.catalogue ?? []).map((d) => resolve(ctx.cwd, d)) });
  return { catalogue, ...(mvcDir ? { mvcDir } : {}), ms: performance.now() - t0 };
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function registerTerminologyCommands(program: Command, ctx: CliContext): void {
  const t = program.command("terminology").description("the terminology catalogue (MVC value sets, national mappings, designations)");
  t.command("check")
    .description("load the catalogue, parse every value set, and check that each mapping lands in its value set")
    .option("--mvc <dir>", "folder of eHDSI MVC ValueSet files (default: PASSERELLE_EHDSI_DIR/mvc when present)")
    .option("--catalogue <dir>", "a further catalogue folder (repeatable)", collect)
    .action((opts: CatalogueOpts) => {
      const { catalogue, mvcDir, ms } = openCatalogue(ctx, opts);
      const t0 = performance.now();
      catalogue.loadAll();
      const parseMs = performance.now() - t0;
      const s = catalogue.stats();
      ctx.out(`MVC folder: ${mvcDir ?? "(none: shipped demo catalogue only)"}`);
      ctx.out(`${s.valueSets} value sets, ${s.concepts} concepts, ${s.mappings} mappings, ${s.designations} designated codes`);
      ctx.out(`index ${ms.toFixed(0)} ms, parse ${parseMs.toFixed(0)} ms`);
      const problems = catalogue.checkMappings();
      for (const p of problems) ctx.out(`mapping outside its value set: ${p}`);
      if (problems.length) ctx.setExitCode(ExitCode.NegativeVerdict);
      else ctx.out("every mapping lands in its value set");
    });
  t.command("lookup")
    .description("show a code: value set membership or mapping, and its designations")
    .argument("<system>", "code system OID, urn:oid:..., or FHIR system URI")
    .argument("<code>", "the code")
    .option("--value-set <oid>", "MVC value set OID to transcode into")
    .option("--lang <lang>", "designation language (en, fr, de)", "en")
    .option("--mvc <dir>", "folder of eHDSI MVC ValueSet files")
    .option("--catalogue <dir>", "a further catalogue folder (repeatable)", collect)
    .action((systemArg: string, code: string, opts: CatalogueOpts & { valueSet?: string; lang: string }) => {
      const system = /^[0-2](\.\d+)+$/.test(systemArg) ? systemArg : oidForSystem(systemArg);
      if (!system) throw new PasserelleError(ErrorCode.InputInvalid, `unknown code system ${systemArg}`, { location: "system" });
      const { catalogue } = openCatalogue(ctx, opts);
      ctx.out(`${code} in ${codeSystemName(system) ?? "?"} (${system})`);
      const shown = displayIn(catalogue, system, code, opts.lang);
      ctx.out(`display (${opts.lang}): ${shown ? `${shown.text}${shown.language !== opts.lang.slice(0, 2) ? ` [no ${opts.lang} designation: ${shown.language}]` : ""}` : "(none)"}`);
      if (opts.valueSet) {
        const mvc = catalogue.toMvc({ code, system }, opts.valueSet);
        if (mvc) ctx.out(`${opts.valueSet}: ${mvc.code} ${mvc.systemName} (${mvc.system}) "${mvc.display}"${mvc.code === code && mvc.system === system ? " (member)" : " (mapped)"}`);
        else {
          ctx.out(`${opts.valueSet}: no MVC concept (not a member, no mapping)`);
          ctx.setExitCode(ExitCode.NegativeVerdict);
        }
      }
    });
}
