// Country A benchmark (issue 5 "Benchmark"): Patient Summary retrievals (XCA ITI-39) over mutual TLS
// against a running gateway (every module, demo data, embedded SQLite), at concurrency 1, 8 and 32:
// requests/s, p50 and p99. Each request carries freshly addressed, signed HCP + TRC assertions: the
// gateway validates them (signatures, rules, replay), checks consent, reads the national record,
// serves the sealed L3 from its cache (the record is unchanged), audits and keeps the raw messages.
// Baseline in the same run: the same SOAP pipeline and listener returning a cached, pre-signed
// document without any of that work. The assertions are reused across requests, as eHDSI gateways
// do (their verdict is cached, time and replay re-checked); one more row gives new assertions to every
// request (full signature verification each time). Floor: 150 retrievals/s with p99 < 100 ms at concurrency 8.
// Run alone: `npx tsx bench/country-a.ts`; `npm run bench` calls run() from bench/run.ts.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway } from "../src/app/gateway";
import type { GatewayModule } from "../src/app/module";
import { GATEWAY_MODULES } from "../src/app/modules";
import { rawMessagesOf } from "../src/audit/module";
import { loadConfig, PROJECT_ROOT } from "../src/config/load";
import { partnerTrustOf } from "../src/exchange/partners/module";
import { generateDevPki } from "../src/ops/dev-pki";
import { issueHcpAssertion, issueTrcAssertion } from "../src/saml/issue";
import { createLogger } from "../src/shared/logger";
import { el } from "../src/shared/xml";
import { loadSigningKey } from "../src/signing/keys";
import { buildRequestEnvelope } from "../src/soap/envelope";
import { countryAOf } from "../src/soap/module";
import { Actions, XDS_NS } from "../src/soap/namespaces";
import { countryARouter } from "../src/soap/router";
import { buildRetrieveResponse, parseRetrieveRequest } from "../src/soap/xca/retrieve";
import { machine, type Machine } from "./measure";

export const FLOOR_PER_SECOND = 150;
export const FLOOR_P99_MS = 100;
export const CONCURRENCIES = [1, 8, 32] as const;
/** The demo patient with every PS section (src/national/demo/README.md). */
const SOPHIE_WEBER = "1992031411227";

