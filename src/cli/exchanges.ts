// `passerelle exchanges list|show|retry`: the operator's view of the exchange queue (issue 6): what
// is waiting, running, delayed for a retry, completed, failed for good or dead-lettered, and replay
// of a dead letter once the partner is back. Works on the configured queue (REDIS_URL or the database).
import type { Command } from "commander";
import { openExchangeQueue } from "../exchange/queue/factory";
import { JOB_STATES, isJobType, type ExchangeQueue, type JobState, type StoredJob } from "../exchange/queue/port";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { CliContext } from "./context";

async function withQueue<T>(ctx: CliContext, fn: (queue: ExchangeQueue) => Promise<T>): Promise<T> {
  return ctx.withDatabase(async (database) => {
    const queue = openExchangeQueue({ config: ctx.config(), database });
    try {
      return await fn(queue);
    } finally {
      await queue.close();
    }
  });
}

/** The job as JSON for --json output (dates as ISO strings). */
export function jobJson(job: StoredJob): Record<string, unknown> {
  return {
    id: job.id,
    type: job.type,
    partner: job.partner,
    state: job.state,
    traceId: job.traceId,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    runAt: job.runAt?.toISOString(),
    finishedAt: job.finishedAt?.toISOString(),
    failure: job.failure,
    result: job.result,
    job: job.job,
  };
}

export function jobLine(job: StoredJob): string {
  const failure = job.failure ? `  ${job.failure.code}: ${job.failure.message}` : "";
  return `${job.id}  ${job.type}  ${job.partner}  ${job.state}  ${job.attempts}/${job.maxAttempts}  ${job.createdAt.toISOString()}${failure}`;
}

export function describeJob(job: StoredJob): string[] {
  const lines = [
    `id          ${job.id}`,
    `type        ${job.type}`,
    `partner     ${job.partner}`,
    `state       ${job.state}`,
    `trace id    ${job.traceId}`,
    `attempts    ${job.attempts} of ${job.maxAttempts}`,
    `created     ${job.createdAt.toISOString()}`,
    `updated     ${job.updatedAt.toISOString()}`,
  ];
  if (job.runAt) lines.push(`runs at     ${job.runAt.toISOString()}`);
  if (job.finishedAt) lines.push(`finished    ${job.finishedAt.toISOString()}`);
  if (job.failure) lines.push(`failure     ${job.failure.code} (${job.failure.transient ? "transport" : "business"}, attempt ${job.failure.attempt}, ${job.failure.at}): ${job.failure.message}`);
  lines.push(`job         ${JSON.stringify(job.job)}`);
  if (job.result !== undefined) lines.push(`result      ${JSON.stringify(job.result)}`);
  return lines;
}

function checkState(state: string | undefined): JobState | undefined {
  if (state === undefined) return undefined;
  if (!(JOB_STATES as readonly string[]).includes(state)) throw new PasserelleError(ErrorCode.InputInvalid, `--state ${state}: expected one of ${JOB_STATES.join(", ")}`);
  return state as JobState;
}

export function registerExchangesCommands(program: Command, ctx: CliContext): void {
  const exchanges = program.command("exchanges").description("exchange queue: jobs, dead letters, replay");

  exchanges
    .command("list")
    .description("list exchange jobs, newest first")
    .option("--state <state>", `one of ${JOB_STATES.join(", ")}`)
    .option("--type <type>", "job type, e.g. xca-retrieve, deliver-dispensation")
    .option("--partner <country>", "partner country (or national)")
    .option("--limit <n>", "at most n jobs (default 50, at most 1000)")
    .option("--cursor <cursor>", "next page (printed after a full page)")
    .option("--json", "machine-readable output")
    .action(async (o: { state?: string; type?: string; partner?: string; limit?: string; cursor?: string; json?: boolean }) => {
      const state = checkState(o.state);
      if (o.type !== undefined && !isJobType(o.type)) throw new PasserelleError(ErrorCode.InputInvalid, `--type ${o.type}: unknown job type`);
      const limit = o.limit === undefined ? undefined : Number(o.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw new PasserelleError(ErrorCode.InputInvalid, "--limit: a whole number 1..1000");
      const page = await withQueue(ctx, (q) =>
        q.list({ ...(state ? { state } : {}), ...(o.type && isJobType(o.type) ? { type: o.type } : {}), ...(o.partner ? { partner: o.partner } : {}), ...(limit ? { limit } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) }),
      );
      if (o.json) {
        ctx.out(JSON.stringify({ jobs: page.jobs.map(jobJson), nextCursor: page.nextCursor ?? null }));
        return;
      }
      if (page.jobs.length === 0) ctx.out("no exchange jobs");
      for (const job of page.jobs) ctx.out(jobLine(job));
      if (page.nextCursor) ctx.out(`more: --cursor ${page.nextCursor}`);
    });

  exchanges
    .command("show <id>")
    .description("show one exchange job: payload, attempts, last failure, result")
    .option("--json", "machine-readable output")
    .action(async (id: string, o: { json?: boolean }) => {
      const job = await withQueue(ctx, (q) => q.get(id));
      if (!job) throw new PasserelleError(ErrorCode.NotFound, `no exchange job ${id}`);
      if (o.json) ctx.out(JSON.stringify(jobJson(job)));
      else for (const line of describeJob(job)) ctx.out(line);
    });

  exchanges
    .command("retry <id>")
    .description("replay a dead-letter (or failed-permanently) job: back to waiting with fresh attempts")
    .action(async (id: string) => {
      const job = await withQueue(ctx, (q) => q.retry(id));
      ctx.out(`exchange job ${job.id} is ${job.state} again (${job.type}, ${job.partner})`);
    });
}
