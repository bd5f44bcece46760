// Queues (issue 7): the embedded queue's essentials (jobs by state, a filtered job list, one job with
// its failure) and the replay of a dead-lettered or permanently failed job (operator role, POST with
// CSRF token). With REDIS_URL, BullMQ's own board is mounted under /ops/queues/board as well.
import type { JobCounts, StoredJob } from "../../exchange/queue/port";
import { JOB_STATES, JOB_TYPES } from "../../exchange/queue/port";
import { el } from "../../shared/xml";
import { mayReplay } from "../operators/accounts";
import { jobService } from "./exchanges-data";
import { href, link, page, postButton, select, field, table, type PageViewer } from "./html";

export function queuesPage(viewer: PageViewer, counts: JobCounts, kind: string, boardMounted: boolean): string {
  return page(
    "Queues",
    viewer,
    el("p", {}, `Exchange queue: ${kind === "bullmq" ? "BullMQ (Redis)" : "embedded (database table)"}.`, boardMounted ? [" ", link("/ops/queues/board/", "Open the BullMQ board")] : undefined),
    table("Jobs by state", ["State", "Jobs"], JOB_STATES.map((s) => [s, link(href("/ops/queues/jobs", { state: s }), String(counts[s]))])),
    el("p", {}, link(href("/ops/queues/jobs", { state: "dead-letter" }), `Dead letters: ${counts["dead-letter"]}`)),
  );
}

export interface JobFilters {
  readonly state?: string;
  readonly types?: string;
  readonly partner?: string;
  readonly cursor?: string;
}

export function jobListPage(viewer: PageViewer, f: JobFilters, jobs: readonly StoredJob[], nextCursor: string | undefined): string {
  const form = el(
    "form",
    { method: "get", action: "/ops/queues/jobs", class: "filters", role: "search" },
    select("state", "State", f.state, [["", "any"], ...JOB_STATES.map((s) => [s, s] as const)]),
    select("types", "Job type", f.types, [["", "any"], ...JOB_TYPES.map((t) => [t, t] as const)]),
    field("partner", "Partner", f.partner, { size: "8" }),
    el("div", { class: "field" }, el("button", { type: "submit" }, "Filter")),
  );
  const rows = jobs.map((j) => [
    link(`/ops/queues/jobs/${encodeURIComponent(j.id)}`, j.id),
    j.type,
    jobService(j),
    j.partner,
    el("span", { class: j.state === "dead-letter" || j.state === "failed-permanently" ? "bad" : "good" }, j.state),
    `${j.attempts}/${j.maxAttempts}`,
    j.createdAt.toISOString().replace("T", " ").slice(0, 19),
    j.failure ? `${j.failure.code}` : "",
    link(href("/ops/exchanges", { trace: j.traceId }), j.traceId),
  ]);
  const { cursor: _c, ...rest } = f;
  void _c;
  return page(
    "Queue jobs",
    viewer,
    form,
    table("Jobs, newest first", ["Job id", "Type", "Service", "Partner", "State", "Attempts", "Created (UTC)", "Failure", "Trace id"], rows, "no job matches."),
    el("nav", { "aria-label": "Pages", class: "pager" }, nextCursor ? link(href("/ops/queues/jobs", { ...rest, cursor: nextCursor }), "Next page") : undefined),
  );
}

export function jobPage(viewer: PageViewer, j: StoredJob, notice?: string): string {
  const replayable = j.state === "dead-letter" || j.state === "failed-permanently";
  const facts: [string, string][] = [
    ["Type", j.type],
    ["Partner", j.partner],
    ["State", j.state],
    ["Attempts", `${j.attempts} of ${j.maxAttempts}`],
    ["Trace id", j.traceId],
    ["Created", j.createdAt.toISOString()],
    ["Updated", j.updatedAt.toISOString()],
    ["Finished", j.finishedAt?.toISOString() ?? "–"],
    ["Failure", j.failure ? `${j.failure.code}: ${j.failure.message}` : "–"],
  ];
  return page(
    `Job ${j.id}`,
    viewer,
    notice ? el("p", { class: "good", role: "status" }, notice) : undefined,
    el("dl", { class: "facts" }, facts.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    el("p", {}, link(href("/ops/exchanges", { trace: j.traceId }), "Audit events of this trace")),
    replayable
      ? mayReplay(viewer.role)
        ? postButton(`/ops/queues/jobs/${encodeURIComponent(j.id)}/replay`, "Replay this exchange", viewer.csrfToken, "danger")
        : el("p", {}, "Replay needs the operator role.")
      : undefined,
  );
}
