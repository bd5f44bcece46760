// Operator console benchmark (issue 7 "Pages load under 300 ms with 100,000 exchanges in the
// database"): a gateway with the console on SQLite, 100,000 country-A exchanges recorded through the
// audit trail over the last 7 days (2% failures, 5 partners, the four services, consent decisions
// beside them) and 200 queue jobs; then each console page is loaded over HTTPS with a logged-in
// session. Baseline in the same run: the static stylesheet (no database work).
// Figures: median and p95 of 15 loads per page after 2 warm-ups; floor: p95 <= 300 ms per page.
// Run alone: `npx tsx bench/console.ts`.
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { startGateway } from "../src/app/gateway";
import type { AuditEventInput, AuditEventType } from "../src/audit/event";
import { auditModule, auditTrailOf } from "../src/audit/module";
import { loadConfig } from "../src/config/load";
import { partnersModule } from "../src/exchange/partners/module";
import { exchangeQueueModule, exchangeQueueOf } from "../src/exchange/queue/module";
import { createConsoleModule } from "../src/ops/console/module";
import { OperatorAccounts } from "../src/ops/operators/accounts";
import { createLogger } from "../src/shared/logger";
import { machine, type Machine } from "./measure";

export const EXCHANGES = 100_000;
export const FLOOR_MS = 300;
const LOADS = 15;
const WARMUP = 2;
const PASSWORD = "bench-password-123";

export interface PageFigure {
  readonly page: string;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly bytes: number;
  readonly withinFloor: boolean;
}

export interface ConsoleBenchResult {
  readonly machine: Machine;
  readonly exchanges: number;
  readonly fillSeconds: number;
  readonly baseline: PageFigure;
  readonly pages: readonly PageFigure[];
  readonly withinFloor: boolean;
}

const TYPES: AuditEventType[] = ["EHDSI-11", "EHDSI-21", "EHDSI-22", "EHDSI-31", "EHDSI-32", "EHDSI-41", "EHDSI-42"];
const PARTNERS = ["BE", "FR", "DE", "PT", "HR"];
const SPAN_MS = 7 * 86_400_000;

function exchange(i: number, now: number): AuditEventInput[] {
  const failed = i % 50 === 0;
  const time = new Date(now - SPAN_MS + Math.floor((i / EXCHANGES) * SPAN_MS)).toISOString();
  const base = {
    time,
    who: { partnerCountry: PARTNERS[i % PARTNERS.length], homeCommunityId: "urn:oid:2.16.17.710.812.1000.990.1", hcpId: `hcp-${i % 97}`, role: "221", purposeOfUse: "TREATMENT" },
    patientId: `${2980010100000 + (i % 5000)}^^^&1.3.182.2.12.10000734.6.1&ISO`,
    traceId: `bench-trace-${i}`,
    exchangeId: `bench-ex-${i}`,
  };
  const type = TYPES[i % TYPES.length] as AuditEventType;
  const main: AuditEventInput = {
    ...base,
    type,
    outcome: failed ? "failure" : "success",
    ...(failed ? { errorCode: "4701" } : {}),
    direction: "inbound",
    durationMs: 20 + (i % 400),
  };
  // The PS and eP retrievals go with their consent decision, as the responders record them.
  return type === "EHDSI-22" || type === "EHDSI-32" ? [{ ...base, type: "CONSENT-DECISION", outcome: failed ? "failure" : "success" }, main] : [main];
}

function get(agent: Agent, base: string, path: string, cookie: string): Promise<{ status: number; bytes: number; ms: number }> {
  const start = performance.now();
  return new Promise((ok, fail) => {
    const req = request(`${base}${path}`, { agent, headers: { cookie }, rejectUnauthorized: false }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => ok({ status: res.statusCode ?? 0, bytes, ms: performance.now() - start }));
    });
    req.on("error", fail);
    req.end();
  });
}

async function measure(agent: Agent, base: string, path: string, cookie: string): Promise<PageFigure> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < WARMUP + LOADS; i++) {
    const r = await get(agent, base, path, cookie);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
    bytes = r.bytes;
    if (i >= WARMUP) times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)] ?? 0;
  const p95Ms = times[Math.min(times.length - 1, Math.ceil(0.95 * times.length) - 1)] ?? 0;
  return { page: path, medianMs, p95Ms, bytes, withinFloor: p95Ms <= FLOOR_MS };
}

