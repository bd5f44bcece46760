// `passerelle sign <file.xml>` seals a document with the gateway's document-seal key (certificates
// directory, file seal.pem / seal.key.pem); `passerelle verify <file.xml>` checks a sealed document
// against the trust list (default: the directory's ca.pem and every partner CA in trust/*.pem;
// --trusted replaces it) and exits 0 naming the signer, 1 with the reason when it does not verify.
import type { Command } from "commander";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ErrorCode, PasserelleError, isPasserelleError } from "../shared/errors";
import { loadSigningKey } from "../signing/keys";
import { signDocument } from "../signing/sign";
import { loadTrustList } from "../signing/trust";
import { verifyDocument } from "../signing/verify";
import { ExitCode, type CliContext } from "./context";

/** Largest document the commands read (a PS with an L1 PDF stays far below). */
const MAX_BYTES = 50 * 1024 * 1024;

const VERDICT_CODES = new Set<string>([ErrorCode.SignatureInvalid, ErrorCode.SignerUntrusted, ErrorCode.AlgorithmRefused]);

function readDocument(ctx: CliContext, file: string): string {
  const path = resolve(ctx.cwd, file);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new PasserelleError(ErrorCode.InputInvalid, `cannot read ${file}: ${(e as Error).message}`, { location: file });
  }
  if (data.length > MAX_BYTES) throw new PasserelleError(ErrorCode.InputTooLarge, `${file} is larger than ${MAX_BYTES} bytes`, { location: file });
  return data.toString("utf8");
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Our CA plus the partner CAs placed in trust/ (certs.example/README.md layout). */
function defaultAnchors(certsDir: string): string[] {
  const trustDir = join(certsDir, "trust");
  const partners = existsSync(trustDir) ? readdirSync(trustDir).filter((f) => f.endsWith(".pem")).map((f) => join(trustDir, f)) : [];
  return [join(certsDir, "ca.pem"), ...partners].filter((f) => existsSync(f));
}

export function registerSignCommands(program: Command, ctx: CliContext): void {
  program
    .command("sign")
    .description("seal an XML document (enveloped XML-DSig, RSA-SHA256, exc-c14n) with the document-seal key")
    .argument("<file>", "the XML document")
    .option("--out <file>", "where to write the signed document (default: stdout)")
    .option("--certs <dir>", "certificates directory (default: PASSERELLE_CERTS_DIR, else certs/)")
    .action((file: string, opts: { out?: string; certs?: string }) => {
      const certsDir = opts.certs ? resolve(ctx.cwd, opts.certs) : ctx.config().certsDir;
      const signed = signDocument(readDocument(ctx, file), loadSigningKey(certsDir, "seal"));
      if (opts.out) {
        writeFileSync(resolve(ctx.cwd, opts.out), signed);
        ctx.err(`signed ${file} -> ${opts.out}`);
      } else ctx.out(signed);
    });

  program
    .command("verify")
    .description("verify a sealed XML document against the trust list; exit 0 naming the signer, 1 when invalid")
    .argument("<file>", "the signed XML document")
    .option("--trusted <pem>", "a trusted CA certificate (repeatable; replaces the default trust list)", collect, [])
    .option("--pinned <pem>", "a trusted signer certificate (repeatable)", collect, [])
    .option("--certs <dir>", "certificates directory for the default trust list")
    .option("--at <iso-date>", "check certificate validity at this time instead of now")
    .action((file: string, opts: { trusted: string[]; pinned: string[]; certs?: string; at?: string }) => {
      const xml = readDocument(ctx, file);
      const anchors = opts.trusted.length > 0 || opts.pinned.length > 0 ? opts.trusted.map((f) => resolve(ctx.cwd, f)) : defaultAnchors(opts.certs ? resolve(ctx.cwd, opts.certs) : ctx.config().certsDir);
      if (anchors.length === 0 && opts.pinned.length === 0) throw new PasserelleError(ErrorCode.ConfigInvalid, "no trusted certificate: give --trusted <ca.pem> or run `passerelle certs init`");
      const at = opts.at ? new Date(opts.at) : undefined;
      if (at && Number.isNaN(at.getTime())) throw new PasserelleError(ErrorCode.InputInvalid, `--at ${opts.at} is not a date`);
      const trust = loadTrustList({ anchors, pinned: opts.pinned.map((f) => resolve(ctx.cwd, f)) });
      try {
        const { signer } = verifyDocument(xml, trust, at ? { at } : {});
        ctx.out(`valid: ${file} is signed by ${signer.subject} (issuer ${signer.issuer}, serial ${signer.serial}, valid until ${signer.notAfter.toISOString()})`);
      } catch (e) {
        if (!isPasserelleError(e) || !VERDICT_CODES.has(e.code)) throw e;
        ctx.out(`invalid: ${file}: ${e.code}: ${e.message}`);
        ctx.setExitCode(ExitCode.NegativeVerdict);
      }
    });
}
