// Two Passerelle gateways, LU and BE, end to end over real mutual TLS (issue 6): the scenario of
// `npm run demo` through the REST API of the requesting gateway, once with the embedded queue and once
// with BullMQ on Redis; then faults: the partner down (retries, dead letter, operator replay succeeds,
// nothing lost) and the requesting gateway restarted mid-run. Every exchange ends exactly once.
//
// BullMQ: the queues' key prefix is the gateway's country (src/exchange/queue/factory.ts), so the run
// takes a Redis logical database of its own (one without passerelle-lu/-be keys) and deletes its keys
// afterwards. Redis unreachable: skipped with a message, a failure with CI=true.
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { exchangeQueueOf } from "../../src/exchange/queue/module";
import type { StoredJob } from "../../src/exchange/queue/port";
import { BE_DOCTOR, LU_PATIENT, callApi, createScenario, type ExchangeView } from "../../scripts/demo-scenario";
import { startTwoGateways, type TwoGateways } from "../../scripts/two-gateways";
import { TEST_REDIS_URL, deleteRedisKeys, redisUnavailable } from "../exchange/queue/backends";
import { REPO_ROOT } from "../helpers/ehdsi";

const PREFIXES = ["passerelle-lu", "passerelle-be"];

/** A Redis database (1..15) holding no key of our prefixes, as a redis:// URL. */
async function freeRedisDatabase(): Promise<string> {
  for (let db = 15; db >= 1; db--) {
    const client = new Redis(`${TEST_REDIS_URL}/${db}`, { maxRetriesPerRequest: 1 });
    try {
      const used = await Promise.all(PREFIXES.map((p) => client.scan("0", "MATCH", `${p}:*`, "COUNT", 1000).then(([, keys]) => keys.length)));
      if (used.every((n) => n === 0)) return `${TEST_REDIS_URL}/${db}`;
    } finally {
      client.disconnect();
    }
  }
  throw new Error("no Redis database 1..15 is free of passerelle-lu/-be keys");
}

