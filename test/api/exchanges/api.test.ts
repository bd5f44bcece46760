// The exchanges REST API in a running gateway (embedded SQLite queue, token authentication through
// the national API module). The partner side is played by job handlers registered in the gateway:
// a retrieve that answers the LU pivot PS sample translated and rendered as the SOAP client's handler
// does, a list that the partner refuses with eHDSI 4701.
import { expect } from "chai";
import express from "express";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import request from "supertest";
import { nationalApiModule, nationalClientsOf } from "../../../src/api/module";
import { exchangesApiModule } from "../../../src/api/exchanges/module";
import { startGateway, type RunningGateway } from "../../../src/app/gateway";
import { notFoundHandler, problemHandler } from "../../../src/app/problem";
import type { GatewayModule } from "../../../src/app/module";
import { auditModule } from "../../../src/audit/module";
import { loadConfig } from "../../../src/config/load";
import { translateCda } from "../../../src/documents/cda/translate";
import { renderClinicalDocumentHtml } from "../../../src/documents/html/render";
import { BusinessError } from "../../../src/exchange/queue/errors";
import { exchangeQueueModule, exchangeQueueOf, registerExchangeHandler } from "../../../src/exchange/queue/module";
import { nationalModule } from "../../../src/national/module";
import { createLogger } from "../../../src/shared/logger";
import { loadCatalogue } from "../../../src/terminology/catalogue";
import { ehdsiPath } from "../../helpers/ehdsi";
import { BE_ENV, DOCTOR, PHARMACIST, listBody, retrieveBody } from "./fixtures";

const PIVOT = readFileSync(ehdsiPath("cda/luxembourg/LU-PS-pivot-L3-W8.xml"), "utf8");

