// The audit event types of national clients and operators (NATIONAL-CLIENT-REFUSED, OPERATOR-ACTION,
// OPERATOR-LOGIN): recorded in the hash chain with their fields, searchable by type, and exported as
// well-formed ATNA AuditMessages (RFC 3881 element order, DICOM EventID, the actor as requestor). The
// operator events are built by the console's own builders (replayEvent, loginEvent).
import { DOMParser } from "@xmldom/xmldom";
import { expect } from "chai";
import xpath from "xpath";
import { auditMessageXml, ATNA_ROOT_CLOSE, ATNA_ROOT_OPEN } from "../../src/audit/atna";
import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditEventInput } from "../../src/audit/event";
import { exportAuditEvents } from "../../src/audit/export";
import { AuditTrail } from "../../src/audit/trail";
import type { StoredJob } from "../../src/exchange/queue/port";
import { loginEvent } from "../../src/ops/console/auth-routes";
import { replayEvent } from "../../src/ops/console/page-routes";
import { ErrorCode } from "../../src/shared/errors";
import { forEachDatabase } from "../helpers/databases";
import { retrieveEvent } from "./fixtures";

const SOURCE = { homeCommunityId: "urn:oid:1.3.182.2.12.10000734", country: "LU" };

/** RFC 3881 AuditMessage children, in schema order. */
const RFC3881_ORDER = ["EventIdentification", "ActiveParticipant", "AuditSourceIdentification", "ParticipantObjectIdentification"];

const DEAD_JOB = {
  id: "job-dead-7",
  type: "xca-query",
  partner: "FR",
  traceId: "trace-out-7",
} as unknown as StoredJob;

/** As src/api/auth.ts records a refused national client (missing scope). */
const refusedClient: AuditEventInput = {
  type: "NATIONAL-CLIENT-REFUSED",
  outcome: "failure",
  errorCode: ErrorCode.ScopeMissing,
  direction: "inbound",
  who: { userId: "pharmacy-system" },
  details: { outcome: "forbidden", reason: "client pharmacy-system lacks scope consent:write", scheme: "token", address: "10.0.0.7", method: "POST", path: "/api/v1/consents/x" },
};

function parseStrict(xml: string): Document {
  return new DOMParser({
    onError: (level, msg) => {
      throw new Error(`${level}: ${msg}`);
    },
  }).parseFromString(xml, "text/xml") as unknown as Document;
}

const sel = (path: string, node: Node) => xpath.select(path, node) as Element[];

function atnaOf(e: AuditEvent): Element {
  const doc = parseStrict(`${ATNA_ROOT_OPEN}${auditMessageXml(e, SOURCE)}${ATNA_ROOT_CLOSE}`);
  const message = sel("/AuditMessages/AuditMessage", doc as unknown as Node)[0];
  if (!message) throw new Error("no AuditMessage");
  const children = [...Array.from(message.childNodes)].filter((n) => n.nodeType === 1).map((n) => (n as Element).tagName);
  const ranks = children.map((c) => RFC3881_ORDER.indexOf(c));
  expect(ranks, children.join(",")).to.not.include(-1);
  expect(ranks, `RFC 3881 order: ${children.join(",")}`).to.deep.equal([...ranks].sort((a, b) => a - b));
  return message;
}

