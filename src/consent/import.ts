// Bulk import of consent changes as NDJSON (issue 4: "bulk import as NDJSON with a progress report and
// a per-line error report that loses no good line"). One JSON command per line (schemas/consent-
// command.json, `patient` required). Lines are validated one by one; good lines are grouped into
// batches, planned against the stored histories (the same rules as a single change: idempotency,
// expected version, no overlap) and written in one multi-row transaction per batch. If a batch write
// fails (a concurrent writer took a version or a request id), its lines are retried one by one, so a
// bad or conflicting line never costs a good one.
import { parseCommand } from "./command";
import { ConsentProblem, consentError, consentProblemOf } from "./errors";
import type { ConsentCommand, ConsentRecord } from "./model";
import { ndjsonLines } from "./ndjson";
import { planAppend } from "./registry-rules";
import { isUniqueViolation } from "../storage/errors";
import type { ConsentService } from "./service";
import { isPasserelleError } from "../shared/errors";

export interface ImportProgress {
  /** Lines read so far (blank lines included). */
  readonly lines: number;
  readonly bytesRead: number;
  readonly imported: number;
  /** Lines whose request id was already recorded with the same body: nothing written, not an error. */
  readonly replayed: number;
  readonly rejected: number;
}

export interface ImportLineError {
  readonly line: number;
  /** Stable problem code (CONSENT_*), or ERROR_GENERIC for an unexpected failure. */
  readonly code: string;
  readonly message: string;
  readonly location?: string;
  readonly requestId?: string;
}

export interface ImportReport extends ImportProgress {
  /** The first `maxErrorsKept` errors, in line order; all of them went to onError. */
  readonly errors: readonly ImportLineError[];
  readonly errorsOmitted: number;
}

export interface ImportOptions {
  readonly importedBy: string;
  /** Lines per write transaction (default 2000). */
  readonly batchSize?: number;
  /** Check each patient against the national records when the service has a directory (default true). */
  readonly checkPatients?: boolean;
  readonly maxErrorsKept?: number;
  readonly maxLineBytes?: number;
  readonly correlationId?: string;
  onProgress?(progress: ImportProgress): void;
  onError?(error: ImportLineError): void;
}

interface Pending {
  readonly line: number;
  readonly command: ConsentCommand;
  readonly expectedVersion: number | undefined;
}

export async function importConsents(service: ConsentService, input: AsyncIterable<Buffer | string>, options: ImportOptions): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 2000;
  const maxErrorsKept = options.maxErrorsKept ?? 10_000;
  const errors: ImportLineError[] = [];
  let errorsOmitted = 0;
  let lines = 0;
  let bytesRead = 0;
  let imported = 0;
  let replayed = 0;
  let rejected = 0;
  let batch: Pending[] = [];

  const progress = (): ImportProgress => ({ lines, bytesRead, imported, replayed, rejected });
  const reject = (line: number, e: unknown, requestId?: string) => {
    rejected += 1;
    const err = lineError(line, e, requestId);
    if (errors.length < maxErrorsKept) errors.push(err);
    else errorsOmitted += 1;
    options.onError?.(err);
  };

  // One batch is written while the next one is parsed (pipelining: the database works while this
  // process parses). Writes stay sequential, so a batch is planned against every earlier batch.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    await writing;
    writing = writeBatch(service, current, options.checkPatients ?? true).then((outcome) => {
      imported += outcome.imported;
      replayed += outcome.replayed;
      for (const f of outcome.failures) reject(f.line, f.error, f.requestId);
      options.onProgress?.(progress());
    });
    writing.catch(() => undefined); // handled: the next `await writing` rethrows it
  };

  for await (const l of ndjsonLines(input, options.maxLineBytes)) {
    lines = l.number;
    bytesRead = l.bytesRead;
    if ("tooLong" in l) {
      reject(l.number, consentError(ConsentProblem.InputInvalid, `line longer than ${options.maxLineBytes ?? 65536} bytes`));
      continue;
    }
    if (l.text.trim() === "") continue;
    try {
      const { command, expectedVersion } = parseCommand(JSON.parse(l.text), service.patientIds);
      batch.push({ line: l.number, command, expectedVersion });
    } catch (e) {
      reject(l.number, e instanceof SyntaxError ? consentError(ConsentProblem.InputInvalid, `not JSON: ${e.message}`) : e);
    }
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await writing;
  options.onProgress?.(progress());
  errors.sort((a, b) => a.line - b.line);
  await service.auditSink.record({
    type: "consent-import",
    at: service.now().toISOString(),
    importedBy: options.importedBy,
    lines,
    imported,
    replayed,
    rejected,
    ...(options.correlationId ? { correlationId: options.correlationId } : {}),
  });
  return { ...progress(), errors, errorsOmitted };
}

