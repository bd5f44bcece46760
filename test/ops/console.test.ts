// The operator console over a real HTTPS socket (supertest against the national listener): login,
// wrong password, rate limits, CSRF, roles, logout, session expiry, security headers, and the pages
// with the data of a scripted exchange run.
import { expect } from "chai";
import { sql } from "kysely";
import request from "supertest";
import { auditTrailOf } from "../../src/audit/module";
import { exchangeQueueOf } from "../../src/exchange/queue/module";
import type { PartnerGate } from "../../src/exchange/queue/partner-gate";
import { OperatorAccounts } from "../../src/ops/operators/accounts";
import { DEAD_JOB_ID, FAILED_EXCHANGE_ID, OUTBOUND_PATIENT, PASSWORDS, PATIENT, scriptedRun, startConsoleGateway, type ConsoleGateway } from "./console-fixture";

type Role = keyof typeof PASSWORDS;

interface Session {
  cookie: string;
  csrf: string;
}

function agent(gw: ConsoleGateway) {
  return {
    get: (path: string, cookie?: string) => {
      const r = request(gw.base).get(path).disableTLSCerts();
      return cookie ? r.set("Cookie", cookie) : r;
    },
    post: (path: string, form: Record<string, string>, cookie?: string) => {
      const r = request(gw.base).post(path).disableTLSCerts().type("form").send(form);
      return cookie ? r.set("Cookie", cookie) : r;
    },
  };
}

async function login(gw: ConsoleGateway, name: Role | string, password: string): Promise<Session> {
  const res = await agent(gw).post("/ops/login", { name, password, next: "/ops" });
  expect(res.status, res.text).to.equal(303);
  const setCookie = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
  const cookie = setCookie[0]?.split(";")[0] ?? "";
  const page = await agent(gw).get("/ops/queues", cookie);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? "";
  expect(csrf).to.have.length.greaterThan(20);
  return { cookie, csrf };
}

