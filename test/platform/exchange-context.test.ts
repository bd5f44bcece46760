// Issue 7: every log line written inside an exchange carries its trace id (and exchange id), by the
// exchange context (src/shared/context.ts) and the logger's mixin; lines outside carry none. Checked
// on the logger itself, on a job of the embedded exchange queue, and on two gateways (LU and BE) where
// the BE REST API accepts a patient discovery, its queue job runs, and LU's country A answers the XCPD.
import { expect } from "chai";
import { Writable } from "node:stream";
import { startTwoGateways, type TwoGateways } from "../../scripts/two-gateways";
import { createScenario } from "../../scripts/demo-scenario";
import { auditTrailOf, rawMessagesOf } from "../../src/audit/module";
import { EmbeddedExchangeQueue } from "../../src/exchange/queue/embedded";
import { TransientError, type Job } from "../../src/exchange/queue/port";
import { currentExchangeContext, runInExchangeContext } from "../../src/shared/context";
import { createLogger, type Logger } from "../../src/shared/logger";
import { forEachDatabase } from "../helpers/databases";
import { waitFor } from "../exchange/queue/backends";
import { TEST_REQUESTER as REQUESTER } from "../helpers/requester";

type Line = Record<string, unknown>;

function capture(level = "debug"): { logger: Logger; lines: () => Line[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger({ level, destination: stream }),
    lines: () => chunks.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line),
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("exchange context in the logs", () => {
  it("a line inside carries traceId and exchangeId, across awaits and timers; a line outside none", async () => {
    const out = capture();
    out.logger.info("before");
    await runInExchangeContext({ traceId: "t-1", exchangeId: "x-1" }, async () => {
      out.logger.info("sync");
      await tick();
      out.logger.child({ component: "child" }).warn({ n: 1 }, "after await, child logger");
      await new Promise<void>((r) => setTimeout(() => r(out.logger.info("in a timer")), 1));
    });
    out.logger.info("after");
    const lines = out.lines();
    expect(lines.map((l) => [l.msg, l.traceId, l.exchangeId])).to.deep.equal([
      ["before", undefined, undefined],
      ["sync", "t-1", "x-1"],
      ["after await, child logger", "t-1", "x-1"],
      ["in a timer", "t-1", "x-1"],
      ["after", undefined, undefined],
    ]);
    expect(lines[2]).to.include({ component: "child", n: 1 });
  });

  it("keeps concurrent exchanges apart, and a trace id without an exchange id has none", async () => {
    const out = capture();
    const work = (traceId: string, exchangeId?: string) =>
      runInExchangeContext({ traceId, ...(exchangeId ? { exchangeId } : {}) }, async () => {
        for (let i = 0; i < 5; i += 1) {
          out.logger.info({ i, expect: traceId }, "step");
          await tick();
        }
      });
    await Promise.all([work("a", "xa"), work("b"), work("c", "xc")]);
    const lines = out.lines();
    expect(lines).to.have.length(15);
    for (const l of lines) expect(l.traceId, JSON.stringify(l)).to.equal(l.expect);
    expect(lines.filter((l) => l.traceId === "b").every((l) => !("exchangeId" in l))).to.equal(true);
  });

  it("a line's own fields win over the context's, without changing the context", () => {
    const out = capture();
    runInExchangeContext({ traceId: "t-ctx", exchangeId: "x-ctx" }, () => {
      out.logger.info({ exchangeId: "x-own" }, "own field");
      out.logger.info("context again");
      expect(currentExchangeContext()).to.deep.equal({ traceId: "t-ctx", exchangeId: "x-ctx" });
    });
    const lines = out.lines();
    expect(lines[0]).to.include({ traceId: "t-ctx", exchangeId: "x-own" });
    expect(lines[1]).to.include({ traceId: "t-ctx", exchangeId: "x-ctx" });
  });
});


forEachDatabase("exchange queue job logs", (ctx) => {
  it("every line of a job's attempts (runtime and handler) carries the job's trace id and id; lines outside none", async () => {
    const out = capture();
    const queue = new EmbeddedExchangeQueue({
      database: ctx.database,
      logger: out.logger,
      settings: { retry: { maxAttempts: 3, baseDelayMs: 20, factor: 2, maxDelayMs: 100 }, pollIntervalMs: 20, leaseMs: 1000 },
    });
    try {
      const handlerLog = out.logger.child({ component: "handler" });
      queue.process("xca-query", async (job, { attempt }) => {
        handlerLog.info({ attempt }, "handler started");
        await tick();
        await new Promise<void>((r) => setTimeout(() => r(handlerLog.info({ attempt }, "handler timer")), 1));
        if (attempt === 1) throw new TransientError("partner unreachable");
        handlerLog.info({ job: job.id }, "handler done");
        return { documents: [] };
      });
      out.logger.info("outside: before");
      const job: Job<"xca-query"> = { type: "xca-query", country: "BE", requester: REQUESTER, patientId: { system: "2.16.17.710.850.1000.990.1", value: "P1" }, documentClass: "ps" };
      await queue.enqueue(job, { idempotencyKey: "ctx-job-1", traceId: "trace-ctx-1" });
      await waitFor("the job to complete", async () => (await queue.get("ctx-job-1"))?.state === "completed", 10_000);
      out.logger.info("outside: after");
    } finally {
      await queue.close();
    }
    const lines = out.lines();
    const inside = lines.filter((l) => l.component === "handler" || String(l.msg).startsWith("exchange job"));
    expect(inside.map((l) => l.msg)).to.include.members(["handler started", "handler timer", "exchange job failed (transient), retrying", "handler done", "exchange job completed"]);
    for (const l of inside) expect(l, String(l.msg)).to.include({ traceId: "trace-ctx-1", exchangeId: "ctx-job-1" });
    for (const l of lines.filter((x) => !inside.includes(x))) expect(l, String(l.msg)).to.not.have.any.keys("traceId", "exchangeId");
    expect(lines.filter((l) => String(l.msg).startsWith("outside"))).to.have.length(2);
  });
});

describe("exchange context in two gateways: REST API, queue job, country-A request", function () {
  this.timeout(180_000);
  let two: TwoGateways | undefined;
  const out = capture();
  const lineOf = (gateway: string, pred: (l: Line) => boolean) => out.lines().filter((l) => l.gateway === gateway && pred(l));

  before(async () => {
    two = await startTwoGateways({ logger: out.logger });
  });
  after(async () => {
    await two?.close();
  });

  it("the lines of BE exchanges carry their trace id at BE (REST, job) and their exchange id at LU (country A); startup and polling lines none", async () => {
    const scenario = createScenario(two!, { requestIdPrefix: `ctx-${process.pid}` });
    await scenario.steps[0]!.run(); // BE doctor discovers an LU patient, lists and retrieves her PS
    const exchanges = scenario.report().exchanges;
    expect(exchanges.length).to.be.at.least(1);
    const traceIds = new Set<string>();

    // BE: the REST request that accepted each exchange and the queue job that ran it share its trace id.
    for (const e of exchanges) {
      expect(e.state).to.equal("completed");
      const accepted = lineOf("BE", (l) => l.msg === "exchange accepted" && l.exchangeId === e.id);
      expect(accepted, e.id).to.have.length(1);
      const traceId = accepted[0]!.reqId as string;
      expect(accepted[0]).to.include({ traceId });
      traceIds.add(traceId);
      const job = lineOf("BE", (l) => l.jobId === e.id);
      expect(job.map((l) => l.msg)).to.include("exchange job completed");
      for (const l of job) expect(l, String(l.msg)).to.include({ traceId, exchangeId: e.id });
    }

    // LU: every line of each country-A request carries its exchange id, the one of its audit events and raw messages.
    const lu = two!.gateways.LU.gateway.context;
    const luRequests = lineOf("LU", (l) => String((l.req as { url?: string } | undefined)?.url).startsWith("/ncp/")).map((l) => l.reqId as string);
    expect(luRequests.length, "country-A requests at LU").to.equal(exchanges.length);
    for (const exchangeId of luRequests) {
      const lines = lineOf("LU", (l) => l.reqId === exchangeId);
      for (const l of lines) expect(l, String(l.msg)).to.include({ traceId: exchangeId, exchangeId });
      traceIds.add(exchangeId);
      const { events } = await auditTrailOf(lu).query({ exchangeId });
      expect(events.length, "country-A audit events of the exchange").to.be.at.least(1);
      const raw = await waitFor("the raw messages", async () => {
        const s = await rawMessagesOf(lu).summaries(exchangeId);
        return s.length >= 2 ? s : undefined;
      }, 10_000);
      expect(raw.map((m) => m.direction).sort()).to.deep.equal(["inbound", "outbound"]);
    }

    // Outside an exchange: startup lines and the GET polls carry no trace id.
    const all = out.lines();
    for (const l of all.filter((x) => x.msg === "module started" || x.msg === "Passerelle listening")) expect(l).to.not.have.any.keys("traceId", "exchangeId");
    const polls = all.filter((l) => (l.req as { method?: string; url?: string } | undefined)?.method === "GET" && String((l.req as { url?: string }).url).startsWith("/api/v1/exchanges/"));
    expect(polls.length).to.be.at.least(1);
    for (const l of polls) expect(l).to.not.have.any.keys("traceId", "exchangeId");
    // And no line carries a trace id other than these exchanges'.
    expect([...new Set(all.map((l) => l.traceId).filter((t) => t !== undefined))].sort()).to.deep.equal([...traceIds].sort());
  });
});