/** The partner, as the handlers see it: what they were asked, and their answers. */
const partnerSide: GatewayModule = {
  name: "test-partner-side",
  start(ctx) {
    const mvc = loadCatalogue({ mvcDir: ehdsiPath("mvc") });
    registerExchangeHandler(ctx, "xca-retrieve", async (job) => {
      const translated = translateCda(PIVOT, mvc, job.job.language).xml;
      return { documentUniqueId: job.job.documentUniqueId, pivotXml: PIVOT, language: job.job.language, translatedXml: translated, html: renderClinicalDocumentHtml(translated, { language: job.job.language }) };
    });
    registerExchangeHandler(ctx, "xca-query", async () => {
      throw new BusinessError("4701", "ERROR_PS_NO_CONSENT: the patient has not consented");
    });
  },
};

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("exchanges REST API (country B)", function () {
  this.timeout(60_000);
  let root: string;
  let gateway: RunningGateway;
  let app: express.Express;
  let token: string;
  let otherToken: string;
  let consentOnlyToken: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "passerelle-exchanges-api-"));
    const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_NATIONAL_AUTH: "token", ...BE_ENV }, cwd: root });
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    gateway = await startGateway({
      config,
      logger: createLogger({ level: "silent", destination: quiet }),
      modules: [nationalModule, auditModule, nationalApiModule, exchangeQueueModule, partnerSide, exchangesApiModule],
    });
    const clients = nationalClientsOf(gateway.context);
    token = (await clients.add({ name: "his-brugge", scopes: ["exchanges"], token: true })).token!;
    otherToken = (await clients.add({ name: "pharmacy-system", scopes: ["exchanges"], token: true })).token!;
    consentOnlyToken = (await clients.add({ name: "consent-reader", scopes: ["consent:read"], token: true })).token!;
    app = express().use(gateway.context.nationalRouter).use(notFoundHandler).use(problemHandler);
  });

  after(async () => {
    await gateway?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const post = (operation: string, body: unknown, key: string, bearer = token) =>
    request(app).post(`/api/v1/exchanges/${operation}`).set("Authorization", `Bearer ${bearer}`).set("Idempotency-Key", key).send(body as object);
  const get = (path: string, bearer = token) => request(app).get(path).set("Authorization", `Bearer ${bearer}`);

  it("refuses a call without credentials (401) and a client without the exchanges scope (403)", async () => {
    await request(app).post("/api/v1/exchanges/document-list").send(listBody()).expect(401);
    const res = await post("document-list", listBody(), "k-scope", consentOnlyToken).expect(403);
    expect(res.body.code).to.equal("SCOPE_MISSING");
  });

  it("answers 202 at once with the exchange; polling gives the pivot, its French translation and the HTML rendering", async () => {
    const res = await post("document-retrieve", retrieveBody(), "retrieve-1").expect(202);
    expect(res.body.id).to.equal("his-brugge.retrieve-1");
    expect(res.headers.location).to.equal("/api/v1/exchanges/his-brugge.retrieve-1");
    expect(res.body).to.include({ operation: "document-retrieve", country: "LU", done: false });
    const done = await until(() => get(res.headers.location!).expect(200).then((r) => r.body), (b) => b.done, "the retrieve");
    expect(done.state).to.equal("completed");
    expect(done.result.pivotXml).to.equal(PIVOT);
    expect(done.result.language).to.equal("fr");
    expect(done.result.translatedXml).to.include('displayName="Voie orale"');
    expect(done.links.html).to.equal("/api/v1/exchanges/his-brugge.retrieve-1/html");
    const html = await get(done.links.html).expect(200).expect("Content-Type", /text\/html/);
    expect(html.headers["content-security-policy"]).to.include("default-src 'none'");
    expect(html.text).to.include('<html lang="fr">').and.include("Allergies, effets indésirables, alertes");
  });

  it("is idempotent on Idempotency-Key: the same request returns the same exchange, another body is a 409", async () => {
    const first = await post("document-retrieve", retrieveBody(DOCTOR, "de"), "retrieve-2").expect(202);
    const again = await post("document-retrieve", retrieveBody(DOCTOR, "de"), "retrieve-2").expect(202);
    expect(again.body.id).to.equal(first.body.id);
    expect(again.body.createdAt).to.equal(first.body.createdAt);
    const page = await exchangeQueueOf(gateway.context).list({ type: "xca-retrieve" });
    expect(page.jobs.filter((j) => j.id === first.body.id)).to.have.length(1);
    const conflict = await post("document-retrieve", retrieveBody(DOCTOR, "en"), "retrieve-2").expect(409);
    expect(conflict.body).to.include({ code: "CONFLICT", location: "Idempotency-Key" });
    expect(conflict.headers["content-type"]).to.match(/application\/problem\+json/);
  });

  it("needs an Idempotency-Key of the documented shape", async () => {
    const missing = await request(app).post("/api/v1/exchanges/document-list").set("Authorization", `Bearer ${token}`).send(listBody()).expect(400);
    expect(missing.body).to.include({ code: "INPUT_INVALID", location: "Idempotency-Key" });
    await post("document-list", listBody(), "12345").expect(400);
    await post("document-list", listBody(), "a b").expect(400);
  });

  it("validates the requester: ISCO role of the eHDSI list, purpose TREATMENT or EMERGENCY, on-behalf-of for 32xx roles", async () => {
    const bad = async (requester: object, location: string) => {
      const res = await post("document-list", listBody(requester as typeof DOCTOR), `bad-${location}-${Math.random().toString(36).slice(2)}`).expect(400);
      expect(res.body.code).to.equal("INPUT_INVALID");
      expect(res.body.location).to.equal(location);
    };
    await bad({ ...DOCTOR, role: "9999" }, "requester.role");
    await bad({ ...DOCTOR, purposeOfUse: "RESEARCH" }, "requester.purposeOfUse");
    await bad({ ...DOCTOR, role: "3221" }, "requester.onBehalfOf");
    await bad({ ...DOCTOR, authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password" }, "requester.authnContext");
    await bad({ ...DOCTOR, subjectId: "Dr\u0000X" }, "requester.subjectId");
    await bad({ ...DOCTOR, extra: 1 }, "requester");
    await post("document-list", listBody({ ...DOCTOR, role: "3221", onBehalfOf: "2221" }), "nurse-assistant").expect(202);
  });

  it("refuses what the requester may not ask: a pharmacist without PS permissions asking for a PS (4703), while an eP list is accepted", async () => {
    const refused = await post("document-list", listBody(PHARMACIST, "ps"), "pharm-ps").expect(403);
    expect(refused.body.code).to.equal("4703");
    expect(refused.body.detail).to.include("PRD-003");
    await post("document-list", listBody(PHARMACIST, "ep"), "pharm-ep").expect(202);
    const noDispense = await post("dispensation", { country: "LU", requester: DOCTOR, patientId: listBody().patientId, prescriptionId: "RX-1", dispensation: {} }, "doc-dispense").expect(400);
    expect(noDispense.body.location).to.match(/^dispensation\./);
  });

  it("shows the partner's eHDSI error as a problem (403 for 4701) once the exchange failed", async () => {
    const res = await post("document-list", listBody(), "list-no-consent").expect(202);
    const done = await until(() => get(res.headers.location!).then((r) => r.body), (b) => b.done, "the list");
    expect(done.state).to.equal("failed-permanently");
    expect(done.problem).to.include({ status: 403, code: "4701", ehdsiCode: "4701", transient: false, instance: "/api/v1/exchanges/his-brugge.list-no-consent" });
    expect(done.result).to.equal(undefined);
  });

  it("serves its description at /api/docs to clients with the exchanges scope", async () => {
    await get("/api/docs").expect(200).expect("Content-Type", /text\/html/);
    await get("/api/docs/openapi-exchanges.json").expect(200);
    await get("/api/docs", consentOnlyToken).expect(403);
  });

  it("shows a client its own exchanges only, and refuses the gateway's own country", async () => {
    await get("/api/v1/exchanges/his-brugge.retrieve-1", otherToken).expect(404);
    await get("/api/v1/exchanges/pharmacy-system.retrieve-1").expect(404);
    const own = await post("document-list", { ...listBody(), country: "BE" }, "own-country").expect(400);
    expect(own.body.location).to.equal("country");
  });
});
