// `passerelle partners add|list|show|remove`: the operator's view of the partner registry (issue 3).
import type { Command } from "commander";
import { pemOrFile } from "../exchange/partners/file";
import { PARTNER_SERVICES, type Partner, type PartnerService } from "../exchange/partners/model";
import { daysUntilExpiry } from "../exchange/partners/certificates";
import { checkPartnerInput, PartnerRepository } from "../exchange/partners/repository";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { CliContext } from "./context";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `xcpd=https://...` pairs into an endpoint map; unknown services and duplicates are refused. */
export function parseEndpoints(pairs: readonly string[]): Partial<Record<PartnerService, string>> {
  const endpoints: Partial<Record<PartnerService, string>> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const service = pair.slice(0, at) as PartnerService;
    if (at < 1 || !PARTNER_SERVICES.includes(service)) {
      throw new PasserelleError(ErrorCode.InputInvalid, `--endpoint ${pair}: expected <service>=<url> with service one of ${PARTNER_SERVICES.join(", ")}`);
    }
    if (endpoints[service]) throw new PasserelleError(ErrorCode.InputInvalid, `--endpoint ${service} given twice`);
    endpoints[service] = pair.slice(at + 1);
  }
  return endpoints;
}


export function describePartner(p: Partner, at: Date = new Date()): string[] {
  const lines = [`${p.country}  ${p.homeCommunityId}  (updated ${p.updatedAt.toISOString()})`];
  for (const s of PARTNER_SERVICES) lines.push(`  ${s.padEnd(5)} ${p.endpoints[s] ?? "-"}`);
  for (const c of p.certificates) {
    const days = daysUntilExpiry(c.notAfter, at);
    const state = days < 0 ? "EXPIRED" : `${days} days left`;
    lines.push(`  ${c.usage.padEnd(7)} ${c.kind.padEnd(6)} ${c.subject}  sha256:${c.sha256}  until ${c.notAfter.toISOString()} (${state})`);
  }
  return lines;
}

export function registerPartnersCommands(program: Command, ctx: CliContext): void {
  const withDatabase = ctx.withDatabase.bind(ctx);
  const output = ctx;
  const readPem = (value: string) => pemOrFile(value, ctx.cwd, "certificate");
  const partners = program.command("partners").description("partner gateways: endpoints and trusted certificates");

  partners
    .command("add <country>")
    .description("add or replace a partner gateway")
    .requiredOption("--home-community <oid>", "home community id, urn:oid:...")
    .option("--endpoint <service=url>", "xcpd=URL, xca=URL or xdr=URL (repeatable)", collect, [])
    .option("--tls-ca <pem>", "CA certificate(s) trusted for the partner's TLS (file; repeatable)", collect, [])
    .option("--tls-pinned <pem>", "partner TLS certificate trusted as is (file; repeatable)", collect, [])
    .option("--signing-ca <pem>", "CA certificate(s) trusted for the partner's SAML/TRC signatures (file; repeatable)", collect, [])
    .option("--signing-pinned <pem>", "partner signing certificate trusted as is (file; repeatable)", collect, [])
    .action(async (country: string, o: { homeCommunity: string; endpoint: string[]; tlsCa: string[]; tlsPinned: string[]; signingCa: string[]; signingPinned: string[] }) => {
      const partner = checkPartnerInput({
        country,
        homeCommunityId: o.homeCommunity,
        endpoints: parseEndpoints(o.endpoint),
        tls: { ca: o.tlsCa.map(readPem), pinned: o.tlsPinned.map(readPem) },
        signing: { ca: o.signingCa.map(readPem), pinned: o.signingPinned.map(readPem) },
      });
      await withDatabase((db) => new PartnerRepository(db).save(partner));
      output.out(`partner ${partner.country} saved (${partner.certificates.length} trusted certificate(s))`);
    });

  partners
    .command("list")
    .description("list partner gateways")
    .option("--json", "machine-readable output")
    .action(async (o: { json?: boolean }) => {
      const all = await withDatabase((db) => new PartnerRepository(db).list());
      if (o.json) {
        output.out(JSON.stringify(all.map((p) => ({ country: p.country, homeCommunityId: p.homeCommunityId, endpoints: p.endpoints, certificates: p.certificates.length }))));
        return;
      }
      if (all.length === 0) output.out("no partners");
      for (const p of all) {
        const soonest = p.certificates.reduce<Date | undefined>((m, c) => (!m || c.notAfter < m ? c.notAfter : m), undefined);
        output.out(`${p.country}  ${p.homeCommunityId}  ${Object.keys(p.endpoints).join(",") || "-"}  certs:${p.certificates.length}  next expiry:${soonest?.toISOString() ?? "-"}`);
      }
    });

  partners
    .command("show <country>")
    .description("show one partner gateway")
    .action(async (country: string) => {
      const p = await withDatabase((db) => new PartnerRepository(db).get(country));
      if (!p) throw new PasserelleError(ErrorCode.NotFound, `no partner ${country}`);
      for (const line of describePartner(p)) output.out(line);
    });

  partners
    .command("remove <country>")
    .description("remove a partner gateway and every certificate trusted for it")
    .action(async (country: string) => {
      const removed = await withDatabase((db) => new PartnerRepository(db).remove(country));
      if (!removed) throw new PasserelleError(ErrorCode.NotFound, `no partner ${country}`);
      output.out(`partner ${country} removed`);
    });

}