describe("operator console (HTTPS, supertest)", function () {
  this.timeout(60_000);
  let gw: ConsoleGateway;

  before(async () => {
    gw = await startConsoleGateway({ loginLimits: { perAddress: 8, perAccount: 3, windowMs: 60_000 } });
    await scriptedRun(gw);
  });
  after(async () => {
    await gw?.stop();
  });

  it("sends a visitor without a session to the login page, with security headers and no inline script allowed", async () => {
    const res = await agent(gw).get("/ops/exchanges?partner=BE");
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/ops/login?next=%2Fops%2Fexchanges%3Fpartner%3DBE");
    const form = await agent(gw).get("/ops/login");
    expect(form.status).to.equal(200);
    expect(form.headers["content-type"]).to.match(/^text\/html/);
    expect(form.headers["content-security-policy"]).to.include("default-src 'none'").and.not.include("unsafe-inline");
    expect(form.headers["x-frame-options"]).to.equal("DENY");
    expect(form.headers["strict-transport-security"]).to.match(/max-age=\d+/);
    expect(form.text).to.include('<label for="f-password">Password</label>');
    expect(form.text).not.to.match(/<script|style=/);
  });

  it("logs in with a Secure, HttpOnly, SameSite=Strict __Host- cookie and shows the operator", async () => {
    const res = await agent(gw).post("/ops/login", { name: "viewer", password: PASSWORDS.viewer, next: "/ops/partners" });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/ops/partners");
    const cookie = String(res.headers["set-cookie"]);
    expect(cookie).to.match(/^__Host-passerelle-ops=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
    const overview = await agent(gw).get("/ops", cookie.split(";")[0]);
    expect(overview.status).to.equal(200);
    expect(overview.text).to.include("viewer (viewer)");
  });

  it("refuses a wrong password without saying which part was wrong, and an open redirect target", async () => {
    const wrong = await agent(gw).post("/ops/login", { name: "operator", password: "not-the-password" });
    expect(wrong.status).to.equal(401);
    expect(wrong.headers["set-cookie"]).to.equal(undefined);
    expect(wrong.text).to.include("Wrong operator name or password.");
    const unknown = await agent(gw).post("/ops/login", { name: "nobody", password: "whatever-password" });
    expect(unknown.status).to.equal(401);
    expect(unknown.text).to.include("Wrong operator name or password.");
    const away = await agent(gw).post("/ops/login", { name: "operator", password: PASSWORDS.operator, next: "//evil.example/ops" });
    expect(away.headers.location).to.equal("/ops");
  });

  it("records each login, accepted or refused, in the audit trail (OPERATOR-LOGIN) before answering", async () => {
    const trail = auditTrailOf(gw.gateway.context);
    const before = (await trail.head()).seq;
    await agent(gw).post("/ops/login", { name: "viewer", password: "not-the-password" }).expect(401);
    await agent(gw).post("/ops/login", { name: "viewer", password: PASSWORDS.viewer }).expect(303);
    const events = (await trail.query({ types: ["OPERATOR-LOGIN"], after: before })).events;
    expect(events.map((e) => [e.who?.userId, e.outcome, e.errorCode, e.details?.operatorRole])).to.deep.equal([
      ["viewer", "failure", "UNAUTHENTICATED", undefined],
      ["viewer", "success", undefined, "viewer"],
    ]);
    expect(events[0]?.details?.address).to.match(/127\.0\.0\.1$/);
    expect(JSON.stringify(events)).to.not.contain("not-the-password").and.not.contain(PASSWORDS.viewer);
  });

  it("limits failed logins per account (then even the right password waits) and per address", async () => {
    const accounts = new OperatorAccounts(gw.gateway.context.database);
    await accounts.add("target", "viewer", "target-password-123");
    for (let i = 0; i < 3; i++) expect((await agent(gw).post("/ops/login", { name: "target", password: `wrong-${i}-password` })).status).to.equal(401);
    const blocked = await agent(gw).post("/ops/login", { name: "target", password: "target-password-123" });
    expect(blocked.status).to.equal(429);
    expect(Number(blocked.headers["retry-after"])).to.be.greaterThan(0);
    // Other accounts from the same address still log in until the address limit (8 failures) is reached.
    await login(gw, "admin", PASSWORDS.admin);
    for (let i = 0; i < 8; i++) await agent(gw).post("/ops/login", { name: `spray${i}`, password: "spray-password-1" });
    expect((await agent(gw).post("/ops/login", { name: "admin", password: PASSWORDS.admin })).status).to.equal(429);
  });
});

describe("operator console pages and actions", function () {
  this.timeout(60_000);
  let gw: ConsoleGateway;
  const sessions: Partial<Record<Role, Session>> = {};

  before(async () => {
    gw = await startConsoleGateway();
    await scriptedRun(gw);
    for (const role of ["admin", "operator", "viewer"] as const) sessions[role] = await login(gw, role, PASSWORDS[role]);
  });
  after(async () => {
    await gw?.stop();
  });
  const s = (role: Role): Session => sessions[role] as Session;

  it("overview: the scripted run's figures, each a link to the exchanges it counts", async () => {
    const res = await agent(gw).get("/ops?window=hour", s("viewer").cookie);
    expect(res.status).to.equal(200);
    // 6 XCPD + 2 PS inbound, one failed; 1 outbound PS query (country B's audit event), failed: its job
    // is dead-lettered, and the job itself is not counted a second time.
    expect(res.text).to.match(/in \(country A\)<\/td><td><a href="\/ops\/exchanges\?from=[^"]+&amp;to=[^"]+&amp;direction=inbound">8<\/a><\/td><td><a href="\/ops\/exchanges\?[^"]*outcome=failure">1<\/a><\/td><td>87.5 %<\/td>/);
    expect(res.text).to.match(/out \(country B\)<\/td><td><a href="\/ops\/exchanges\?from=[^"]+&amp;to=[^"]+&amp;direction=outbound">1<\/a><\/td><td><a href="\/ops\/exchanges\?[^"]*direction=outbound[^"]*outcome=failure">1<\/a><\/td><td>0.0 %<\/td>/);
    expect(res.text).to.match(/<td>PS<\/td><td><a [^>]*>2<\/a><\/td><td><a [^>]*>1<\/a><\/td><td>50.0 %<\/td><td><a [^>]*direction=outbound&amp;service=PS">1<\/a>/);
    expect(res.text).to.match(/partner-FR">FR<\/a><\/td><td><a [^>]*>1<\/a><\/td><td><a [^>]*>1<\/a><\/td><td>0.0 %<\/td><td><a [^>]*direction=outbound&amp;partner=FR">1<\/a>/);
    expect(res.text).to.match(/<td>XCPD<\/td><td><a href="\/ops\/exchanges\?[^"]*service=XCPD">6<\/a>/);
    expect(res.text).to.include("<svg");
    expect(res.text).to.match(/p50 <a [^>]*>43 ms<\/a>, p99 <a [^>]*>900 ms<\/a>/);
    expect(res.text).to.match(/dead-letter<\/td><td><a href="\/ops\/queues\/jobs\?state=dead-letter">1<\/a>/);
  });

  it("exchanges: filters by partner, outcome and patient; the detail shows the timeline and, for operators, the raw messages", async () => {
    const list = await agent(gw).get(`/ops/exchanges?partner=FR&outcome=failure&patient=${encodeURIComponent(PATIENT)}`, s("viewer").cookie);
    expect(list.status).to.equal(200);
    expect(list.text).to.include(`/ops/exchanges/${FAILED_EXCHANGE_ID}`);
    expect(list.text).not.to.include("ex-xcpd-1");
    const bad = await agent(gw).get("/ops/exchanges?from=yesterday", s("viewer").cookie);
    expect(bad.status).to.equal(400);
    expect(bad.text).to.include("is not an ISO 8601 date-time");

    const asViewer = await agent(gw).get(`/ops/exchanges/${FAILED_EXCHANGE_ID}`, s("viewer").cookie);
    expect(asViewer.status).to.equal(200);
    expect(asViewer.text).to.include("CONSENT-DECISION").and.include("EHDSI-22").and.include("4701").and.include("reason=no consent");
    expect(asViewer.text).to.include("Raw messages are shown to operators and admins only.");
    expect(asViewer.text).not.to.include("&lt;Envelope&gt;");
    const asOperator = await agent(gw).get(`/ops/exchanges/${FAILED_EXCHANGE_ID}`, s("operator").cookie);
    expect(asOperator.text).to.include("&lt;Envelope&gt;&lt;Body&gt;retrieve");
    expect((await agent(gw).get("/ops/exchanges/no-such-exchange", s("viewer").cookie)).status).to.equal(404);
  });

  it("exchanges: outbound exchanges (country B's audit events) in the list, by direction, and their detail", async () => {
    const out = await agent(gw).get("/ops/exchanges?direction=outbound", s("viewer").cookie);
    expect(out.status).to.equal(200);
    expect(out.text).to.include(`/ops/exchanges/${DEAD_JOB_ID}`).and.include("<td>out</td><td>PS</td><td>EHDSI-21</td><td>FR</td>");
    expect(out.text).to.include(OUTBOUND_PATIENT.replace(/&/g, "&amp;"));
    expect(out.text).not.to.include("ex-xcpd-1").and.not.include(FAILED_EXCHANGE_ID);
    const inbound = await agent(gw).get("/ops/exchanges?direction=inbound", s("viewer").cookie);
    expect(inbound.text).to.include("ex-xcpd-1").and.not.include(`/ops/exchanges/${DEAD_JOB_ID}`);
    const both = await agent(gw).get("/ops/exchanges", s("viewer").cookie);
    expect(both.text).to.include("ex-xcpd-1").and.include(`/ops/exchanges/${DEAD_JOB_ID}`);

    const detail = await agent(gw).get(`/ops/exchanges/${DEAD_JOB_ID}`, s("viewer").cookie);
    expect(detail.status).to.equal(200);
    expect(detail.text).to.include("out (country B: we asked the partner)").and.include("EHDSI-21").and.include("EHDSI-CF").and.include("trace-out-1");
  });

  it("partners: certificate warning at 30 days and alarm at 7, circuit breaker state", async () => {
    const before = await agent(gw).get("/ops/partners", s("viewer").cookie);
    expect(before.text).to.include('<dt>Circuit breaker</dt><dd><span class="good">closed</span>');
    // Five transport failures in a row open the partner's breaker (default failureThreshold).
    const gate = (exchangeQueueOf(gw.gateway.context) as unknown as { gate: PartnerGate }).gate;
    for (let i = 0; i < 5; i++) gate.breakers.recordTransientFailure("BE");
    const res = await agent(gw).get("/ops/partners", s("viewer").cookie);
    expect(res.text).to.include('<dt>Circuit breaker</dt><dd><span class="alarm">OPEN: jobs to this partner are postponed</span>');
    gate.breakers.recordSuccess("BE");
    expect(res.status).to.equal(200);
    expect(res.text).to.match(/class="warning">WARNING: (19|20) day\(s\) left/);
    expect(res.text).to.match(/class="alarm">ALARM: [23] day\(s\) left/);
    expect(res.text).to.include('id="partner-BE"').and.include("https://ncp.be.example:8443/ncp/xcpd");
  });

  it("consent and audit: decisions per day with the emergency access, audit search, chain intact", async () => {
    const res = await agent(gw).get("/ops/consent?type=CONSENT-DECISION", s("viewer").cookie);
    expect(res.status).to.equal(200);
    expect(res.text).to.match(/Audit chain intact: \d+ event\(s\) checked/);
    const today = new Date().toISOString().slice(0, 10);
    expect(res.text).to.match(new RegExp(`<td>${today}</td><td><a [^>]*outcome=success">1</a></td><td><a [^>]*outcome=failure">1</a></td><td><a [^>]*>1</a></td>`));
  });

  it("POST without the CSRF token is refused (403), with a wrong one too", async () => {
    const none = await agent(gw).post(`/ops/queues/jobs/${DEAD_JOB_ID}/replay`, {}, s("operator").cookie);
    expect(none.status).to.equal(403);
    const wrong = await agent(gw).post(`/ops/queues/jobs/${DEAD_JOB_ID}/replay`, { _csrf: s("viewer").csrf }, s("operator").cookie);
    expect(wrong.status).to.equal(403);
    expect((await exchangeQueueOf(gw.gateway.context).get(DEAD_JOB_ID))?.state).to.equal("dead-letter");
  });

  it("a viewer cannot replay; an operator replays the dead letter (back to waiting, attempts reset)", async () => {
    const page = await agent(gw).get(`/ops/queues/jobs/${DEAD_JOB_ID}`, s("viewer").cookie);
    expect(page.text).to.include("Replay needs the operator role.");
    const byViewer = await agent(gw).post(`/ops/queues/jobs/${DEAD_JOB_ID}/replay`, { _csrf: s("viewer").csrf }, s("viewer").cookie);
    expect(byViewer.status).to.equal(403);
    expect((await exchangeQueueOf(gw.gateway.context).get(DEAD_JOB_ID))?.state).to.equal("dead-letter");
    const trail = auditTrailOf(gw.gateway.context);
    expect((await trail.query({ types: ["OPERATOR-ACTION"] })).events).to.have.length(0);
    const byOperator = await agent(gw).post(`/ops/queues/jobs/${DEAD_JOB_ID}/replay`, { _csrf: s("operator").csrf }, s("operator").cookie);
    expect(byOperator.status).to.equal(303);
    // Durable before acknowledged: the OPERATOR-ACTION is in the trail when the answer arrives.
    const [replayed] = (await trail.query({ types: ["OPERATOR-ACTION"] })).events;
    expect(replayed).to.deep.include({ outcome: "success", who: { userId: "operator", partnerCountry: "FR" }, exchangeId: DEAD_JOB_ID, traceId: "trace-out-1" });
    expect(replayed?.details).to.deep.equal({ action: "replay", operatorRole: "operator", jobId: DEAD_JOB_ID, jobType: "xca-query", partner: "FR" });
    const job = await exchangeQueueOf(gw.gateway.context).get(DEAD_JOB_ID);
    expect(job?.state).to.equal("waiting");
    expect(job?.attempts).to.equal(0);
    const again = await agent(gw).post(`/ops/queues/jobs/${DEAD_JOB_ID}/replay`, { _csrf: s("operator").csrf }, s("operator").cookie);
    expect(again.status).to.equal(409);
    const refused = (await trail.query({ types: ["OPERATOR-ACTION"], outcome: "failure" })).events;
    expect(refused).to.have.length(1);
    expect(refused[0]).to.deep.include({ exchangeId: DEAD_JOB_ID, who: { userId: "operator" } });
    expect(refused[0]?.errorCode).to.be.a("string");
    // The replay is in the exchange's timeline, next to country B's events.
    const detail = await agent(gw).get(`/ops/exchanges/${DEAD_JOB_ID}`, s("viewer").cookie);
    expect(detail.text).to.include("OPERATOR-ACTION").and.include("action=replay");
  });

  it("exports the overview metrics (exchanges, durations, consent decisions) next to queue and certificate gauges", async () => {
    const metrics = await gw.gateway.context.metrics.registry.metrics();
    expect(metrics).to.match(/passerelle_exchanges_total\{direction="in",service="XCPD",partner="BE",outcome="success"\} 6/);
    expect(metrics).to.match(/passerelle_exchanges_total\{direction="in",service="PS",partner="FR",outcome="failure"\} 1/);
    expect(metrics).to.match(/passerelle_exchange_duration_seconds_bucket\{le="1",direction="in",service="PS"\} 2/);
    expect(metrics).to.match(/passerelle_consent_decisions_total\{decision="permit",emergency="true"\} 1/);
    expect(metrics).to.match(/passerelle_exchange_dead_letters \d/);
    expect(metrics).to.match(/passerelle_certificate_expiry_days\{owner="BE",usage="signing"\} [23]/);
  });

  it("logout ends the session on the server: the old cookie no longer opens a page", async () => {
    const mine = await login(gw, "admin", PASSWORDS.admin);
    const out = await agent(gw).post("/ops/logout", { _csrf: mine.csrf }, mine.cookie);
    expect(out.status).to.equal(303);
    expect(String(out.headers["set-cookie"])).to.include("Max-Age=0");
    const after = await agent(gw).get("/ops", mine.cookie);
    expect(after.status).to.equal(303);
    expect(after.headers.location).to.match(/^\/ops\/login/);
  });
});

describe("operator sessions expire", function () {
  this.timeout(60_000);
  let gw: ConsoleGateway;
  before(async () => {
    gw = await startConsoleGateway({ lifetimes: { idleMs: 300, absoluteMs: 60_000 } });
  });
  after(async () => {
    await gw?.stop();
  });

  it("an idle session ends after its idle lifetime", async () => {
    const mine = await login(gw, "viewer", PASSWORDS.viewer);
    expect((await agent(gw).get("/ops/queues", mine.cookie)).status).to.equal(200);
    await new Promise((r) => setTimeout(r, 450));
    const res = await agent(gw).get("/ops/queues", mine.cookie);
    expect(res.status).to.equal(303);
  });
});

describe("operator console: a broken audit chain", function () {
  this.timeout(60_000);
  let gw: ConsoleGateway;
  before(async () => {
    gw = await startConsoleGateway();
    await scriptedRun(gw);
  });
  after(async () => {
    await gw?.stop();
  });

  it("shows the first broken seq when an event was rewritten behind the trail's back", async () => {
    const db = gw.gateway.context.database.db;
    await sql`drop trigger audit_trail_no_update`.execute(db);
    const row = await sql<{ seq: number }>`select seq from audit_trail where exchange_id = ${FAILED_EXCHANGE_ID} and event_type = 'EHDSI-22'`.execute(db);
    const seq = row.rows[0]?.seq;
    await sql`update audit_trail set event = replace(event, '"outcome":"failure"', '"outcome":"success"') where seq = ${seq}`.execute(db);
    const mine = await login(gw, "viewer", PASSWORDS.viewer);
    const res = await agent(gw).get("/ops/consent", mine.cookie);
    expect(res.text).to.include(`Audit chain BROKEN at seq ${seq}`);
    expect(res.text).to.include('role="alert"');
  });
});
