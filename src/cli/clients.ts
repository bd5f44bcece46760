// `passerelle clients add|list|remove|rotate`: the national clients allowed on `/api/...` (8444;
// issue 3 "Mutual TLS"; src/api/clients.ts). A bearer token is printed once, when issued or rotated:
// only its SHA-256 is kept. A pinned certificate must chain to PASSERELLE_NATIONAL_CLIENT_CA.
import type { Command } from "commander";
import { X509Certificate } from "node:crypto";
import { NationalClientRepository, checkClientName, parseScopes, pinOfPem, type NationalClient, type PinnedCertificate } from "../api/clients";
import { NATIONAL_SCOPES } from "../api/scopes";
import { readNationalClientCas } from "../api/tls";
import { pemOrFile } from "../exchange/partners/file";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { CliContext } from "./context";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Refuses a certificate that could never authenticate: not issued by one of the national client CAs. */
export function checkIssuedByNationalCa(pem: string, cas: readonly string[]): void {
  const leaf = new X509Certificate(pem);
  const issued = cas.some((ca) => {
    const issuer = new X509Certificate(ca);
    return leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey);
  });
  if (!issued) throw new PasserelleError(ErrorCode.InputInvalid, `certificate ${leaf.subject.replace(/\n/g, ", ")} is not issued by a CA of PASSERELLE_NATIONAL_CLIENT_CA: it could never authenticate`);
}

export function describeClient(c: NationalClient): string {
  const credentials = [
    ...(c.certificateSha256 ? [`certificate sha256:${c.certificateSha256} (${(c.certificateSubject ?? "").replace(/\n/g, ", ")}; until ${c.certificateNotAfter?.toISOString() ?? "?"})`] : []),
    ...(c.hasToken ? ["bearer token"] : []),
  ];
  return `${c.name}  scopes ${c.scopes.join(",")}  ${credentials.join(" + ")}`;
}

export function registerClientsCommands(program: Command, ctx: CliContext): void {
  const clients = program.command("clients").description(`national clients of the /api listener (scopes: ${NATIONAL_SCOPES.join(", ")})`);

  const certificateOf = (value: string): PinnedCertificate => {
    const pem = pemOrFile(value, ctx.cwd, "certificate");
    const { mode, clientCaFile } = ctx.config().nationalAuth;
    if (mode === "token") ctx.err(`warning: PASSERELLE_NATIONAL_AUTH is token: the pinned certificate is not used until certificates are accepted`);
    else checkIssuedByNationalCa(pem, readNationalClientCas(clientCaFile));
    return pinOfPem(pem);
  };
  const printToken = (token: string) => {
    ctx.out(`token: ${token}`);
    ctx.err("store this token now: only its hash is kept, it cannot be shown again (`passerelle clients rotate` issues a new one)");
  };

  clients
    .command("add <name>")
    .description("register a national client with a pinned certificate and/or a bearer token")
    .option("--scope <scope>", `allowed scope, repeatable or comma-separated (${NATIONAL_SCOPES.join(", ")})`, collect, [])
    .option("--cert <pem>", "client certificate to pin (PEM file); must be issued by PASSERELLE_NATIONAL_CLIENT_CA")
    .option("--token", "issue a bearer token (printed once)")
    .action(async (name: string, o: { scope: string[]; cert?: string; token?: boolean }) => {
      checkClientName(name);
      const scopes = parseScopes(o.scope);
      const certificate = o.cert === undefined ? undefined : certificateOf(o.cert);
      if (!certificate && !o.token) throw new PasserelleError(ErrorCode.InputInvalid, "give --cert <pem>, --token, or both");
      const { client, token } = await ctx.withDatabase((db) => new NationalClientRepository(db).add({ name, scopes, ...(certificate ? { certificate } : {}), token: o.token === true }));
      ctx.out(`client ${client.name} added: ${describeClient(client)}`);
      if (token) printToken(token);
    });

  clients
    .command("list")
    .description("list national clients (never their tokens)")
    .option("--json", "machine-readable output")
    .action(async (o: { json?: boolean }) => {
      const all = await ctx.withDatabase((db) => new NationalClientRepository(db).list());
      if (o.json) {
        ctx.out(JSON.stringify(all));
        return;
      }
      if (all.length === 0) ctx.out("no national clients");
      for (const c of all) ctx.out(describeClient(c));
    });

  clients
    .command("remove <name>")
    .description("remove a national client: its certificate and token stop working at once")
    .action(async (name: string) => {
      await ctx.withDatabase((db) => new NationalClientRepository(db).remove(name));
      ctx.out(`client ${name} removed`);
    });

  clients
    .command("rotate <name>")
    .description("issue a new bearer token (printed once), or pin a new certificate with --cert; the previous one stops working at once")
    .option("--cert <pem>", "pin this certificate instead of issuing a token")
    .action(async (name: string, o: { cert?: string }) => {
      if (o.cert !== undefined) {
        const certificate = certificateOf(o.cert);
        const client = await ctx.withDatabase((db) => new NationalClientRepository(db).pinCertificate(name, certificate));
        ctx.out(`client ${name}: certificate rotated: ${describeClient(client)}`);
        return;
      }
      const token = await ctx.withDatabase((db) => new NationalClientRepository(db).rotateToken(name));
      ctx.out(`client ${name}: token rotated`);
      printToken(token);
    });
}
