import { expect } from "chai";
import express from "express";
import request from "supertest";
import { notFoundHandler, problemHandler } from "../../src/app/problem";
import { CONSENT_API_PATH } from "../../src/consent/module";
import { consentRouter } from "../../src/consent/router";
import type { ConsentService } from "../../src/consent/service";
import { forEachDatabase } from "../helpers/databases";
import { ALICE, BOB, UNKNOWN, makeService, uniqueId } from "./fixtures";
import { assertMatches, openapi } from "./openapi";

function appFor(service: ConsentService): express.Express {
  const app = express();
  app.use(CONSENT_API_PATH, consentRouter(service));
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}

const body = (o: Record<string, unknown> = {}) => ({ action: "grant", source: "patient-portal", recordedBy: "portal", requestId: uniqueId("rest"), ...o });

describe("consent REST routes and OpenAPI", () => {
  it("the router's routes and the OpenAPI paths are the same set", () => {
    const router = consentRouter({} as ConsentService) as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    const routes = router.stack
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:(\w+)/g, "{$1}")}`));
    const documented = Object.entries(openapi.paths).flatMap(([path, item]) =>
      Object.keys(item).filter((k) => ["get", "post", "put", "patch", "delete"].includes(k)).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).to.deep.equal(documented.sort());
  });
});

forEachDatabase("consent REST", (ctx) => {
  let app: express.Express;
  before(() => {
    app = appFor(makeService(ctx.database).service);
  });
  const url = (p: string) => `${CONSENT_API_PATH}/${p}`;

  it("answers a bad matricule and an unknown patient with precise problems", async () => {
    const bad = await request(app).get(url("1234567890123")).expect(400).expect("Content-Type", /application\/problem\+json/);
    expect(bad.body).to.include({ code: "CONSENT_MATRICULE_INVALID", status: 400, location: "/patient" });
    assertMatches("Problem", bad.body);
    const unknown = await request(app).get(url(UNKNOWN)).expect(404);
    expect(unknown.body).to.include({ code: "CONSENT_PATIENT_UNKNOWN", type: "urn:passerelle:problem:CONSENT_PATIENT_UNKNOWN" });
  });

  it("shows an empty history as version 0", async () => {
    const res = await request(app).get(url(ALICE)).expect(200).expect("ETag", '"0"');
    assertMatches("CurrentConsent", res.body);
    expect(res.body.state).to.deep.equal({ version: 0, grantsInForce: [], permitted: { ps: [], ep: [] } });
  });

  it("records a grant, replays it, refuses a reused id with another body", async () => {
    const grant = body({ countries: ["fr", "BE"], services: ["ps"] });
    const first = await request(app).post(url(ALICE)).send(grant).expect(201).expect("ETag", '"1"').expect("Idempotent-Replayed", "false");
    assertMatches("RecordResult", first.body);
    expect(first.body.record).to.include({ patient: ALICE, version: 1, action: "grant" });
    expect(first.body.record.countries).to.deep.equal(["BE", "FR"]);
    const again = await request(app).post(url(ALICE)).send(grant).expect(201).expect("Idempotent-Replayed", "true");
    expect(again.body).to.deep.equal({ ...first.body, replayed: true });
    const reused = await request(app).post(url(ALICE)).send({ ...grant, services: ["ep"] }).expect(409);
    assertMatches("Problem", reused.body);
    expect(reused.body).to.include({ code: "CONSENT_REQUEST_ID_REUSED" });
    expect(reused.body.differingFields).to.deep.equal(["services"]);
  });

  it("checks If-Match: 412 on a stale version, 201 on the current one", async () => {
    const stale = await request(app).post(url(ALICE)).set("If-Match", '"0"').send(body({ action: "revoke", countries: ["FR"] })).expect(412);
    expect(stale.body).to.include({ code: "CONSENT_VERSION_MISMATCH", expectedVersion: 0, currentVersion: 1 });
    await request(app).post(url(ALICE)).set("If-Match", '"1"').send(body({ action: "revoke", countries: ["FR"] })).expect(201).expect("ETag", '"2"');
    const garbled = await request(app).post(url(ALICE)).set("If-Match", "yesterday").send(body()).expect(400);
    expect(garbled.body).to.include({ code: "CONSENT_INPUT_INVALID", location: "If-Match" });
    const disagree = await request(app).post(url(ALICE)).set("If-Match", '"2"').send(body({ expectedVersion: 1 })).expect(400);
    expect(disagree.body.detail).to.match(/disagree/);
  });

  it("refuses overlapping, inverted, unknown-country and malformed commands without writing", async () => {
    const before = (await request(app).get(`${url(ALICE)}/history`).expect(200)).body.version as number;
    const overlap = await request(app).post(url(ALICE)).send(body({ countries: ["BE"] })).expect(409);
    expect(overlap.body).to.include({ code: "CONSENT_PERIOD_OVERLAP", conflictingVersion: 1, country: "BE" });
    const inverted = await request(app).post(url(ALICE)).send(body({ countries: ["DE"], validFrom: "2027-05-01", validUntil: "2027-04-30" })).expect(400);
    expect(inverted.body.code).to.equal("CONSENT_PERIOD_INVERTED");
    const country = await request(app).post(url(ALICE)).send(body({ countries: ["US"] })).expect(400);
    expect(country.body).to.include({ code: "CONSENT_COUNTRY_UNKNOWN", location: "/countries/0" });
    const missing = await request(app).post(url(ALICE)).send({ action: "grant" }).expect(400);
    expect(missing.body.code).to.equal("CONSENT_INPUT_INVALID");
    expect(missing.body.problems.map((p: { location: string }) => p.location)).to.include.members(["/source", "/recordedBy", "/requestId"]);
    await request(app).post(url(ALICE)).set("Content-Type", "application/json").send("{oops").expect(400);
    await request(app).post(url(ALICE)).send(body({ patient: BOB })).expect(400);
    const after = (await request(app).get(`${url(ALICE)}/history`).expect(200)).body.version as number;
    expect(after).to.equal(before);
  });

  it("derives the current state and serves the history", async () => {
    const now = await request(app).get(url(ALICE)).expect(200).expect("ETag", '"2"');
    expect(now.body.state.permitted).to.deep.equal({ ps: ["BE"], ep: [] });
    const past = await request(app).get(url(ALICE)).query({ at: "2020-01-01T00:00:00Z" }).expect(200);
    expect(past.body.state.permitted).to.deep.equal({ ps: [], ep: [] });
    const vague = await request(app).get(url(ALICE)).query({ at: "2020" }).expect(400);
    expect(vague.body).to.include({ code: "CONSENT_INPUT_INVALID", location: "at" });
    const history = await request(app).get(`${url(ALICE)}/history`).expect(200);
    assertMatches("History", history.body);
    expect(history.body.records.map((r: { version: number; action: string }) => [r.version, r.action])).to.deep.equal([[1, "grant"], [2, "revoke"]]);
  });

  it("imports NDJSON: JSON report, or streamed progress, errors and report", async () => {
    const lines = [
      JSON.stringify({ patient: BOB, ...body({ services: ["ep"] }) }),
      "not json",
      JSON.stringify({ patient: BOB, ...body({ action: "revoke", services: ["ep"], countries: ["NL"] }) }),
    ].join("\n");
    const report = await request(app).post(`${CONSENT_API_PATH}/import`).set("Content-Type", "application/x-ndjson").send(lines).expect(200);
    assertMatches("ImportReport", report.body);
    expect(report.body).to.include({ lines: 3, imported: 2, rejected: 1 });
    expect(report.body.errors).to.deep.equal([{ line: 2, code: "CONSENT_INPUT_INVALID", message: report.body.errors[0].message }]);

    const streamed = await request(app)
      .post(`${CONSENT_API_PATH}/import`)
      .set("Content-Type", "application/x-ndjson")
      .set("Accept", "application/x-ndjson")
      .send(`${JSON.stringify({ patient: BOB, ...body({ services: ["ps"], countries: ["IT"] }) })}\n{"patient":"x"}\n`)
      .buffer(true)
      .parse((res, cb) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => cb(null, text));
      })
      .expect(200)
      .expect("Content-Type", /application\/x-ndjson/);
    const events = (streamed.body as string).trim().split("\n").map((l) => JSON.parse(l) as { type: string });
    for (const e of events) assertMatches("ImportEvent", e);
    expect(events.map((e) => e.type)).to.deep.equal(["error", "progress", "progress", "report"]);
    expect(events.at(-1)).to.include({ imported: 1, rejected: 1 });
    await request(app).post(`${CONSENT_API_PATH}/import`).set("Content-Type", "text/plain").send("x").expect(400);
  });
});
