// Two gateways, LU and BE, with BullMQ on a Redis of their own that is restarted mid-run (issue 6:
// "Redis restarted mid-run ... in every case each exchange ends exactly once"). The Redis persists jobs
// as src/exchange/queue/README.md asks (appendonly yes, appendfsync always, noeviction), on a free
// port in a temporary directory, like test/exchange/queue/redis-restart.test.ts. BE accepts country-B
// exchanges (PS document lists for LU) through its REST API and, as a burst, on its queue; Redis is
// shut down while they are in flight and started again on the same port and directory; every
// exchange then completes exactly once: one job each, one XCA query sent each (BE's raw messages),
// one answer each on the LU side (LU's audit trail, matched by WS-Addressing MessageID). Both gateways
// take the REDIS_URL (the two-gateway harness configures them alike); their key prefixes differ.
import { expect } from "chai";
import { spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { auditTrailOf, rawMessagesOf } from "../../src/audit/module";
import type { AuditEvent } from "../../src/audit/event";
import { jobOfRequest } from "../../src/api/exchanges/requests";
import { exchangeQueueOf } from "../../src/exchange/queue/module";
import type { JobState, StoredJob } from "../../src/exchange/queue/port";
import { BE_DOCTOR, LU_PATIENT, callApi, type ExchangeView } from "../../scripts/demo-scenario";
import { startTwoGateways, type TwoGateways } from "../../scripts/two-gateways";
import { waitFor } from "../exchange/queue/backends";
import { freePort, redisReady, startRedis, stopAllRedisServers } from "../helpers/redis-server";

const VIA_API = 8;
const VIA_QUEUE = 32;
const EXCHANGES = VIA_API + VIA_QUEUE;
const FINAL_STATES: readonly JobState[] = ["completed", "failed-permanently", "dead-letter"];

async function shutdownRedis(url: string, server: ChildProcess): Promise<void> {
  const admin = new Redis(url, { maxRetriesPerRequest: 0 });
  admin.on("error", () => undefined);
  const exited = once(server, "exit");
  await admin.call("SHUTDOWN").catch(() => undefined); // the connection closes as Redis stops
  admin.disconnect();
  await exited;
}

async function exchangeView(two: TwoGateways, id: string): Promise<ExchangeView | undefined> {
  const r = await callApi(two.gateways.BE.client, "GET", `/api/v1/exchanges/${encodeURIComponent(id)}`).catch(() => undefined);
  return r?.status === 200 ? (r.body as ExchangeView) : undefined;
}

async function queueJobs(two: TwoGateways, country: "LU" | "BE"): Promise<StoredJob[]> {
  const out: StoredJob[] = [];
  let cursor: string | undefined;
  do {
    const page = await exchangeQueueOf(two.gateways[country].gateway.context).list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** LU's answers to BE's Patient Summary list queries (inbound EHDSI-21 events). */
async function luAnswers(two: TwoGateways): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for await (const e of auditTrailOf(two.gateways.LU.gateway.context).events({ types: ["EHDSI-21"], partnerCountry: "BE" })) if (e.direction === "inbound") out.push(e);
  return out;
}

describe("two gateways LU and BE [bullmq]: Redis restarted mid-run", function () {
  this.timeout(180_000);
  let dir = "";
  let redis: ChildProcess | undefined;
  let two: TwoGateways | undefined;
  let url = "";

  before(async function () {
    if (spawnSync("redis-server", ["--version"]).status !== 0) {
      if (process.env.CI === "true") throw new Error("redis-server is not installed (CI=true: failing, not skipping)");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "passerelle-redis-"));
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = startRedis(port, dir);
    await redisReady(url);
    two = await startTwoGateways({ env: { REDIS_URL: url } });
  });

  after(async () => {
    await two?.close();
    if (two) rmSync(two.root, { recursive: true, force: true });
    await stopAllRedisServers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("every exchange accepted before the restart completes exactly once, and LU answers each once", async () => {
    const be = two!.gateways.BE;
    const queue = exchangeQueueOf(be.gateway.context);
    const body = { country: "LU", requester: BE_DOCTOR, patientId: { system: LU_PATIENT.ehdsiDomain, value: LU_PATIENT.matricule }, documentClass: "ps" };
    // Some through the REST API, as a national client asks; then a burst straight on BE's queue (the
    // job the API makes of the same request), far more than the partner's rate (20/s) and concurrency
    // (4) let through before the SHUTDOWN that follows: some waiting, some running when Redis stops.
    const accepted = await Promise.all(Array.from({ length: VIA_API }, (_, i) => callApi(be.client, "POST", "/api/v1/exchanges/document-list", body, { "Idempotency-Key": `redis-restart-api-${i}` })));
    for (const a of accepted) expect(a.status, JSON.stringify(a.body)).to.equal(202);
    const job = jobOfRequest("document-list", body, "BE");
    const enqueued = await Promise.all(Array.from({ length: VIA_QUEUE }, (_, i) => queue.enqueue(job, { idempotencyKey: `redis-restart-queue-${i}` })));
    for (const e of enqueued) expect([e.job.id, e.created]).to.deep.equal([e.job.id, true]);
    const ids = [...accepted.map((a) => (a.body as ExchangeView).id), ...enqueued.map((e) => e.job.id)];
    expect(new Set(ids).size).to.equal(EXCHANGES);

    const port = Number(new URL(url).port);
    await shutdownRedis(url, redis!);
    // LU's trail is in its own database: what it had answered when Redis stopped.
    const answeredBeforeRestart = (await luAnswers(two!)).length;
    redis = startRedis(port, dir);
    await redisReady(url);

    // Every job ends (the queue's view, whichever way it came in), then each API exchange as its client sees it.
    const ended = await Promise.all(
      ids.map((id) =>
        waitFor(
          `exchange ${id} to end`,
          async () => {
            const j = await queue.get(id).catch(() => undefined);
            return j && FINAL_STATES.includes(j.state) ? j : undefined;
          },
          120_000,
        ),
      ),
    );
    for (const j of ended) {
      expect([j.id, j.state], JSON.stringify(j.failure)).to.deep.equal([j.id, "completed"]);
      expect((j.result as { documents: unknown[] }).documents.length, j.id).to.be.greaterThan(0);
    }
    for (const id of ids.slice(0, VIA_API)) expect((await exchangeView(two!, id))?.state, id).to.equal("completed");
    // The restart happened with exchanges still to do, else this test proved nothing.
    expect(answeredBeforeRestart, "LU answers when Redis stopped").to.be.below(EXCHANGES);

    // BE: one job per exchange, completed; the queue holds no second copy of any.
    const jobs = (await queueJobs(two!, "BE")).filter((j) => ids.includes(j.id));
    expect(jobs.map((j) => j.id).sort()).to.deep.equal([...ids].sort());
    for (const j of jobs) expect([j.id, j.state], j.id).to.deep.equal([j.id, "completed"]);

    // BE sent each exchange's XCA query once (its raw outbound messages, one per call), and LU
    // answered each of those messages once (its inbound EHDSI-21 events carry the WS-Addressing
    // MessageID as traceId), and nothing else came from BE.
    const sent = new Map<string, string>(); // MessageID -> exchange
    for (const id of ids) {
      const outbound = (await rawMessagesOf(be.gateway.context).forExchange(id)).filter((m) => m.direction === "outbound");
      expect(outbound, `calls sent for ${id}`).to.have.length(1);
      const messageId = /MessageID[^>]*>\s*([^<\s]+)\s*</.exec(outbound[0]!.body.toString("utf8"))?.[1];
      expect(messageId, `MessageID of ${id}`).to.be.a("string");
      sent.set(messageId!, id);
    }
    const answers = await luAnswers(two!);
    expect(answers.map((e) => e.traceId).sort()).to.deep.equal([...sent.keys()].sort());
    for (const e of answers) expect([sent.get(e.traceId!), e.outcome]).to.deep.equal([sent.get(e.traceId!), "success"]);

    // A repeated request after the restart returns the same exchange, and LU is not asked again.
    const again = await callApi(be.client, "POST", "/api/v1/exchanges/document-list", body, { "Idempotency-Key": "redis-restart-api-0" });
    expect([(again.body as ExchangeView).id, (again.body as ExchangeView).state]).to.deep.equal([ids[0], "completed"]);
    const requeued = await queue.enqueue(job, { idempotencyKey: "redis-restart-queue-0" });
    expect([requeued.created, requeued.job.state]).to.deep.equal([false, "completed"]);
    await new Promise((r) => setTimeout(r, 500)); // room for a wrongly started second run to reach LU
    expect(await luAnswers(two!)).to.have.length(EXCHANGES);
  });
});
