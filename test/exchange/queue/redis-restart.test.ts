// Jobs survive a Redis restart (issue 6) when Redis persists them as src/exchange/queue/README.md says:
// a redis-server of our own (the shared one runs without persistence) on a free port, appendonly yes,
// appendfsync always, noeviction, in a temporary directory; enqueue, SHUTDOWN, start again, the job
// is still there and completes.
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { BullmqExchangeQueue } from "../../../src/exchange/queue/bullmq";
import type { Job } from "../../../src/exchange/queue/port";
import { isPasserelleError } from "../../../src/shared/errors";
import { freePort, redisReady as ready, startRedis, stopAllRedisServers } from "../../helpers/redis-server";
import { waitFor } from "./backends";

const job: Job<"deliver-dispensation"> = {
  type: "deliver-dispensation",
  dispensationId: "ED-1",
  patientId: { system: "1.3.182.4.4", value: "1985032112345" },
  prescriptionId: "EP-1",
  dispensedIn: "BE",
  dispensation: {
    id: "ED-1",
    prescriptionId: "EP-1",
    patient: { ids: [{ system: "1.3.182.4.4", value: "1985032112345" }], names: [], gender: "female", addresses: [], telecom: [], languages: [], contacts: [] },
    dispenser: { id: { system: "2.16.17.710.850.1000.990.1.7", value: "PH-42" } },
    time: "2026-11-27T10:00:00Z",
    items: [],
  },
};

describe("exchange queue [bullmq]: jobs survive a Redis restart", function () {
  this.timeout(30_000);
  let dir = "";
  let redis: ChildProcess | undefined;

  before(function () {
    if (spawnSync("redis-server", ["--version"]).status !== 0) {
      if (process.env.CI === "true") throw new Error("redis-server is not installed (CI=true: failing, not skipping)");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "passerelle-redis-"));
  });

  after(async () => {
    await stopAllRedisServers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps an enqueued job across SHUTDOWN and restart, and completes it", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    redis = startRedis(port, dir);
    await ready(url);

    const before = new BullmqExchangeQueue({ url, prefix: "restart" });
    expect(await before.checkDurability()).to.deep.equal([]);
    const { created } = await before.enqueue(job, { idempotencyKey: "ed-1-delivery" });
    expect(created).to.equal(true);
    await before.close();

    const admin = new Redis(url, { maxRetriesPerRequest: 0 });
    admin.on("error", () => undefined);
    const exited = new Promise((r) => redis!.once("exit", r));
    await admin.call("SHUTDOWN").catch(() => undefined); // the connection closes as Redis stops
    admin.disconnect();
    await exited;

    redis = startRedis(port, dir);
    await ready(url);
    const after = new BullmqExchangeQueue({ url, prefix: "restart" });
    try {
      expect((await after.get("ed-1-delivery"))?.state).to.equal("waiting");
      const delivered: string[] = [];
      after.process("deliver-dispensation", async (j) => {
        delivered.push(j.job.dispensationId);
        return { prescriptionStatus: "dispensed", recordedAt: new Date().toISOString(), duplicate: false };
      });
      const done = await waitFor("the delivery to complete", async () => {
        const j = await after.get("ed-1-delivery");
        return j?.state === "completed" ? j : undefined;
      });
      expect(done.result).to.include({ prescriptionStatus: "dispensed" });
      expect(delivered).to.deep.equal(["ED-1"]);
      // Idempotent after the restart too.
      expect((await after.enqueue(job, { idempotencyKey: "ed-1-delivery" })).created).to.equal(false);
    } finally {
      await after.close();
    }
  });

  it("while Redis is down, enqueue fails fast with TRANSPORT_FAILURE; running workers carry on once it is back", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    redis = startRedis(port, dir);
    await ready(url);
    const queue = new BullmqExchangeQueue({ url, prefix: "outage" });
    try {
      const delivered: string[] = [];
      queue.process("deliver-dispensation", async (j) => {
        delivered.push(j.id);
        return { prescriptionStatus: "dispensed", recordedAt: new Date().toISOString(), duplicate: false };
      });
      await queue.enqueue(job, { idempotencyKey: "before-outage" });
      await waitFor("the first delivery", () => delivered.includes("before-outage"));

      const admin = new Redis(url, { maxRetriesPerRequest: 0 });
      admin.on("error", () => undefined);
      const exited = new Promise((r) => redis!.once("exit", r));
      await admin.call("SHUTDOWN").catch(() => undefined);
      admin.disconnect();
      await exited;

      const t = Date.now();
      const refused = await queue.enqueue(job, { idempotencyKey: "during-outage" }).catch((e: unknown) => e);
      expect(isPasserelleError(refused, "TRANSPORT_FAILURE"), String(refused)).to.equal(true);
      expect(Date.now() - t).to.be.below(8000);

      redis = startRedis(port, dir);
      await ready(url);
      // The caller retries with the same key once Redis is back; the same worker delivers it.
      await waitFor("an enqueue to succeed again", () => queue.enqueue(job, { idempotencyKey: "during-outage" }).then(() => true, () => false), 15_000);
      await waitFor("the delivery after the outage", () => delivered.includes("during-outage"), 15_000);
      expect(delivered).to.deep.equal(["before-outage", "during-outage"]);
    } finally {
      await queue.close();
    }
  });

  it("does not hang on close when Redis is unreachable", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
    const queue = new BullmqExchangeQueue({ url, prefix: "nowhere" });
    queue.process("xca-query", async () => ({ documents: [] }));
    const ping = await queue.ping().catch((e: unknown) => e);
    expect(isPasserelleError(ping, "TRANSPORT_FAILURE")).to.equal(true);
    const t = Date.now();
    await queue.close();
    expect(Date.now() - t).to.be.below(2000);
  });

  it("warns when Redis may evict or lose jobs", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const loose = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "no", "--save", "", "--maxmemory-policy", "allkeys-lru"], { stdio: "ignore" });
    try {
      await ready(url);
      const q = new BullmqExchangeQueue({ url, prefix: "loose" });
      const warnings = await q.checkDurability();
      await q.close();
      expect(warnings.join("\n")).to.match(/maxmemory-policy is allkeys-lru/).and.match(/appendonly is off/);
    } finally {
      loose.kill("SIGKILL");
    }
  });
});