async function login(agent: Agent, base: string): Promise<string> {
  const body = new URLSearchParams({ name: "bench", password: PASSWORD }).toString();
  return new Promise((ok, fail) => {
    const req = request(`${base}/ops/login`, { method: "POST", agent, rejectUnauthorized: false, headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      const cookie = ([] as string[]).concat(res.headers["set-cookie"] ?? [])[0]?.split(";")[0];
      if (res.statusCode !== 303 || !cookie) fail(new Error(`login failed: HTTP ${res.statusCode}`));
      else ok(cookie);
    });
    req.on("error", fail);
    req.end(body);
  });
}

export async function run(options: { log?: (line: string) => void } = {}): Promise<ConsoleBenchResult> {
  const log = options.log ?? (() => undefined);
  const root = mkdtempSync(join(tmpdir(), "passerelle-bench-console-"));
  const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_LISTEN_HOST: "127.0.0.1" }, cwd: root });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const gateway = await startGateway({ config, logger: createLogger({ level: "silent", destination: quiet }), modules: [partnersModule, auditModule, exchangeQueueModule, createConsoleModule()] });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const ctx = gateway.context;
    await new OperatorAccounts(ctx.database).add("bench", "viewer", PASSWORD);
    const trail = auditTrailOf(ctx);
    const now = Date.now();
    const fillStart = performance.now();
    for (let i = 0; i < EXCHANGES; i += 500) {
      const batch: AuditEventInput[] = [];
      for (let k = i; k < Math.min(EXCHANGES, i + 500); k++) batch.push(...exchange(k, now));
      await trail.recordMany(batch);
      if (i % 20_000 === 0) log(`${i} exchanges recorded`);
    }
    const queue = exchangeQueueOf(ctx);
    for (let i = 0; i < 200; i++) {
      await queue.enqueue({ type: "xcpd-discover", country: PARTNERS[i % PARTNERS.length] ?? "BE", requester: { nameId: "hcp", subjectId: "Dr B", role: "221", purposeOfUse: "TREATMENT", organization: "H", organizationId: "urn:oid:1.2.3", facilityType: "Hospital", locality: "L", permissions: [], authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:X509" }, identifiers: [{ system: "1.2.3", value: `P${i}` }] }, { idempotencyKey: `bench-job-${i}` });
    }
    const fillSeconds = (performance.now() - fillStart) / 1000;
    log(`filled in ${fillSeconds.toFixed(1)} s`);

    const base = `https://127.0.0.1:${gateway.ports.national}`;
    const cookie = await login(agent, base);
    const baseline = await measure(agent, base, "/ops/static/console.css", cookie);
    const paths = [
      "/ops",
      "/ops?window=hour",
      "/ops/exchanges",
      "/ops/exchanges?partner=FR&outcome=failure",
      `/ops/exchanges?patient=${encodeURIComponent("2980010100042^^^&1.3.182.2.12.10000734.6.1&ISO")}`,
      `/ops/exchanges/bench-ex-${EXCHANGES - 5}`,
      "/ops/partners",
      "/ops/consent",
      "/ops/queues",
      "/ops/queues/jobs",
    ];
    const pages: PageFigure[] = [];
    for (const p of paths) {
      pages.push(await measure(agent, base, p, cookie));
      log(`${p} measured`);
    }
    return { machine: machine(), exchanges: EXCHANGES, fillSeconds, baseline, pages, withinFloor: pages.every((p) => p.withinFloor) };
  } finally {
    agent.destroy();
    await gateway.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

export function format(r: ConsoleBenchResult): string {
  const row = (f: PageFigure) => `    ${f.page.slice(0, 60).padEnd(62)} ${f.medianMs.toFixed(1).padStart(7)} ms ${f.p95Ms.toFixed(1).padStart(7)} ms ${String(f.bytes).padStart(8)} B  ${f.withinFloor ? "ok" : "OVER"}`;
  return [
    `console: ${r.exchanges} exchanges over 7 days in SQLite (filled in ${r.fillSeconds.toFixed(1)} s), ${r.machine.nproc} CPU ${r.machine.cpu}, Node ${r.machine.node}`,
    `    ${"page".padEnd(62)} ${"median".padStart(10)} ${"p95".padStart(10)} ${"size".padStart(10)}  floor p95 <= ${FLOOR_MS} ms`,
    row(r.baseline) + "   (baseline: static file)",
    ...r.pages.map(row),
  ].join("\n");
}

if (resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) {
  const r = await run({ log: (l) => console.error(`  ${l}`) });
  console.log(format(r));
  process.exitCode = r.withinFloor ? 0 : 1;
}