export interface Figure {
  concurrency: number;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface CountryABenchResult {
  machine: Machine;
  documentBytes: number;
  retrieve: Figure[];
  baseline: Figure[];
  /** Concurrency 8, every request with newly issued assertions: full signature verification each time. */
  freshAssertions: Figure;
  withinFloor: boolean;
}

/** Runs one load level in a worker thread (bench/load-client.mjs). */
function load(tls: { ca: Buffer; cert: Buffer; key: Buffer }, port: number, path: string, concurrency: number, bodies: string[], minBytes: number): Promise<Figure & { firstError?: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./load-client.mjs", import.meta.url), { workerData: { port, path, concurrency, bodies, minBytes, ...tls } });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

export async function run(options: { requestsPerLevel?: number } = {}): Promise<CountryABenchResult> {
  const root = mkdtempSync(join(tmpdir(), "passerelle-bench-country-a-"));
  const dk = join(root, "dk");
  generateDevPki({ dir: dk, country: "DK" });
  writeFileSync(
    join(root, "partners.json"),
    JSON.stringify({ partners: [{ country: "DK", homeCommunityId: "urn:oid:1.2.208.176.7.2.1", endpoints: {}, tls: { ca: [join(dk, "ca.pem")] }, signing: { pinned: [join(dk, "saml.pem")] } }] }),
  );
  const baselineDocument: { bytes?: Buffer; id?: string } = {};
  // Baseline: the same listener and SOAP pipeline, answering with a cached pre-signed document.
  const baseline: GatewayModule = {
    name: "bench-baseline",
    start(ctx) {
      ctx.partnerRouter.use(
        countryARouter(
          [{
            name: "xca-baseline",
            wsdl: "xca",
            actions: {
              [Actions.xcaRetrieve.request]: async (x) => {
                const asked = parseRetrieveRequest(x.request.body);
                const built = buildRetrieveResponse({ mtom: false, documents: asked.map((q) => ({ homeCommunityId: "urn:oid:1.3.182.2.12.10000734", repositoryUniqueId: q.repositoryUniqueId, documentUniqueId: q.documentUniqueId, mimeType: "text/xml", content: baselineDocument.bytes! })) });
                return { action: Actions.xcaRetrieve.response, body: built.body };
              },
            },
          }],
          { registry: partnerTrustOf(ctx).registry, logger: ctx.logger, rawMessages: rawMessagesOf(ctx), maxBytes: 10 * 1024 * 1024, timeoutMs: 60_000 },
        ),
      );
    },
  };
  const config = loadConfig({
    env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_PARTNERS_FILE: "partners.json", PASSERELLE_LOG_LEVEL: "silent", PASSERELLE_DEMO_SEED: "true", PASSERELLE_EHDSI_DIR: join(PROJECT_ROOT, "..", "shared", "ehdsi") },
    cwd: root,
  });
  const gateway = await startGateway({ config, logger: createLogger({ level: "silent" }), modules: [...GATEWAY_MODULES, baseline] });
  try {
    const { ports } = countryAOf(gateway.context);
    // Sophie Weber's PS L3, offered and sealed once (as a query would).
    const patient = SOPHIE_WEBER;
    const ps = (await ports.national.getPatientSummary({ system: config.identifiers.nationalPatientIdOid, value: patient }))!;
    const doc = await ports.documents.patientSummary(patient, ps, "L3");
    await ports.dispensations.rememberOffered([{ uniqueId: doc.uniqueId, matricule: patient, kind: "ps", level: "L3", sourceId: ps.id }]);
    baselineDocument.bytes = doc.bytes;

    const key = loadSigningKey(dk, "saml");
    const hcp = issueHcpAssertion(
      { nameId: "doctor-1@DK", subjectId: "Dr Bench", role: "221", purposeOfUse: "TREATMENT", organization: "Rigshospitalet", organizationId: "urn:oid:1.2.208.176.1.1", facilityType: "Hospital", locality: "Copenhagen", permissions: ["PRD-003", "PRD-005", "PRD-010", "PRD-016"], authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI" },
      { key, issuer: "urn:idp:DK:countryB", lifetimeMs: 3600_000 },
    );
    const trc = issueTrcAssertion({ hcp: hcp.content, patientId: `${patient}^^^&${config.identifiers.ehdsiPatientIdDomain}&ISO`, purposeOfUse: "TREATMENT" }, { key, issuer: "urn:initgw:DK:countryB" });
    const request = (assertions: readonly string[] = [hcp.xml, trc.xml]) =>
      buildRequestEnvelope({
        action: Actions.xcaRetrieve.request,
        to: "https://ncp.lu.test/ncp/xca",
        messageId: `urn:uuid:${randomUUID()}`,
        signedAssertions: [...assertions],
        body: el("xdsb:RetrieveDocumentSetRequest", { "xmlns:xdsb": XDS_NS }, el("xdsb:DocumentRequest", {}, el("xdsb:HomeCommunityId", {}, config.identifiers.homeCommunityId), el("xdsb:RepositoryUniqueId", {}, config.identifiers.homeCommunityId.replace(/^urn:oid:/, "")), el("xdsb:DocumentUniqueId", {}, doc.uniqueId))),
      });
    const tls = { ca: readFileSync(join(config.certsDir, "ca.pem")), cert: readFileSync(join(dk, "tls-client.pem")), key: readFileSync(join(dk, "tls-client.key.pem")) };
    const port = gateway.ports.partner;
    const n = options.requestsPerLevel ?? 600;
    // A served retrieval carries the document (base64: a third larger than the document).
    const minBytes = doc.size;
    const retrieve: Figure[] = [];
    const base: Figure[] = [];
    const report = (f: Figure & { firstError?: string }) => {
      if (f.firstError) console.error(`  first failed request (c=${f.concurrency}): ${f.firstError.slice(0, 600)}`);
      const { firstError: _ignored, ...figure } = f;
      return figure;
    };
    for (const c of CONCURRENCIES) {
      await load(tls, port, "/ncp/xca", c, Array.from({ length: Math.min(50, n) }, request), minBytes); // warm-up
      retrieve.push(report(await load(tls, port, "/ncp/xca", c, Array.from({ length: n }, request), minBytes)));
      base.push(report(await load(tls, port, "/ncp/xca-baseline", c, Array.from({ length: n }, request), minBytes)));
    }
    // Without reuse: a new HCP + TRC pair for every request (issued before the clock starts).
    const freshBodies = Array.from({ length: Math.min(n, 300) }, () => {
      const h = issueHcpAssertion(
        { nameId: `doctor-${randomUUID()}@DK`, subjectId: "Dr Bench", role: "221", purposeOfUse: "TREATMENT", organization: "Rigshospitalet", organizationId: "urn:oid:1.2.208.176.1.1", facilityType: "Hospital", locality: "Copenhagen", permissions: ["PRD-003", "PRD-005", "PRD-010", "PRD-016"], authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI" },
        { key, issuer: "urn:idp:DK:countryB", lifetimeMs: 3600_000 },
      );
      const t = issueTrcAssertion({ hcp: h.content, patientId: `${patient}^^^&${config.identifiers.ehdsiPatientIdDomain}&ISO`, purposeOfUse: "TREATMENT" }, { key, issuer: "urn:initgw:DK:countryB" });
      return request([h.xml, t.xml]);
    });
    const freshAssertions = report(await load(tls, port, "/ncp/xca", 8, freshBodies, minBytes));
    const at8 = retrieve.find((f) => f.concurrency === 8)!;
    return { machine: machine(), documentBytes: doc.size, retrieve, baseline: base, freshAssertions, withinFloor: at8.errors === 0 && at8.perSecond >= FLOOR_PER_SECOND && at8.p99 < FLOOR_P99_MS };
  } finally {
    await gateway.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

export function format(r: CountryABenchResult): string {
  const row = (what: string, f: Figure) => `  ${what.padEnd(34)} c=${String(f.concurrency).padEnd(3)} ${String(f.perSecond).padStart(5)}/s  p50 ${String(f.p50).padStart(6)} ms  p99 ${String(f.p99).padStart(6)} ms${f.errors ? `  ${f.errors} ERRORS` : ""}`;
  const at8 = r.retrieve.find((f) => f.concurrency === 8)!;
  return [
    `country A: PS retrieval (XCA ITI-39) over mutual TLS — ${r.machine.nproc} CPU ${r.machine.cpu}, node ${r.machine.node}; document ${r.documentBytes} bytes`,
    ...r.retrieve.flatMap((f, i) => [row("retrieve (assertions, consent, national, audit)", f), row("baseline (cached pre-signed document)", r.baseline[i]!)]),
    row("retrieve, new assertions each request", r.freshAssertions),
    `  floor at c=8: ${FLOOR_PER_SECOND}/s with p99 < ${FLOOR_P99_MS} ms: ${r.withinFloor ? "met" : "MISSED"} (${at8.perSecond}/s, p99 ${at8.p99} ms)`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => console.log(format(r)), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
