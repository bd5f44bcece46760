// REST for the national record system (issue 4 "Interfaces"), described in schemas/openapi-consent.json.
// Mounted by the consent module at /api/v1/consents on the national listener:
//   GET  /{patient}           current state (ETag = current version) and history
//   GET  /{patient}/history   the append-only history
//   POST /{patient}           record a grant or revocation: idempotent on requestId, If-Match = version
//   POST /import              NDJSON bulk import, streamed progress (Accept: application/x-ndjson)
import express, { Router, type Request, type Response } from "express";
import { nationalClientOf } from "../api/auth";
import { requestIdOf } from "../shared/logger";
import { parseBound } from "./command";
import { ConsentProblem, consentError, consentProblemOf } from "./errors";
import { importConsents, type ImportLineError, type ImportProgress } from "./import";
import { consentProblemHandler } from "./problem";
import type { ConsentService } from "./service";

export const NDJSON_TYPE = "application/x-ndjson";
const MAX_BODY = "64kb";

export function consentRouter(service: ConsentService): Router {
  const router = Router();

  router.post("/import", async (req, res) => {
    if (!req.is(NDJSON_TYPE)) throw consentError(ConsentProblem.InputInvalid, `import body must be ${NDJSON_TYPE}`);
    const streaming = req.accepts(["application/json", NDJSON_TYPE]) === NDJSON_TYPE;
    const correlationId = requestIdOf(req);
    const write = (event: Record<string, unknown>) => res.write(`${JSON.stringify(event)}\n`);
    if (streaming) res.status(200).type(NDJSON_TYPE);
    try {
      const report = await importConsents(service, req, {
        importedBy: importerOf(req, correlationId),
        ...(correlationId ? { correlationId } : {}),
        ...(streaming
          ? {
              onProgress: (p: ImportProgress) => write({ type: "progress", ...p }),
              onError: (e: ImportLineError) => write({ type: "error", ...e }),
            }
          : {}),
      });
      if (streaming) {
        const { errors: _all, ...summary } = report;
        write({ type: "report", ...summary });
        res.end();
      } else res.status(200).json(report);
    } catch (e) {
      if (!streaming) throw e;
      // Headers are gone: the failure is the stream's last line.
      write({ type: "failed", code: consentProblemOf(e) ?? "ERROR_GENERIC", correlationId });
      res.end();
    }
  });

  router.get("/:patient", async (req, res) => {
    const patient = await knownPatient(service, String(req.params.patient));
    const at = typeof req.query.at === "string" ? queryTime(req.query.at) : service.now();
    const current = await service.current(patient, at);
    res.set("ETag", etag(current.state.version)).json(current);
  });

  router.get("/:patient/history", async (req, res) => {
    const patient = await knownPatient(service, String(req.params.patient));
    const history = await service.history(patient);
    const version = history.at(-1)?.version ?? 0;
    res.set("ETag", etag(version)).json({ patient, version, records: history });
  });

  router.post("/:patient", express.json({ limit: MAX_BODY, type: "application/json" }), async (req: Request, res: Response) => {
    const patient = service.checkPatientId(String(req.params.patient));
    const body: unknown = req.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw consentError(ConsentProblem.InputInvalid, "body must be a JSON object (application/json)");
    const given = (body as { patient?: unknown }).patient;
    if (given !== undefined && given !== patient) throw consentError(ConsentProblem.InputInvalid, `body patient ${String(given)} differs from the path's ${patient}`, { location: "/patient" });
    const fromHeader = ifMatchVersion(req.get("If-Match"));
    const fromBody = (body as { expectedVersion?: unknown }).expectedVersion;
    if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
      throw consentError(ConsentProblem.InputInvalid, `If-Match (${fromHeader}) and expectedVersion (${String(fromBody)}) disagree`, { location: "/expectedVersion" });
    }
    const result = await service.recordRaw({ ...body, patient }, { ...(fromHeader !== undefined ? { expectedVersion: fromHeader } : {}), ...correlation(req) });
    res
      .status(201)
      .set("ETag", etag(result.record.version))
      .set("Location", `${req.baseUrl}/${patient}/history`)
      .set("Idempotent-Replayed", String(result.replayed))
      .json(result);
  });

  router.use(consentProblemHandler);
  return router;
}

/**
 * Who imports (CONSENT-IMPORT `who.userId`): the authenticated national client on /api (issue 3), else
 * `rest[:<request id>]` where the router is mounted without the national authentication.
 */
function importerOf(req: Request, correlationId: string | undefined): string {
  if (req.nationalClient) return nationalClientOf(req).name;
  return `rest${correlationId ? `:${correlationId}` : ""}`;
}

function correlation(req: Request): { correlationId?: string } {
  const id = requestIdOf(req);
  return id ? { correlationId: id } : {};
}

function etag(version: number): string {
  return `"${version}"`;
}

/** If-Match: "3" (or W/"3", or 3). Absent: undefined. Anything else: a precise 400. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!m) throw consentError(ConsentProblem.InputInvalid, `If-Match must be the consent version as an entity tag, e.g. "3"; got ${header}`, { location: "If-Match" });
  return Number(m[1]);
}

/** ?at=: a date (00:00 UTC) or a timestamp with offset, as everywhere else in the consent API. */
function queryTime(value: string): string {
  const iso = parseBound(value, "from");
  if (iso === undefined) throw consentError(ConsentProblem.InputInvalid, `at=${value} is not a date (YYYY-MM-DD) nor a timestamp with offset`, { location: "at" });
  return iso;
}

async function knownPatient(service: ConsentService, value: string): Promise<string> {
  const patient = service.checkPatientId(value);
  await service.assertKnownPatient(patient);
  return patient;
}
