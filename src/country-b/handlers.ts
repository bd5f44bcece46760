// The exchange queue's handlers of country B (src/exchange/queue/README.md "Handler rules"): each job
// runs its use case with the job id as exchange id (raw messages and audit events carry it) and the
// job's trace id, honours the queue's abort signal, and lets the use case's errors through as they
// are: TransientError (retried), BusinessError / PasserelleError (final).
import type { HandlerContext, JobHandler, StoredJob } from "../exchange/queue/port";
import type { CountryBDeps, ExchangeRun } from "./deps";
import { submitDispensation } from "./dispense";
import { discoverPatient, listDocuments, retrieveForClinician } from "./exchanges";
import type { CountryBJobType } from "./results";

function runOf(job: StoredJob, ctx: HandlerContext): ExchangeRun {
  return { exchangeId: job.id, traceId: job.traceId, signal: ctx.signal };
}

export function countryBHandlers(deps: CountryBDeps): { [T in CountryBJobType]: JobHandler<T> } {
  return {
    "xcpd-discover": (job, ctx) => discoverPatient(deps, runOf(job, ctx), job.job),
    "xca-query": (job, ctx) => listDocuments(deps, runOf(job, ctx), job.job),
    "xca-retrieve": (job, ctx) => retrieveForClinician(deps, runOf(job, ctx), job.job),
    "xdr-submit": (job, ctx) => submitDispensation(deps, runOf(job, ctx), job.job),
  };
}