interface Failure {
  line: number;
  error: unknown;
  requestId: string;
}

interface BatchOutcome {
  imported: number;
  replayed: number;
  failures: Failure[];
}

async function writeBatch(service: ConsentService, batch: readonly Pending[], checkPatients: boolean): Promise<BatchOutcome> {
  const repo = service.repository;
  const failures: Failure[] = [];
  let candidates: Pending[] = [...batch];
  const directory = checkPatients ? service.patientDirectory : undefined;
  if (directory) {
    const known = new Map<string, boolean>();
    for (const p of new Set(batch.map((b) => b.command.patient))) known.set(p, await directory.exists(p));
    candidates = [];
    for (const b of batch) {
      if (known.get(b.command.patient)) candidates.push(b);
      else failures.push({ line: b.line, error: consentError(ConsentProblem.PatientUnknown, `patient ${b.command.patient} is not known to the national record system`, { location: "/patient" }), requestId: b.command.requestId });
    }
  }
  const patients = [...new Set(candidates.map((b) => b.command.patient))];
  const now = service.now().toISOString();
  try {
    // Optimistic path: plan as if no request id of the batch were stored yet (the common case of
    // new changes); the unique index on request_id tells when that was wrong, and the careful path
    // below plans again with the stored records. Saves a lookup per line on large imports.
    // A refused line may be a replay or a reused id in truth: then too the careful path decides.
    const careful = async () => {
      const plan = planBatch(candidates, await repo.histories(patients), await repo.byRequestIds(candidates.map((b) => b.command.requestId)), now);
      await repo.insertMany(plan.toInsert);
      return done(service, batch, plan, failures);
    };
    const plan = planBatch(candidates, await repo.histories(patients), new Map(), now);
    if (plan.failures.length > 0) return await careful();
    try {
      await repo.insertMany(plan.toInsert);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      return await careful();
    }
    return done(service, batch, plan, failures);
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    // A concurrent writer took a version or a request id meanwhile: the lines one by one, each
    // planned again by the ordinary path, so that no good line is lost.
    const out: BatchOutcome = { imported: 0, replayed: 0, failures };
    for (const b of candidates) {
      try {
        const r = await repo.append(b.command, { expectedVersion: b.expectedVersion, now: () => now });
        if (r.replayed) out.replayed += 1;
        else out.imported += 1;
      } catch (err) {
        out.failures.push({ line: b.line, error: err, requestId: b.command.requestId });
      }
    }
    for (const p of patients) service.invalidate(p);
    return out;
  }
}

interface BatchPlan {
  readonly toInsert: ConsentRecord[];
  readonly replayed: number;
  readonly failures: Failure[];
}

/** Plans the batch's lines in order against the histories (mutated: planned records are appended). */
function planBatch(candidates: readonly Pending[], histories: Map<string, ConsentRecord[]>, stored: Map<string, ConsentRecord>, now: string): BatchPlan {
  const toInsert: ConsentRecord[] = [];
  const failures: Failure[] = [];
  let replayed = 0;
  for (const b of candidates) {
    const history = histories.get(b.command.patient) ?? [];
    try {
      const plan = planAppend(history, b.command, { expectedVersion: b.expectedVersion, sameRequest: stored.get(b.command.requestId), now });
      if (plan.kind === "replay") replayed += 1;
      else {
        history.push(plan.record);
        histories.set(b.command.patient, history);
        stored.set(b.command.requestId, plan.record); // a repeat later in the file is a replay or a conflict
        toInsert.push(plan.record);
      }
    } catch (e) {
      failures.push({ line: b.line, error: e, requestId: b.command.requestId });
    }
  }
  return { toInsert, replayed, failures };
}

function done(service: ConsentService, batch: readonly Pending[], plan: BatchPlan, failures: Failure[]): BatchOutcome {
  for (const p of new Set(batch.map((b) => b.command.patient))) service.invalidate(p);
  return { imported: plan.toInsert.length, replayed: plan.replayed, failures: [...failures, ...plan.failures] };
}

function lineError(line: number, e: unknown, requestId?: string): ImportLineError {
  const code = consentProblemOf(e) ?? (isPasserelleError(e) ? e.code : "ERROR_GENERIC");
  const location = isPasserelleError(e) && typeof e.details.location === "string" ? e.details.location : undefined;
  return { line, code, message: (e as Error).message ?? String(e), ...(location ? { location } : {}), ...(requestId ? { requestId } : {}) };
}
