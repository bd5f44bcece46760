// The exchange queue contract (issue 6 "The exchange queue"), run on every backend: embedded on SQLite,
// embedded on PostgreSQL, BullMQ on Redis. Same tests, same expectations.
import { expect } from "chai";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BusinessError, TransientError, type ExchangeQueue, type Job, type StoredJob } from "../../../src/exchange/queue/port";
import type { PartialQueueSettings } from "../../../src/exchange/queue/settings";
import { isPasserelleError } from "../../../src/shared/errors";
import { forEachQueueBackend, waitFor, type QueueTestContext } from "./backends";
import { TEST_REQUESTER as REQUESTER } from "../../helpers/requester";


function query(country: string, n: number): Job<"xca-query"> {
  return { type: "xca-query", country, requester: REQUESTER, patientId: { system: "2.16.17.710.850.1000.990.1", value: `P${n}` }, documentClass: "ps" };
}

const FAST: PartialQueueSettings = {
  retry: { maxAttempts: 3, baseDelayMs: 60, factor: 2, maxDelayMs: 2000 },
  leaseMs: 1000,
  pollIntervalMs: 20,
  breaker: { failureThreshold: 100, cooldownMs: 1000 },
  partnerLimits: { concurrency: 16, ratePerSecond: 1000 },
};

const CRASH_WORKER = fileURLToPath(new URL("./crash-worker.ts", import.meta.url));

async function finished(q: ExchangeQueue, id: string, ms = 10_000): Promise<StoredJob> {
  return waitFor(`job ${id} to finish`, async () => {
    const j = await q.get(id);
    return j && ["completed", "failed-permanently", "dead-letter"].includes(j.state) ? j : undefined;
  }, ms);
}

/** Starts crash-worker.ts on the same backend, waits until it holds `id`'s job, then kills it (SIGKILL). */
async function crashWhileHolding(ctx: QueueTestContext, settings: PartialQueueSettings, id: string): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", CRASH_WORKER, JSON.stringify(ctx.address()), JSON.stringify(settings), "xca-query"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.once("exit", r));
  try {
    await waitFor(`the crash worker to take ${id}`, () => out.includes(`started ${id}`), 20_000);
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
}