forEachDatabase("audit events of national clients and operators", (ctx) => {
  let trail: AuditTrail;
  let recorded: AuditEvent[];
  before(async () => {
    trail = new AuditTrail(ctx.database);
    recorded = await trail.recordMany([
      refusedClient,
      replayEvent("alice", "operator", DEAD_JOB.id, { job: DEAD_JOB }),
      replayEvent("alice", "operator", "job-missing", { errorCode: ErrorCode.NotFound }),
      loginEvent("alice", "127.0.0.1", { role: "operator" }),
      loginEvent("mallory", "127.0.0.9", { errorCode: ErrorCode.Unauthenticated }),
      loginEvent("bad\u0007name", "127.0.0.9", { errorCode: ErrorCode.Unauthenticated }),
    ]);
  });

  it("land in the chain with their fields, and are found by type", async () => {
    expect(await trail.verifyChain()).to.include({ ok: true });
    const refused = (await trail.query({ types: ["NATIONAL-CLIENT-REFUSED"] })).events;
    expect(refused).to.have.length(1);
    expect(refused[0]).to.deep.include({ outcome: "failure", errorCode: "SCOPE_MISSING", direction: "inbound", who: { userId: "pharmacy-system" } });
    expect(refused[0]?.details).to.include({ outcome: "forbidden", scheme: "token" });

    const actions = (await trail.query({ types: ["OPERATOR-ACTION"] })).events;
    expect(actions.map((e) => e.outcome)).to.deep.equal(["success", "failure"]);
    expect(actions[0]).to.deep.include({ who: { userId: "alice", partnerCountry: "FR" }, traceId: "trace-out-7", exchangeId: "job-dead-7", direction: "outbound" });
    expect(actions[0]?.details).to.deep.equal({ action: "replay", operatorRole: "operator", jobId: "job-dead-7", jobType: "xca-query", partner: "FR" });
    expect(actions[1]).to.deep.include({ errorCode: "NOT_FOUND", exchangeId: "job-missing", who: { userId: "alice" } });
    // The replay shares the job's exchange id with country B's audit events: it is in that exchange's timeline.
    expect((await trail.query({ exchangeId: "job-dead-7" })).events.map((e) => e.type)).to.deep.equal(["OPERATOR-ACTION"]);

    const logins = (await trail.query({ types: ["OPERATOR-LOGIN"] })).events;
    expect(logins.map((e) => [e.who?.userId, e.outcome, e.errorCode])).to.deep.equal([
      ["alice", "success", undefined],
      ["mallory", "failure", "UNAUTHENTICATED"],
      [undefined, "failure", "UNAUTHENTICATED"],
    ]);
    expect(logins[0]?.details).to.deep.equal({ address: "127.0.0.1", operatorRole: "operator" });
  });

  it("export as well-formed ATNA messages: Security Alert or User Authentication, the actor as requestor", async () => {
    const byType = new Map(recorded.map((e) => [`${e.type}/${e.outcome}`, e]));
    const refused = atnaOf(byType.get("NATIONAL-CLIENT-REFUSED/failure")!);
    expect(sel("EventIdentification/EventID", refused)[0]?.getAttribute("csd-code")).to.equal("110113");
    expect(sel("EventIdentification/EventTypeCode", refused).map((c) => [c.getAttribute("csd-code"), c.getAttribute("displayName")])).to.deep.equal([["NATIONAL-CLIENT-REFUSED", "passerelle::NationalClientRefused"]]);
    expect(sel("EventIdentification", refused)[0]?.getAttribute("EventOutcomeIndicator")).to.equal("4");
    expect(sel("EventIdentification/EventOutcomeDescription", refused)[0]?.textContent).to.equal("SCOPE_MISSING");
    expect(sel("ActiveParticipant[@UserIsRequestor='true']", refused).map((p) => p.getAttribute("UserID"))).to.include("pharmacy-system");

    const replay = atnaOf(byType.get("OPERATOR-ACTION/success")!);
    expect(sel("EventIdentification/EventID", replay)[0]?.getAttribute("csd-code")).to.equal("110113");
    expect(sel("EventIdentification", replay)[0]?.getAttribute("EventActionCode")).to.equal("E");
    expect(sel("EventIdentification", replay)[0]?.getAttribute("EventOutcomeIndicator")).to.equal("0");
    expect(sel("EventIdentification/EventTypeCode", replay)[0]?.getAttribute("displayName")).to.equal("passerelle::OperatorAction");
    expect(sel("ActiveParticipant[@UserIsRequestor='true']", replay)[0]?.getAttribute("UserID")).to.equal("alice");
    const job = sel("ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole='4']", replay)[0];
    expect(job?.getAttribute("ParticipantObjectID")).to.equal("job-dead-7");
    const trace = sel("ParticipantObjectDetail[@type='passerelle:traceId']", job as unknown as Node)[0]?.getAttribute("value");
    expect(Buffer.from(trace ?? "", "base64").toString()).to.equal("trace-out-7");

    const login = atnaOf(byType.get("OPERATOR-LOGIN/success")!);
    expect(sel("EventIdentification/EventID", login)[0]?.getAttribute("csd-code")).to.equal("110114");
    expect(sel("ActiveParticipant[@UserIsRequestor='true']", login)[0]?.getAttribute("UserID")).to.equal("alice");
    const failedLogin = atnaOf(byType.get("OPERATOR-LOGIN/failure")!);
    expect(sel("EventIdentification", failedLogin)[0]?.getAttribute("EventOutcomeIndicator")).to.equal("4");

    // The streamed export of the whole range parses as one document with one message per event.
    const chunks: string[] = [];
    await exportAuditEvents(trail, { query: {}, format: "atna", source: SOURCE, write: (c) => void chunks.push(c) });
    expect(sel("/AuditMessages/AuditMessage", parseStrict(chunks.join("")) as unknown as Node)).to.have.length(recorded.length);
  });
});

describe("ATNA coding of every audit event type", () => {
  it("each type exports a well-formed AuditMessage with a DICOM EventID and its own EventTypeCode", () => {
    for (const [i, type] of AUDIT_EVENT_TYPES.entries()) {
      const event: AuditEvent = { ...retrieveEvent({ type }), id: `e-${i}`, seq: i + 1, time: "2026-11-27T20:00:00.000Z", prevHash: "0".repeat(64), hash: "1".repeat(64) };
      const message = atnaOf(event);
      expect(sel("EventIdentification/EventID", message)[0]?.getAttribute("codeSystemName"), type).to.equal("DCM");
      expect(sel("EventIdentification/EventTypeCode", message)[0]?.getAttribute("csd-code"), type).to.equal(type);
      expect(sel("EventIdentification", message)[0]?.getAttribute("EventActionCode"), type).to.match(/^[CRUDE]$/);
    }
  });
});
