// `passerelle consent grant|revoke|show|history|import|check` (issue 4 "Interfaces"), for operators and
// scripts. Exit codes (src/cli/context.ts): 0 done / permit, 1 deny, 2 bad input (nothing changed).
// Like the gateway, every decision, change and import is audited in the hash-chained trail of the
// configured database, and `check` applies the configured PASSERELLE_EMERGENCY_ACCESS.
import { randomUUID } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { resolve } from "node:path";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { consentAuditSinkFor } from "../audit/consent-sink";
import { AuditTrail } from "../audit/trail";
import { checkPatientId, parseBound } from "../consent/command";
import { MYHEALTH_EU_COUNTRIES, isMyHealthEuCountry } from "../consent/countries";
import { ConsentProblem, consentError, consentProblemOf } from "../consent/errors";
import { importConsents } from "../consent/import";
import { CONSENT_SERVICES, CONSENT_SOURCES, PURPOSES_OF_USE, type ConsentAction, type ConsentRecord, type Decision } from "../consent/model";
import { ConsentRepository } from "../consent/repository";
import { ConsentService, nationalPatientDirectory, type PatientDirectory } from "../consent/service";
import { EmbeddedNationalStore } from "../national/embedded-store";
import { nationalPatientIdRuleOf } from "../national/patient-id";
import type { Database } from "../storage/database";
import { ExitCode, type CliContext } from "./context";