forEachQueueBackend("exchange queue contract", (ctx) => {
  it("enqueue is idempotent on the key: the same job comes back, never a second one", async () => {
    const q = ctx.open(FAST);
    const first = await q.enqueue(query("BE", 1), { idempotencyKey: "req-1", traceId: "trace-1" });
    expect(first.created).to.equal(true);
    expect(first.job).to.include({ id: "req-1", type: "xca-query", partner: "BE", traceId: "trace-1", state: "waiting", attempts: 0 });
    const again = await q.enqueue(query("BE", 2), { idempotencyKey: "req-1", traceId: "trace-2" });
    expect(again.created).to.equal(false);
    expect(again.job.traceId).to.equal("trace-1");
    expect((again.job.job as Job<"xca-query">).patientId.value).to.equal("P1");
    // Another type with the same key: still the first job.
    const other = await q.enqueue({ type: "xcpd-discover", country: "BE", requester: REQUESTER, identifiers: [] }, { idempotencyKey: "req-1" });
    expect(other.created).to.equal(false);
    expect(other.job.type).to.equal("xca-query");
    const racing = await Promise.all(Array.from({ length: 8 }, (_, i) => q.enqueue(query("FR", i), { idempotencyKey: "req-2" })));
    expect(racing.filter((r) => r.created)).to.have.length(1);
    expect((await q.counts()).waiting).to.equal(2);
  });

  it("refuses an unusable idempotency key or job type", async () => {
    const q = ctx.open(FAST);
    for (const key of ["", "12345", "a:b", "x".repeat(129), "sp ace"]) {
      const e = await q.enqueue(query("BE", 1), { idempotencyKey: key }).catch((err: unknown) => err);
      expect(isPasserelleError(e, "INPUT_INVALID"), key).to.equal(true);
    }
    const e = await q.enqueue({ type: "nope" } as unknown as Job, { idempotencyKey: "k" }).catch((err: unknown) => err);
    expect(isPasserelleError(e, "INPUT_INVALID")).to.equal(true);
    const badTrace = await q.enqueue(query("BE", 1), { idempotencyKey: "k", traceId: "a\nb" }).catch((err: unknown) => err);
    expect(isPasserelleError(badTrace, "INPUT_INVALID")).to.equal(true);
    const soapTrace = await q.enqueue(query("BE", 1), { idempotencyKey: "k", traceId: "urn:uuid:6f1b0d2e-0a3c-4e59-9c1e-1f2a3b4c5d6e" });
    expect(soapTrace.job.traceId).to.equal("urn:uuid:6f1b0d2e-0a3c-4e59-9c1e-1f2a3b4c5d6e");
    expect((await q.counts()).waiting).to.equal(1);
  });

  it("retries transport failures with exponential backoff, then completes", async () => {
    const q = ctx.open(FAST);
    const calls: number[] = [];
    q.process("xca-query", async (job, { attempt }) => {
      calls.push(Date.now());
      expect(attempt).to.equal(calls.length);
      expect(job.attempts).to.equal(attempt);
      if (calls.length < 3) throw new TransientError("partner unreachable");
      return { documents: [] };
    });
    await q.enqueue(query("BE", 1), { idempotencyKey: "retry-1" });
    const job = await finished(q, "retry-1");
    expect(job.state).to.equal("completed");
    expect(job.result).to.deep.equal({ documents: [] });
    expect(calls).to.have.length(3);
    // base 60 ms then 120 ms (factor 2); allow for timer slack below.
    expect(calls[1]! - calls[0]!).to.be.at.least(50);
    expect(calls[2]! - calls[1]!).to.be.at.least(110);
  });

  it("shows a job waiting for its retry as delayed, with its last failure and next run time", async () => {
    const q = ctx.open({ ...FAST, retry: { maxAttempts: 3, baseDelayMs: 5000, factor: 2, maxDelayMs: 10_000 } });
    q.process("xca-query", async () => {
      throw new TransientError("read ECONNRESET");
    });
    const t = Date.now();
    await q.enqueue(query("BE", 1), { idempotencyKey: "delayed-1" });
    const job = await waitFor("the retry to be scheduled", async () => {
      const j = await q.get("delayed-1");
      return j?.state === "delayed" ? j : undefined;
    });
    expect(job.attempts).to.equal(1);
    expect(job.failure).to.include({ code: "TRANSPORT_FAILURE", transient: true, attempt: 1 });
    expect(job.runAt!.getTime()).to.be.within(t + 4000, Date.now() + 5100);
    expect((await q.counts()).delayed).to.equal(1);
  });

  it("does not retry a business error: failed-permanently after one attempt", async () => {
    const q = ctx.open(FAST);
    let calls = 0;
    q.process("xca-query", async () => {
      calls += 1;
      throw new BusinessError("4703", "insufficient rights");
    });
    await q.enqueue(query("BE", 1), { idempotencyKey: "biz-1" });
    const job = await finished(q, "biz-1");
    expect(job.state, JSON.stringify(job.failure)).to.equal("failed-permanently");
    expect(job.failure).to.include({ code: "4703", transient: false });
    await new Promise((r) => setTimeout(r, 400));
    expect(calls).to.equal(1);
    expect((await q.counts())["failed-permanently"]).to.equal(1);
  });

  it("dead-letters a job whose transport failures exhaust its attempts; retry() replays it to completion", async () => {
    const q = ctx.open(FAST);
    let partnerUp = false;
    let calls = 0;
    q.process("xca-query", async () => {
      calls += 1;
      if (!partnerUp) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
      return { documents: [] };
    });
    await q.enqueue(query("BE", 1), { idempotencyKey: "dead-1" });
    const dead = await finished(q, "dead-1");
    expect(dead.state).to.equal("dead-letter");
    expect(dead.failure).to.include({ code: "ECONNREFUSED", transient: true });
    expect(calls).to.equal(3);
    expect((await q.counts())["dead-letter"]).to.equal(1);
    expect((await q.list({ state: "dead-letter" })).jobs.map((j) => j.id)).to.deep.equal(["dead-1"]);

    partnerUp = true;
    const replayed = await q.retry("dead-1");
    expect(["waiting", "active", "completed"]).to.include(replayed.state);
    const done = await finished(q, "dead-1");
    expect(done.state).to.equal("completed");
    expect(calls).to.equal(4);
    const counts = await q.counts();
    expect(counts["dead-letter"]).to.equal(0);
    expect(counts.completed).to.equal(1);

    const conflict = await q.retry("dead-1").catch((e: unknown) => e);
    expect(isPasserelleError(conflict, "CONFLICT")).to.equal(true);
    const missing = await q.retry("no-such-job").catch((e: unknown) => e);
    expect(isPasserelleError(missing, "NOT_FOUND")).to.equal(true);
  });

  it("survives a restart of the queue object: stored jobs run on the next one", async () => {
    const first = ctx.open(FAST);
    for (let i = 0; i < 5; i++) await first.enqueue(query("BE", i), { idempotencyKey: `restart-${i}` });
    await first.close();
    const second = ctx.open(FAST);
    const ran: string[] = [];
    second.process("xca-query", async (job) => {
      ran.push(job.id);
      return { documents: [] };
    });
    await waitFor("5 completions", async () => (await second.counts()).completed === 5);
    expect(ran.sort()).to.deep.equal(["restart-0", "restart-1", "restart-2", "restart-3", "restart-4"]);
  });

  it("survives a worker crash: the job held by a killed worker runs again once its lease expires", async function () {
    this.timeout(40_000);
    const q = ctx.open(FAST);
    await q.enqueue(query("BE", 1), { idempotencyKey: "crash-1" });
    await crashWhileHolding(ctx, FAST, "crash-1");
    expect((await q.get("crash-1"))?.state).to.equal("active");
    let calls = 0;
    q.process("xca-query", async () => {
      calls += 1;
      return { documents: [] };
    });
    const job = await finished(q, "crash-1", 20_000);
    expect(job.state).to.equal("completed");
    expect(calls).to.equal(1);
    expect((await q.counts()).completed).to.equal(1);
  });

  it("respects the per-partner concurrency limit", async () => {
    const q = ctx.open({ ...FAST, partnerLimits: { concurrency: 2, ratePerSecond: 1000 } });
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    q.process(
      "xca-query",
      async (job) => {
        const n = (running.get(job.partner) ?? 0) + 1;
        running.set(job.partner, n);
        peak.set(job.partner, Math.max(peak.get(job.partner) ?? 0, n));
        await new Promise((r) => setTimeout(r, 40));
        running.set(job.partner, (running.get(job.partner) ?? 1) - 1);
        return { documents: [] };
      },
      { concurrency: 8 },
    );
    for (let i = 0; i < 10; i++) await q.enqueue(query("BE", i), { idempotencyKey: `be-${i}` });
    for (let i = 0; i < 4; i++) await q.enqueue(query("FR", i), { idempotencyKey: `fr-${i}` });
    await waitFor("14 completions", async () => (await q.counts()).completed === 14, 20_000);
    expect(peak.get("BE")).to.equal(2);
    expect(peak.get("FR")).to.be.at.most(2);
  });

  it("respects the per-partner rate limit", async () => {
    const q = ctx.open({ ...FAST, partnerLimits: { concurrency: 16, ratePerSecond: 5 } });
    const starts: number[] = [];
    q.process("xca-query", async () => {
      starts.push(Date.now());
      return { documents: [] };
    }, { concurrency: 8 });
    for (let i = 0; i < 10; i++) await q.enqueue(query("BE", i), { idempotencyKey: `rate-${i}` });
    await waitFor("10 completions", async () => (await q.counts()).completed === 10, 20_000);
    // Burst of 5 (one second's worth), then 5 per second: the 10th starts about 1 s after the 1st.
    expect(Math.max(...starts) - Math.min(...starts)).to.be.at.least(800);
  });

  it("opens the partner's circuit breaker after consecutive transport failures and closes it after a successful probe", async () => {
    const cooldownMs = 600;
    const q = ctx.open({ ...FAST, retry: { maxAttempts: 1, baseDelayMs: 10, factor: 2, maxDelayMs: 100 }, breaker: { failureThreshold: 2, cooldownMs } });
    const calls: Array<{ id: string; at: number }> = [];
    q.process("xca-query", async (job) => {
      calls.push({ id: job.id, at: Date.now() });
      if (job.id.startsWith("down-")) throw new TransientError("partner down");
      return { documents: [] };
    }, { concurrency: 1 });
    await q.enqueue(query("DE", 1), { idempotencyKey: "down-1" });
    await finished(q, "down-1");
    await q.enqueue(query("DE", 2), { idempotencyKey: "down-2" });
    const opened = await finished(q, "down-2");
    const openedAt = opened.finishedAt!.getTime();
    // Breaker open: the next DE job waits for the cool-down; another partner is not held up.
    await q.enqueue(query("DE", 3), { idempotencyKey: "probe-3" });
    await q.enqueue(query("NL", 1), { idempotencyKey: "nl-1" });
    expect((await finished(q, "nl-1")).state).to.equal("completed");
    const probe = await finished(q, "probe-3");
    expect(probe.state).to.equal("completed");
    expect(probe.attempts).to.equal(1);
    const probeCall = calls.find((c) => c.id === "probe-3")!;
    expect(probeCall.at - openedAt).to.be.at.least(cooldownMs - 50);
    // Closed again: the next DE job runs at once.
    const t = Date.now();
    await q.enqueue(query("DE", 4), { idempotencyKey: "after-4" });
    await finished(q, "after-4");
    expect(calls.find((c) => c.id === "after-4")!.at - t).to.be.below(cooldownMs - 100);
  });

  it("ends each job exactly once with two competing queue objects", async function () {
    this.timeout(40_000);
    const jobs = 60;
    const ran = new Map<string, number>();
    const handler = async (job: StoredJob<"xca-query">) => {
      ran.set(job.id, (ran.get(job.id) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 2));
      return { documents: [] };
    };
    const a = ctx.open(FAST);
    const b = ctx.open(FAST);
    a.process("xca-query", handler, { concurrency: 4 });
    b.process("xca-query", handler, { concurrency: 4 });
    await Promise.all(Array.from({ length: jobs }, (_, i) => (i % 2 ? a : b).enqueue(query(i % 3 ? "BE" : "FR", i), { idempotencyKey: `once-${i}` })));
    await waitFor(`${jobs} completions`, async () => (await a.counts()).completed === jobs, 30_000);
    expect(ran.size).to.equal(jobs);
    expect([...ran.values()].every((n) => n === 1)).to.equal(true);
    const counts = await b.counts();
    expect(counts).to.deep.equal({ waiting: 0, active: 0, delayed: 0, completed: jobs, "failed-permanently": 0, "dead-letter": 0 });
  });

  it("lists by state, type and partner, newest first, page by page", async () => {
    const q = ctx.open(FAST);
    for (let i = 0; i < 5; i++) {
      await q.enqueue(query(i % 2 ? "BE" : "FR", i), { idempotencyKey: `list-${i}` });
      await new Promise((r) => setTimeout(r, 3));
    }
    await q.enqueue({ type: "xcpd-discover", country: "BE", requester: REQUESTER, identifiers: [{ system: "1.2.3", value: "X" }] }, { idempotencyKey: "list-xcpd" });
    expect((await q.list({ type: "xca-query" })).jobs.map((j) => j.id)).to.deep.equal(["list-4", "list-3", "list-2", "list-1", "list-0"]);
    expect((await q.list({ partner: "BE" })).jobs.map((j) => j.id)).to.deep.equal(["list-xcpd", "list-3", "list-1"]);
    expect((await q.list({ state: "completed" })).jobs).to.have.length(0);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await q.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.jobs.length).to.be.at.most(2);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).to.deep.equal(["list-xcpd", "list-4", "list-3", "list-2", "list-1", "list-0"]);
    expect(await q.get("nope")).to.equal(undefined);
  });
});