async function poll(two: TwoGateways, from: "LU" | "BE", id: string, done: (v: ExchangeView) => boolean, timeoutMs = 90_000): Promise<ExchangeView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await callApi(two.gateways[from].client, "GET", `/api/v1/exchanges/${encodeURIComponent(id)}`);
    const v = r.body as ExchangeView;
    if (r.status === 200 && done(v)) return v;
    if (Date.now() > until) throw new Error(`exchange ${id}: still ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Jobs of every gateway's queue, to check that each exchange ended exactly once and none is lost. */
async function allJobs(two: TwoGateways): Promise<StoredJob[]> {
  const out: StoredJob[] = [];
  for (const g of Object.values(two.gateways)) {
    let cursor: string | undefined;
    do {
      const page = await exchangeQueueOf(g.gateway.context).list({ limit: 1000, ...(cursor ? { cursor } : {}) });
      out.push(...page.jobs);
      cursor = page.nextCursor;
    } while (cursor);
  }
  return out;
}

for (const backend of ["embedded", "bullmq"] as const) {
  describe(`two gateways LU and BE over mutual TLS [${backend} queue]`, function () {
    this.timeout(180_000);
    let two: TwoGateways | undefined;
    let redisUrl: string | undefined;
    const lines: string[] = [];

    before(async function () {
      if (backend === "bullmq") {
        const reason = await redisUnavailable();
        if (reason) {
          if (process.env.CI === "true") throw new Error(`Redis at ${TEST_REDIS_URL} is unreachable (CI=true): ${reason}`);
          console.warn(`    (skipped: Redis at ${TEST_REDIS_URL} unreachable: ${reason})`);
          this.skip();
        }
        redisUrl = await freeRedisDatabase();
      }
      two = await startTwoGateways(redisUrl ? { env: { REDIS_URL: redisUrl } } : {});
    });

    after(async () => {
      await two?.close();
      if (two) rmSync(two.root, { recursive: true, force: true });
      if (redisUrl) for (const p of PREFIXES) await deleteRedisKeys(redisUrl, p);
    });

    describe("the demo scenario", () => {
      // One `it` per step, in order: each builds on what the previous found.
      const titles = ["1. BE doctor retrieves a LU patient's Patient Summary (in French)", "2. BE pharmacy retrieves and dispenses a LU ePrescription", "3. the LU national record shows the prescription dispensed", "4. LU doctor retrieves a BE visitor's Patient Summary"];
      let scenario: ReturnType<typeof createScenario> | undefined;
      for (const [i, title] of titles.entries()) {
        it(title, async () => {
          scenario ??= createScenario(two!, { print: (l) => lines.push(l), requestIdPrefix: `e2e-${backend}` });
          expect(scenario.steps[i]?.title).to.equal(title);
          await scenario.steps[i]!.run();
        });
      }

      it("ran every exchange once: each completed in one attempt, none left in the queues", async () => {
        const report = scenario!.report();
        expect(report.luPrescriptionStatus).to.be.oneOf(["dispensed", "partially-dispensed"]);
        const jobs = await allJobs(two!);
        const ours = jobs.filter((j) => j.id.includes(`e2e-${backend}-`));
        expect(ours.map((j) => j.id)).to.have.members(report.exchanges.map((e) => e.id));
        expect(new Set(ours.map((j) => j.id)).size).to.equal(ours.length);
        for (const j of ours) expect([j.id, j.state, j.attempts]).to.deep.equal([j.id, "completed", 1]);
      });
    });

    it("partner down: transport failures are retried, then dead-lettered; the operator's replay succeeds once the partner is back", async () => {
      const body = { country: "LU", requester: BE_DOCTOR, identifiers: [{ system: LU_PATIENT.ehdsiDomain, value: LU_PATIENT.matricule }] };
      await two!.stop("LU");
      try {
        const accepted = await callApi(two!.gateways.BE.client, "POST", "/api/v1/exchanges/patient-discovery", body, { "Idempotency-Key": `down-${backend}` });
        expect(accepted.status).to.equal(202);
        const id = (accepted.body as ExchangeView).id;
        const retried = await poll(two!, "BE", id, (v) => v.attempts >= 2 || v.done);
        expect(retried.state, "retried, not failed").to.be.oneOf(["delayed", "waiting", "active", "dead-letter"]);
        const dead = await poll(two!, "BE", id, (v) => v.done);
        expect(dead.state).to.equal("dead-letter");
        expect(dead.problem).to.include({ status: 504, transient: true });
        expect(dead.attempts, "every attempt spent").to.equal(dead.maxAttempts);
        await two!.start("LU");
        await exchangeQueueOf(two!.gateways.BE.gateway.context).retry(id);
        const replayed = await poll(two!, "BE", id, (v) => v.done);
        expect(replayed.state).to.equal("completed");
        expect((replayed.result as { patients: unknown[] }).patients).to.have.length(1);
        const same = (await allJobs(two!)).filter((j) => j.id === id);
        expect(same).to.have.length(1);
      } finally {
        await two!.start("LU");
      }
    });

    it("the requesting gateway restarted mid-run: its queued exchanges survive and end exactly once", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const accepted = await callApi(two!.gateways.BE.client, "POST", "/api/v1/exchanges/document-list", { country: "LU", requester: BE_DOCTOR, patientId: { system: LU_PATIENT.ehdsiDomain, value: LU_PATIENT.matricule }, documentClass: "ps" }, { "Idempotency-Key": `restart-${backend}-${i}` });
        expect(accepted.status).to.equal(202);
        ids.push((accepted.body as ExchangeView).id);
      }
      await two!.restart("BE");
      for (const id of ids) {
        const v = await poll(two!, "BE", id, (x) => x.done);
        expect(v.state, id).to.equal("completed");
      }
      const jobs = (await allJobs(two!)).filter((j) => ids.includes(j.id));
      expect(jobs.map((j) => j.id).sort()).to.deep.equal([...ids].sort());
      for (const j of jobs) expect(j.finishedAt, j.id).to.be.instanceOf(Date);
      // A repeated request after the restart returns the same exchange, not a new one.
      const again = await callApi(two!.gateways.BE.client, "POST", "/api/v1/exchanges/document-list", { country: "LU", requester: BE_DOCTOR, patientId: { system: LU_PATIENT.ehdsiDomain, value: LU_PATIENT.matricule }, documentClass: "ps" }, { "Idempotency-Key": `restart-${backend}-0` });
      expect((again.body as ExchangeView).id).to.equal(ids[0]);
      expect((again.body as ExchangeView).state).to.equal("completed");
    });
  });
}

describe("two gateways: the BE gateway process killed (SIGKILL) mid-run and restarted [embedded queue]", function () {
  this.timeout(180_000);
  let two: TwoGateways | undefined;
  let child: ChildProcess | undefined;

  before(async () => {
    two = await startTwoGateways();
    await two.stop("BE"); // BE runs as its own process below, on the same directories and ports
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
    await two?.close();
    if (two) rmSync(two.root, { recursive: true, force: true });
  });

  it("every exchange accepted before the kill ends exactly once after the restart", async () => {
    const be = two!.gateways.BE;
    child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), join(REPO_ROOT, "src/main.ts")], { cwd: be.dir, env: { ...process.env, ...be.env }, stdio: "ignore" });
    const until = Date.now() + 60_000;
    for (;;) {
      const ready = await callApi(be.client, "GET", "/api/docs/openapi-exchanges.json").then((r) => r.status === 200, () => false);
      if (ready) break;
      if (child.exitCode !== null || Date.now() > until) throw new Error("the BE gateway process did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
    const body = { country: "LU", requester: BE_DOCTOR, patientId: { system: LU_PATIENT.ehdsiDomain, value: LU_PATIENT.matricule }, documentClass: "ps" };
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const accepted = await callApi(be.client, "POST", "/api/v1/exchanges/document-list", body, { "Idempotency-Key": `kill-${i}` });
      expect(accepted.status).to.equal(202);
      ids.push((accepted.body as ExchangeView).id);
    }
    child.kill("SIGKILL");
    await once(child, "exit");

    await two!.start("BE");
    for (const id of ids) expect((await poll(two!, "BE", id, (v) => v.done)).state, id).to.equal("completed");
    const jobs = (await allJobs(two!)).filter((j) => ids.includes(j.id));
    expect(jobs.map((j) => j.id).sort()).to.deep.equal([...ids].sort());
    for (const j of jobs) {
      expect(j.state, j.id).to.equal("completed");
      expect((j.result as { documents: unknown[] }).documents.length, j.id).to.be.greaterThan(0);
    }
  });
});
