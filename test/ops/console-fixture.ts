// A gateway with the operator console on ephemeral ports (embedded SQLite, embedded queue), three
// operators (one per role), and a scripted exchange run through the real services: audit events and
// raw messages of country-A exchanges, consent decisions, a dead-lettered country-B job (a queue with one
// attempt over the same database, whose worker meets a transport failure and records it through country
// B's own audit wrapper, as the country-B handlers do), and a partner whose TLS
// certificate expires in 20 days (warning) next to one expiring in 3 days (alarm).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import { auditModule, auditTrailOf, rawMessagesOf } from "../../src/audit/module";
import { loadConfig } from "../../src/config/load";
import { audited } from "../../src/country-b/audited";
import type { CountryBDeps } from "../../src/country-b/deps";
import { partnersModule, partnerTrustOf } from "../../src/exchange/partners/module";
import { checkPartnerInput, PartnerRepository } from "../../src/exchange/partners/repository";
import { EmbeddedExchangeQueue } from "../../src/exchange/queue/embedded";
import { exchangeQueueModule } from "../../src/exchange/queue/module";
import { TransientError } from "../../src/exchange/queue/port";
import { createConsoleModule, type ConsoleModuleOptions } from "../../src/ops/console/module";
import { OperatorAccounts } from "../../src/ops/operators/accounts";
import { createLogger } from "../../src/shared/logger";
import { DAYS, makeCert } from "../trust/pki";
import { TEST_REQUESTER as REQUESTER } from "../helpers/requester";

export const PASSWORDS = { admin: "admin-password-123", operator: "operator-password-123", viewer: "viewer-password-123" } as const;
export const PATIENT = "2980010112345^^^&1.3.182.2.12.10000734.6.1&ISO";
export const DEAD_JOB_ID = "console-dead-1";
export const FAILED_EXCHANGE_ID = "ex-ps-failed-1";
/** The patient of the outbound (country B) query, in CX form as country B audits it. */
export const OUTBOUND_PATIENT = "FR-1^^^&1.2.250.1.213.1.4.8&ISO";

export interface ConsoleGateway {
  readonly gateway: RunningGateway;
  readonly base: string;
  readonly root: string;
  stop(): Promise<void>;
}


export async function startConsoleGateway(options: ConsoleModuleOptions = {}): Promise<ConsoleGateway> {
  const root = mkdtempSync(join(tmpdir(), "passerelle-console-"));
  const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_LISTEN_HOST: "127.0.0.1" }, cwd: root });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const gateway = await startGateway({
    config,
    logger: createLogger({ level: "silent", destination: quiet }),
    modules: [partnersModule, auditModule, exchangeQueueModule, createConsoleModule(options)],
  });
  const accounts = new OperatorAccounts(gateway.context.database);
  for (const role of ["admin", "operator", "viewer"] as const) await accounts.add(role, role, PASSWORDS[role]);
  return {
    gateway,
    base: `https://127.0.0.1:${gateway.ports.national}`,
    root,
    async stop() {
      await gateway.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Exchanges of the last hour through the real trail, raw message store, queue and partner registry. */
export async function scriptedRun(gw: ConsoleGateway): Promise<void> {
  const ctx = gw.gateway.context;
  const trail = auditTrailOf(ctx);
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const who = (country: string) => ({ partnerCountry: country, homeCommunityId: "urn:oid:2.16.17.710.812.1000.990.1", hcpId: "hcp-7", role: "221", purposeOfUse: "TREATMENT" });
  for (let i = 0; i < 6; i++) {
    await trail.record({ type: "EHDSI-11", time: at(50 - i), outcome: "success", who: who("BE"), patientId: PATIENT, direction: "inbound", durationMs: 40 + i, traceId: `trace-xcpd-${i}`, exchangeId: `ex-xcpd-${i}` });
  }
  await trail.record({ type: "CONSENT-DECISION", time: at(20), outcome: "success", who: { ...who("BE"), emergency: true }, patientId: PATIENT, traceId: "trace-ps-ok", exchangeId: "ex-ps-ok" });
  await trail.record({ type: "EHDSI-22", time: at(20), outcome: "success", who: who("BE"), patientId: PATIENT, documentIds: ["1.3.182.2.12.10000734.9.1.77"], direction: "inbound", durationMs: 120, traceId: "trace-ps-ok", exchangeId: "ex-ps-ok" });
  await trail.record({ type: "CONSENT-DECISION", time: at(10), outcome: "failure", errorCode: "4701", who: who("FR"), patientId: PATIENT, traceId: "trace-ps-failed", exchangeId: FAILED_EXCHANGE_ID });
  await trail.record({ type: "EHDSI-22", time: at(10), outcome: "failure", errorCode: "4701", who: who("FR"), patientId: PATIENT, direction: "inbound", durationMs: 900, traceId: "trace-ps-failed", exchangeId: FAILED_EXCHANGE_ID, details: { reason: "no consent" } });
  await rawMessagesOf(ctx).store({ exchangeId: FAILED_EXCHANGE_ID, traceId: "trace-ps-failed", direction: "inbound", action: "urn:ihe:iti:2007:CrossGatewayRetrieve", contentType: "application/soap+xml", body: "<Envelope><Body>retrieve</Body></Envelope>" });

  // A country-B job whose transport fails with a single attempt allowed: dead letter.
  const side = new EmbeddedExchangeQueue({ database: ctx.database, settings: { retry: { maxAttempts: 1 }, pollIntervalMs: 20 } });
  await side.enqueue({ type: "xca-query", country: "FR", requester: REQUESTER, patientId: { system: "1.2.250.1.213.1.4.8", value: "FR-1" }, documentClass: "ps" }, { idempotencyKey: DEAD_JOB_ID, traceId: "trace-out-1" });
  // Country B's audit wrapper needs the trail and a clock only.
  const countryB = { audit: trail, clock: () => new Date() } as Pick<CountryBDeps, "audit" | "clock"> as CountryBDeps;
  side.process("xca-query", (job) =>
    audited(countryB, { exchangeId: job.id, traceId: job.traceId }, { type: "EHDSI-21", who: { partnerCountry: "FR", hcpId: REQUESTER.nameId, role: REQUESTER.role, purposeOfUse: "TREATMENT" }, patientId: OUTBOUND_PATIENT }, () => {
      throw new TransientError("connect ECONNREFUSED (scripted)", { code: "ECONNREFUSED" });
    }),
  );
  const deadline = Date.now() + 20_000;
  while ((await side.get(DEAD_JOB_ID))?.state !== "dead-letter") {
    if (Date.now() > deadline) throw new Error("the scripted job did not reach the dead letter");
    await new Promise((r) => setTimeout(r, 25));
  }
  await side.close();

  const repository = new PartnerRepository(ctx.database);
  const soon = makeCert({ cn: "ncp.be.example", country: "BE", notAfter: new Date(now + DAYS(20)) });
  const verySoon = makeCert({ cn: "ncp-signer.be.example", country: "BE", notAfter: new Date(now + DAYS(3)) });
  await repository.save(
    checkPartnerInput({ country: "BE", homeCommunityId: "urn:oid:2.16.17.710.812.1000.990.1", endpoints: { xcpd: "https://ncp.be.example:8443/ncp/xcpd" }, tls: { ca: [], pinned: [soon.certPem] }, signing: { ca: [], pinned: [verySoon.certPem] } }),
  );
  await partnerTrustOf(ctx).reload();
}
