// `passerelle assertions check <soap-or-header.xml> --service xcpd|ps|ep|ed [--at <iso-time>]`: the
// same validation as inbound requests (src/saml/validate.ts), offline, against the partners in the
// database; prints the verdict. The operator's tool when a partner reports rejections (issue 3).
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { PartnerRegistry } from "../exchange/partners/registry";
import { PartnerRepository } from "../exchange/partners/repository";
import { AssertionRefused } from "../saml/refusal";
import { validateAssertions, type ValidatedAssertions } from "../saml/validate";
import { SAML_SERVICES, type SamlService } from "../saml/vocabulary";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { ExitCode, type CliContext } from "./context";

export interface CheckOptions {
  service: string;
  at?: string;
  partner?: string;
  patient?: string;
}

export type Verdict = { accepted: true; result: ValidatedAssertions } | { accepted: false; code: string; message: string };

export async function checkAssertionsFile(file: string, o: CheckOptions, registry: PartnerRegistry): Promise<Verdict> {
  if (!(SAML_SERVICES as readonly string[]).includes(o.service)) throw new PasserelleError(ErrorCode.InputInvalid, `--service must be one of ${SAML_SERVICES.join(", ")}`);
  const at = o.at ? new Date(o.at) : new Date();
  if (Number.isNaN(at.getTime())) throw new PasserelleError(ErrorCode.InputInvalid, `--at ${o.at} is not an ISO 8601 time`);
  let xml: string;
  try {
    xml = readFileSync(file, "utf8");
  } catch (e) {
    throw new PasserelleError(ErrorCode.InputInvalid, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const result = await validateAssertions(xml, {
      service: o.service as SamlService,
      registry,
      peerCountry: o.partner,
      patientId: o.patient,
      skipPatientCheck: o.patient === undefined,
      at,
    });
    return { accepted: true, result };
  } catch (e) {
    if (e instanceof AssertionRefused) return { accepted: false, code: e.code, message: e.message };
    throw e;
  }
}

export function describeVerdict(v: Verdict): string[] {
  if (!v.accepted) return [`REFUSED ${v.code}: ${v.message}`];
  const { result: r } = v;
  const lines = [
    `ACCEPTED from partner ${r.country}${r.messageId ? ` (MessageID ${r.messageId})` : ""}`,
    `  HCP ${r.hcp.id}: role ${r.hcp.role.code} ${r.hcp.role.display}, purpose ${r.hcp.purposeOfUse}, permissions ${r.hcp.permissions.join(" ")}, valid ${r.hcp.notBefore.toISOString()} to ${r.hcp.notOnOrAfter.toISOString()}, signed by ${r.signers.hcp?.subject ?? "?"}`,
  ];
  if (r.trc) lines.push(`  TRC ${r.trc.id}: patient ${r.trc.patientId}, valid ${r.trc.notBefore.toISOString()} to ${r.trc.notOnOrAfter.toISOString()}, signed by ${r.signers.trc?.subject ?? "?"}`);
  for (const n of r.notChecked) lines.push(`  not checked: ${n}`);
  return lines;
}

/** Exit codes (src/cli/context.ts): 0 accepted, 1 refused, 2 bad input. */
export function registerAssertionsCommands(program: Command, ctx: CliContext): void {
  const assertions = program.command("assertions").description("SAML assertions of MyHealth@EU requests");
  assertions
    .command("check <file>")
    .description("validate the assertions of a SOAP envelope or header offline, as an inbound request would be")
    .requiredOption("--service <service>", `the service asked for: ${SAML_SERVICES.join(", ")}`)
    .option("--at <iso-time>", "the time to check validity at (default: now)")
    .option("--partner <country>", "the partner the request came from (default: the one trusting the HCP signer)")
    .option("--patient <cx>", "the patient of the request, ID^^^&OID&ISO, compared with the TRC")
    .action(async (file: string, o: CheckOptions) => {
      const partners = await ctx.withDatabase((db) => new PartnerRepository(db).list());
      const verdict = await checkAssertionsFile(file, o, new PartnerRegistry(partners));
      for (const line of describeVerdict(verdict)) ctx.out(line);
      if (!verdict.accepted) ctx.setExitCode(ExitCode.NegativeVerdict);
    });
}
