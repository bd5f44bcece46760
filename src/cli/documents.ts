// `passerelle translate` (national FHIR bundle -> eHDSI pivot CDA, optionally translated and sealed)
// and `passerelle validate` (XSD + MVC value-set bindings of a CDA document).
import { XMLSerializer } from "@xmldom/xmldom";
import type { Command } from "commander";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, extname, join, dirname, resolve } from "node:path";
import { cdaSchemaFromConfig, documentContextFromConfig, sealKeyFromConfig, terminologyFromConfig } from "../app/documents";
import { checkBindings } from "../documents/cda/bindings-check";
import { documentsFromNational, type DocumentLevel, type NationalKind } from "../documents/pipeline";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { parseXmlStrict, removeEnvelopedSignatures } from "../signing/dom";
import { ExitCode, type CliContext } from "./context";
import { readBundleFile } from "./national";

interface TranslateOptions {
  type: string;
  lang?: string;
  level: string;
  sign?: boolean;
  out?: string;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new PasserelleError(ErrorCode.InputInvalid, `--${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
}

/** With several documents, `--out dir/name.xml` becomes `dir/name-<source id>.xml`, one per document. */
function outputPath(out: string, sourceId: string, several: boolean): string {
  if (!several) return out;
  const ext = extname(out) || ".xml";
  const safeId = sourceId.replace(/[^A-Za-z0-9._-]/g, "_");
  return join(dirname(out), `${basename(out, extname(out))}-${safeId}${ext}`);
}

export function registerDocumentCommands(program: Command, ctx: CliContext): void {
  program
    .command("translate <national.json>")
    .description("turn a national FHIR bundle into eHDSI CDA documents (one PS, or one eP per prescription)")
    .requiredOption("--type <type>", "ps (Patient Summary) or ep (ePrescription)")
    .option("--lang <lang>", "render display names in fr, de or en (the pivot code is kept as translation)")
    .option("--level <level>", "L3 (structured pivot) or L1 (PDF in a CDA)", "L3")
    .option("--sign", "seal the document with the gateway's seal key (certs dir)")
    .option("--out <file>", "write to this file instead of standard output")
    .action(async (file: string, opts: TranslateOptions) => {
      const kind = oneOf<NationalKind>("type", opts.type, ["ps", "ep"]);
      const level = oneOf<DocumentLevel>("level", opts.level, ["L3", "L1"]);
      const language = opts.lang === undefined ? undefined : oneOf("lang", opts.lang, ["fr", "de", "en"]);
      const json = readBundleFile(resolve(ctx.cwd, file));
      const config = ctx.config();
      const documentContext = documentContextFromConfig(config, terminologyFromConfig(config));
      const docs = await documentsFromNational(
        json,
        { kind, level, ...(language ? { language } : {}), ...(opts.sign ? { signingKey: sealKeyFromConfig(config) } : {}) },
        documentContext,
      );
      for (const doc of docs) {
        if (!opts.out) {
          ctx.out(doc.xml);
          continue;
        }
        const path = outputPath(resolve(ctx.cwd, opts.out), doc.sourceId, docs.length > 1);
        writeFileSync(path, doc.xml);
        ctx.err(`${doc.kind.toUpperCase()} ${doc.level} of ${doc.sourceId} written to ${path}${opts.sign ? " (sealed)" : ""}`);
      }
    });

  program
    .command("validate <file.xml>")
    .description("check a CDA document against the eHDSI CDA schema and the MVC value-set bindings")
    .action((file: string) => {
      const path = resolve(ctx.cwd, file);
      let xml: string;
      try {
        xml = readFileSync(path, "utf8");
      } catch (e) {
        throw new PasserelleError(ErrorCode.InputInvalid, `cannot read ${path}: ${(e as Error).message}`, { location: path });
      }
      const config = ctx.config();
      // A sealed document: the CDA schema has no place for ds:Signature, so the content is validated
      // without it (sign.ts); whether the seal is good is `passerelle verify`'s question.
      const doc = parseXmlStrict(xml, ErrorCode.DocumentInvalid);
      if (removeEnvelopedSignatures(doc) > 0) {
        ctx.out("signed: the seal is left out of this check (passerelle verify checks it)");
        xml = new XMLSerializer().serializeToString(doc);
      }
      const schema = cdaSchemaFromConfig(config).validate(xml);
      for (const e of schema.errors) ctx.out(`schema: line ${e.line}: ${e.message}`);
      ctx.out(`schema: ${schema.valid ? "valid" : `${schema.errors.length} error(s)`}`);
      if (!schema.valid) {
        ctx.setExitCode(ExitCode.NegativeVerdict);
        return; // the bindings of a document that is not even CDA mean little
      }
      const report = checkBindings(xml, terminologyFromConfig(config));
      for (const f of report.findings) {
        ctx.out(`${f.severity}: ${f.message}`);
      }
      const errors = report.findings.filter((f) => f.severity === "error").length;
      ctx.out(`bindings (${report.kind}): ${report.checked} coded elements checked, ${errors} error(s), ${report.findings.length - errors} warning(s)`);
      if (errors > 0) ctx.setExitCode(ExitCode.NegativeVerdict);
    });
}