/** Who the national records know: the embedded national store (tests may point it elsewhere). */
const embeddedDirectory = (database: Database, system?: string): PatientDirectory | undefined => nationalPatientDirectory(new EmbeddedNationalStore(database), system);
let cliPatientDirectory = embeddedDirectory;
export function setCliPatientDirectory(factory: ((database: Database, system?: string) => PatientDirectory | undefined) | undefined): void {
  cliPatientDirectory = factory ?? embeddedDirectory;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface ChangeOptions {
  service: string[];
  country: string[];
  from?: string;
  until?: string;
  source: string;
  recordedBy?: string;
  requestId?: string;
  expectedVersion?: string;
}

export function registerConsentCommands(program: Command, ctx: CliContext): void {
  const consent = program.command("consent").description("cross-border consent of our patients (MyHealth@EU)");
  const withService = <T>(fn: (service: ConsentService) => Promise<T>) =>
    ctx.withDatabase((database) => {
      const config = ctx.config();
      const patientIds = nationalPatientIdRuleOf(config);
      const patients = cliPatientDirectory(database, patientIds.system);
      return fn(
        new ConsentService({
          repository: new ConsentRepository(database),
          audit: consentAuditSinkFor(new AuditTrail(database), config),
          policy: { emergency: config.emergencyAccess },
          patientIds,
          ...(patients ? { patients } : {}),
          cacheTtlMs: 0,
        }),
      );
    });
  // Consent problems are the caller's input: exit 2, printed with their stable code; nothing changed.
  const guarded = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const problem = consentProblemOf(e);
      if (!problem) throw e;
      ctx.err(`error ${problem}: ${(e as Error).message}`);
      ctx.setExitCode(ExitCode.Usage);
    }
  };

  // The configured country's patient ids (LU: the matricule), checked before the database is opened.
  const checkPatient = (patient: string) => checkPatientId(patient, nationalPatientIdRuleOf(ctx.config()));

  const change = (action: ConsentAction) =>
    guarded(async (patient: string, o: ChangeOptions) => {
      const raw = {
        patient,
        action,
        ...(o.service.length > 0 ? { services: o.service } : {}),
        ...(o.country.length > 0 ? { countries: o.country } : {}),
        ...(o.from !== undefined ? { validFrom: o.from } : {}),
        ...(o.until !== undefined ? { validUntil: o.until } : {}),
        source: o.source,
        recordedBy: o.recordedBy ?? `cli:${ctx.env.USER ?? "operator"}`,
        requestId: o.requestId ?? `cli-${randomUUID()}`,
        ...(o.expectedVersion !== undefined ? { expectedVersion: Number(o.expectedVersion) } : {}),
      };
      const { record, replayed } = await withService((s) => s.recordRaw(raw, { correlationId: "cli" }));
      ctx.out(`${replayed ? "already recorded" : "recorded"}: ${describeRecord(record)}`);
    });

  const changeCommand = (name: ConsentAction, description: string) =>
    consent
      .command(`${name} <patient>`)
      .description(description)
      .option("--service <ps|ep>", "ps (Patient Summary) or ep (ePrescription/eDispensation); repeatable; default both", collect, [])
      .option("--country <CC>", "MyHealth@EU country (ISO alpha-2); repeatable; default every MyHealth@EU country", collect, [])
      .option("--from <date>", "start of effect: YYYY-MM-DD (00:00 UTC) or a timestamp with offset; default now")
      .option("--source <source>", `where the consent was given: ${CONSENT_SOURCES.join(", ")}`, "paper-form")
      .option("--recorded-by <name>", "who records it (default cli:$USER)")
      .option("--request-id <id>", "client request id: repeating a command with the same id is harmless (default: random)")
      .option("--expected-version <n>", "refuse unless the patient's consent is at this version (optimistic concurrency)");

  changeCommand("grant", "record a consent (no --service: both; no --country: every MyHealth@EU country)")
    .option("--until <date>", "end of validity: YYYY-MM-DD (inclusive) or a timestamp with offset; default open-ended")
    .action(change("grant"));
  changeCommand("revoke", "record a revocation; it wins over every older grant of the same scope").action(change("revoke"));

  consent
    .command("show <patient>")
    .description("current consent, derived from the history")
    .option("--json", "machine-readable output")
    .option("--at <time>", "state at this date or timestamp (default now)")
    .action(
      guarded(async (patient: string, o: { json?: boolean; at?: string }) => {
        checkPatient(patient);
        const at = o.at === undefined ? new Date() : time(o.at, "--at");
        const current = await withService(async (s) => {
          await s.assertKnownPatient(patient);
          return s.current(patient, at);
        });
        if (o.json) {
          ctx.out(JSON.stringify(current, null, 2));
          return;
        }
        const { state } = current;
        ctx.out(`patient ${patient}: consent version ${state.version}, at ${current.at}`);
        for (const service of CONSENT_SERVICES) ctx.out(`  ${service}: ${describeCountries(state.permitted[service])}`);
        ctx.out(`  grants in force: ${state.grantsInForce.length > 0 ? state.grantsInForce.map((v) => `v${v}`).join(", ") : "none"}`);
      }),
    );

  consent
    .command("history <patient>")
    .description("every recorded change, oldest first")
    .option("--json", "machine-readable output")
    .action(
      guarded(async (patient: string, o: { json?: boolean }) => {
        checkPatient(patient);
        const history = await withService(async (s) => {
          await s.assertKnownPatient(patient);
          return s.history(patient);
        });
        if (o.json) ctx.out(JSON.stringify(history, null, 2));
        else if (history.length === 0) ctx.out(`patient ${patient}: no consent recorded`);
        else for (const r of history) ctx.out(describeRecord(r));
      }),
    );

  consent
    .command("import <file>")
    .description("bulk import of consent changes, one JSON command per line (schemas/consent-command.schema.json)")
    .option("--batch <n>", "lines per write transaction", "2000")
    .action(
      guarded(async (file: string, o: { batch: string }) => {
        const path = resolve(ctx.cwd, file);
        let size: number;
        try {
          size = statSync(path).size;
        } catch (e) {
          throw consentError(ConsentProblem.InputInvalid, `cannot read ${path}: ${(e as Error).message}`);
        }
        const bar = new cliProgress.SingleBar(
          { format: "consent import [{bar}] {percentage}% | {imported} imported, {rejected} rejected | {value}/{total} bytes", stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(size, 0, { imported: 0, rejected: 0 });
        const report = await withService((s) =>
          importConsents(s, createReadStream(path), {
            importedBy: `cli:${ctx.env.USER ?? "operator"}`,
            batchSize: Number(o.batch),
            onProgress: (p) => bar.update(p.bytesRead, { imported: p.imported, rejected: p.rejected }),
          }),
        ).finally(() => bar.stop());
        for (const e of report.errors) ctx.out(`line ${e.line}: ${e.code}${e.location ? ` at ${e.location}` : ""}: ${e.message}`);
        if (report.errorsOmitted > 0) ctx.out(`... and ${report.errorsOmitted} more rejected lines`);
        ctx.out(`${report.lines} lines: ${report.imported} imported, ${report.replayed} already recorded, ${report.rejected} rejected`);
        if (report.rejected > 0) ctx.setExitCode(ExitCode.Usage);
      }),
    );

  consent
    .command("check <patient>")
    .description("decide as the gateway would; exit 0 permit, 1 deny (the decision is audited)")
    .requiredOption("--country <CC>", "requesting MyHealth@EU country")
    .requiredOption("--service <ps|ep>", "ps or ep")
    .option("--purpose <purpose>", `purpose of use: ${PURPOSES_OF_USE.join(" or ")}`, "TREATMENT")
    .option("--at <time>", "date or timestamp of the request (default now)")
    .action(
      guarded(async (patient: string, o: { country: string; service: string; purpose: string; at?: string }) => {
        checkPatient(patient);
        const country = o.country.toUpperCase();
        if (!isMyHealthEuCountry(country)) throw consentError(ConsentProblem.CountryUnknown, `unknown country code ${o.country}: not one of ${MYHEALTH_EU_COUNTRIES.join(", ")}`);
        if (!(CONSENT_SERVICES as readonly string[]).includes(o.service)) throw consentError(ConsentProblem.InputInvalid, `--service must be ps or ep, got ${o.service}`);
        if (!(PURPOSES_OF_USE as readonly string[]).includes(o.purpose)) throw consentError(ConsentProblem.InputInvalid, `--purpose must be TREATMENT or EMERGENCY, got ${o.purpose}`);
        const at = o.at === undefined ? Date.now() : time(o.at, "--at").getTime();
        const decision = await withService(async (s) => {
          await s.assertKnownPatient(patient);
          return s.check({ patient, country, service: o.service as "ps" | "ep", purpose: o.purpose as "TREATMENT" | "EMERGENCY", at }, { correlationId: "cli:check" });
        });
        ctx.out(describeDecision(decision));
        ctx.setExitCode(decision.permit ? ExitCode.Ok : ExitCode.NegativeVerdict);
      }),
    );
}

function time(value: string, option: string): Date {
  const iso = parseBound(value, "from");
  if (iso === undefined) throw consentError(ConsentProblem.InputInvalid, `${option} ${value} is not a date (YYYY-MM-DD) nor a timestamp with offset`);
  return new Date(iso);
}

export function describeDecision(d: Decision): string {
  if (!d.permit) return `deny: ${d.reason}`;
  if (d.emergencyOverride) return `permit: emergency-override (no consent: ${d.deniedReason}; flagged in the audit trail)`;
  return `permit: consent-granted (grant version ${d.grantVersion})`;
}

function describeCountries(countries: readonly string[]): string {
  if (countries.length === 0) return "not permitted";
  if (countries.length === MYHEALTH_EU_COUNTRIES.length) return "permitted towards every MyHealth@EU country";
  return `permitted towards ${countries.join(", ")}`;
}

export function describeRecord(r: ConsentRecord): string {
  const scope = `${r.services.join("+")} ${r.countries === "ALL" ? "all MyHealth@EU countries" : r.countries.join(",")}`;
  const period = `${r.validFrom ? ` from ${r.validFrom}` : ""}${r.validUntil ? ` until ${r.validUntil}` : ""}`;
  return `v${r.version} ${r.recordedAt} ${r.action} ${scope}${period} (${r.source}, by ${r.recordedBy}, request ${r.requestId})`;
}
