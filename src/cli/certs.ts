// `passerelle certs init`: the development PKI (layout: certs.example/README.md).
import type { Command } from "commander";
import { resolve } from "node:path";
import { generateDevPki } from "../ops/dev-pki";
import type { CliContext } from "./context";

interface InitOptions {
  dir?: string;
  force?: boolean;
  country?: string;
  cn?: string;
}

export function registerCertsCommands(program: Command, ctx: CliContext): void {
  const certs = program.command("certs").description("certificates of the gateway");
  certs
    .command("init")
    .description("make a development PKI: CA, TLS server and client, document seal and SAML signing certificates")
    .option("--dir <dir>", "certificates directory (default: PASSERELLE_CERTS_DIR, else certs/)")
    .option("--force", "replace an existing PKI (trust/ is kept)")
    .option("--country <cc>", "ISO 3166-1 alpha-2 country in the subjects (default: PASSERELLE_COUNTRY, else LU)")
    .option("--cn <name>", "organisation name in the subjects (default: Passerelle <country>)")
    .action((opts: InitOptions) => {
      // The configuration is read only for what the options leave open.
      const dir = opts.dir ? resolve(ctx.cwd, opts.dir) : ctx.config().certsDir;
      const country = opts.country ?? ctx.config().country;
      const result = generateDevPki({ dir, country, force: opts.force ?? false, ...(opts.cn ? { commonName: opts.cn } : {}) });
      ctx.out(`development PKI written to ${result.dir}:`);
      for (const f of result.files) ctx.out(`  ${f}`);
      ctx.out(`partner CAs go in ${resolve(result.dir, "trust")}/`);
    });
}
