// REST API of country B for our national clients (issue 6 "REST API"), mounted at /api/v1/exchanges
// on the national listener, behind the national client authentication (src/api/auth.ts, scope
// `exchanges`). Described in schemas/openapi-exchanges.json (served at /api/docs).
//   POST /patient-discovery   XCPD in the visitor's country
//   POST /document-list       XCA query: the visitor's PS or eP documents
//   POST /document-retrieve   XCA retrieve: one document, translated into the clinician's language, rendered
//   POST /dispensation        XDR: the eDispensation of a foreign ePrescription dispensed here
//   GET  /{id}                the exchange's state and result (or problem)
//   GET  /{id}/html           the HTML rendering of a retrieved PS or eP
// Every POST answers 202 with the exchange at once; the work runs in the exchange queue. The
// `Idempotency-Key` header (the client's request id) is required: the same key with the same body
// returns the same exchange, with another body 409. Exchange ids are the client's name and its key,
// so a client sees only its own exchanges.
import express, { Router, type Request, type Response } from "express";
import { nationalClientOf } from "../auth";
import { PROBLEM_CONTENT_TYPE } from "../../app/problem";
import { renderClinicalDocumentHtml } from "../../documents/html/render";
import { IDEMPOTENCY_KEY, type ExchangeQueue, type Job, type StoredJob } from "../../exchange/queue/port";
import { runInExchangeContext } from "../../shared/context";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { requestIdOf } from "../../shared/logger";
import { OPERATION_NAMES, jobOfRequest, type Operation } from "./requests";
import { exchangeView } from "./view";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
const MAX_BODY = "256kb";
/** Content-Security-Policy of the HTML renderings: nothing but their inline style. */
export const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface ExchangesRouterOptions {
  readonly queue: ExchangeQueue;
  /** This gateway's country (a request for it is refused: that is the national system's business). */
  readonly country: string;
}

/** JSON with keys sorted, to compare a repeated request with the stored one. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function exchangeIdOf(req: Request): string {
  const client = nationalClientOf(req).name;
  const key = req.get(IDEMPOTENCY_HEADER);
  if (!key) throw new PasserelleError(ErrorCode.InputInvalid, `the ${IDEMPOTENCY_HEADER} header (the client's request id) is required`, { location: IDEMPOTENCY_HEADER });
  const id = `${client}.${key}`;
  if (!IDEMPOTENCY_KEY.test(key) || !IDEMPOTENCY_KEY.test(id)) {
    throw new PasserelleError(ErrorCode.InputInvalid, `${IDEMPOTENCY_HEADER}: letters, digits and . _ ~ -, at most ${Math.max(1, 127 - client.length)} characters`, { location: IDEMPOTENCY_HEADER });
  }
  return id;
}

/** The caller's own exchange, or NOT_FOUND (another client's exchange is not revealed). */
async function ownExchange(queue: ExchangeQueue, req: Request): Promise<StoredJob> {
  const id = String(req.params.id);
  const job = id.startsWith(`${nationalClientOf(req).name}.`) ? await queue.get(id) : undefined;
  if (!job || job.type === "deliver-dispensation") throw new PasserelleError(ErrorCode.NotFound, `no exchange ${id}`);
  return job;
}

function accepted(res: Response, job: StoredJob): void {
  const view = exchangeView(job);
  res.status(202).location(view.links.self).json(view);
}

export function exchangesRouter(options: ExchangesRouterOptions): Router {
  const router = Router();
  const json = express.json({ limit: MAX_BODY, type: ["application/json", "application/*+json"] });

  for (const operation of OPERATION_NAMES) {
    router.post(`/${operation}`, json, async (req, res) => {
      if (!req.is(["application/json", "application/*+json"])) throw new PasserelleError(ErrorCode.InputInvalid, "the body must be application/json", { location: "Content-Type" });
      const id = exchangeIdOf(req);
      const traceId = requestIdOf(req);
      // The request id becomes the job's trace id: the lines logged here and by the job share it (shared/context.ts).
      await runInExchangeContext({ traceId: traceId ?? id, exchangeId: id }, async () => {
        const job: Job = jobOfRequest(operation as Operation, req.body, options.country);
        const { job: stored, created } = await options.queue.enqueue(job, { idempotencyKey: id, ...(traceId ? { traceId } : {}) });
        if (!created && stableJson(stored.job) !== stableJson(job)) {
          throw new PasserelleError(ErrorCode.Conflict, `${IDEMPOTENCY_HEADER} ${req.get(IDEMPOTENCY_HEADER)} was used for another request`, { location: IDEMPOTENCY_HEADER });
        }
        req.log?.info({ exchange: stored.id, operation, country: job.type === "deliver-dispensation" ? undefined : job.country, created }, "exchange accepted");
        accepted(res, stored);
      });
    });
  }

  router.get("/:id", async (req, res) => {
    res.json(exchangeView(await ownExchange(options.queue, req)));
  });

  router.get("/:id/html", async (req, res) => {
    const job = await ownExchange(options.queue, req);
    if (job.type !== "xca-retrieve") throw new PasserelleError(ErrorCode.NotFound, `exchange ${job.id} is a ${exchangeView(job).operation}: no HTML rendering`);
    if (job.state !== "completed" || !job.result) {
      const view = exchangeView(job);
      if (view.problem) {
        res.status(view.problem.status).type(PROBLEM_CONTENT_TYPE).json(view.problem);
        return;
      }
      throw new PasserelleError(ErrorCode.Conflict, `exchange ${job.id} is ${job.state}: no document yet`);
    }
    const result = job.result as StoredJob<"xca-retrieve">["result"] & object;
    const html = result.html || renderClinicalDocumentHtml(result.translatedXml, { language: result.language });
    res.set("Content-Security-Policy", HTML_CSP).set("X-Content-Type-Options", "nosniff").type("text/html; charset=utf-8").send(html);
  });

  return router;
}
