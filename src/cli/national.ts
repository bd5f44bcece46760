// `passerelle national import <bundle.json...> [--type ps|ep]` and `passerelle national seed`: load
// national FHIR bundles into the embedded national store (src/national/embedded-store.ts).
import type { Command } from "commander";
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { EmbeddedNationalStore, type BundleType } from "../national/embedded-store";
import { seedDemo } from "../national/demo";
import { MAX_NATIONAL_BUNDLE_BYTES, parseBundleJson } from "../national/fhir/bundle";
import { ErrorCode, PasserelleError, isPasserelleError } from "../shared/errors";
import type { CliContext } from "./context";

interface ImportOptions {
  type?: string;
}

/** Reads a bundle file: refused before reading when larger than the national limit. */
export function readBundleFile(path: string): unknown {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new PasserelleError(ErrorCode.InputInvalid, `cannot read ${path}: ${(e as Error).message}`, { location: path });
  }
  if (size > MAX_NATIONAL_BUNDLE_BYTES) {
    throw new PasserelleError(ErrorCode.InputTooLarge, `${path} is ${size} bytes, more than the ${MAX_NATIONAL_BUNDLE_BYTES} bytes accepted`, { location: path });
  }
  return parseBundleJson(readFileSync(path));
}

function bundleType(value: string | undefined): BundleType | undefined {
  if (value === undefined || value === "ps" || value === "ep") return value;
  throw new PasserelleError(ErrorCode.InputInvalid, `--type must be ps or ep, got ${JSON.stringify(value)}`);
}

export function registerNationalCommands(program: Command, ctx: CliContext): void {
  const national = program.command("national").description("the embedded national record store (demo and tests)");

  national
    .command("import <bundles...>")
    .description("load national FHIR R4 bundles (Patient Summary or ePrescriptions) into the embedded store")
    .option("--type <type>", "ps (Patient Summary) or ep (ePrescriptions); default: detected from the bundle")
    .action(async (files: string[], opts: ImportOptions) => {
      const type = bundleType(opts.type);
      // Every file is read and checked before anything is written: a bad file leaves the store as it was.
      const bundles = files.map((f) => {
        const path = resolve(ctx.cwd, f);
        try {
          return { path, bundle: readBundleFile(path) };
        } catch (e) {
          throw prefixed(e, f);
        }
      });
      await ctx.withDatabase(async (database) => {
        const store = new EmbeddedNationalStore(database);
        for (const { path, bundle } of bundles) {
          try {
            const r = await store.importBundle(bundle, type);
            ctx.out(`${path}: ${r.type === "ps" ? "Patient Summary" : "ePrescriptions"} of ${r.matricule} imported (${r.ids.join(", ")})`);
          } catch (e) {
            throw prefixed(e, path);
          }
        }
      });
    });

  national
    .command("seed")
    .description("load the demo patients (src/national/demo) into the embedded store; idempotent")
    .action(async () => {
      await ctx.withDatabase(async (database) => {
        const results = await seedDemo(new EmbeddedNationalStore(database));
        const patients = new Set(results.map((r) => r.matricule));
        ctx.out(`demo national records loaded: ${patients.size} patients, ${results.length} bundles`);
      });
    });
}

/** The same error with the file named first, so the operator knows which file is wrong. */
function prefixed(e: unknown, file: string): unknown {
  if (!isPasserelleError(e)) return e;
  return new PasserelleError(e.code, `${file}: ${e.message}`, e.details, { cause: e });
}
