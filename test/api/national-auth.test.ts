// National clients on the 8444 listener over real sockets (issue 3 "Mutual TLS": national clients
// authenticate with a client certificate or a bearer token, configurable): a gateway in a temp
// directory with the audit, national API and consent modules; clients registered with the real CLI.
import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { DEMO_CLIENT_NAME, createNationalApiModule } from "../../src/api/module";
import { generateToken } from "../../src/api/clients";
import { NATIONAL_AUTH_AUDIT_TYPE } from "../../src/api/auth";
import { auditModule, auditTrailOf } from "../../src/audit/module";
import type { AuditEvent } from "../../src/audit/event";
import { consentModule } from "../../src/consent/module";
import { DEMO_PATIENT_WITHOUT_CONSENT, DEMO_PATIENTS_WITH_CONSENT } from "../../src/consent/demo";
import { nationalModule } from "../../src/national/module";
import { makeCa, makeCert } from "../trust/pki";
import { devCa, startTestGateway, tokenOf, type TestGateway } from "./client";

const PATIENT = DEMO_PATIENTS_WITH_CONSENT[0];
const CONSENT = `/api/v1/consents/${PATIENT}`;
const grant = (requestId: string) => ({ action: "grant", services: ["ps"], countries: ["BE"], source: "national-record", recordedBy: "test", requestId });

async function refusals(gw: TestGateway): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for await (const e of auditTrailOf(gw.gateway.context).events({ types: [NATIONAL_AUTH_AUDIT_TYPE] })) out.push(e);
  // The refusals have their own event type: none is recorded as a refused assertion any more.
  for await (const e of auditTrailOf(gw.gateway.context).events({ types: ["ASSERTION-REFUSED"] })) throw new Error(`national refusal recorded as ASSERTION-REFUSED: ${e.seq}`);
  return out;
}

describe("national API authentication (8444, real sockets)", function () {
  this.timeout(60_000);

  describe("certificate-or-token (the default)", () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway([nationalModule, auditModule, createNationalApiModule({ limiter: { maxFailures: 1000 } }), consentModule]);
    });
    after(async () => gw?.stop());

    it("no credentials: 401 problem with a Bearer challenge, audited", async () => {
      const r = await gw.call("GET", CONSENT);
      expect(r.status).to.equal(401);
      expect(r.headers["content-type"]).to.contain("application/problem+json");
      expect(r.headers["www-authenticate"]).to.match(/^Bearer realm=/);
      expect(r.json).to.include({ code: "UNAUTHENTICATED", status: 401 });
      const events = await refusals(gw);
      expect(NATIONAL_AUTH_AUDIT_TYPE).to.equal("NATIONAL-CLIENT-REFUSED");
      const refused = events.find((e) => e.details?.reason === "a registered client certificate or a bearer token is required");
      expect(refused).to.include({ type: "NATIONAL-CLIENT-REFUSED", outcome: "failure", errorCode: "UNAUTHENTICATED", direction: "inbound" });
      expect(refused?.details).to.include({ outcome: "unauthenticated", scheme: "none", method: "GET" });
      expect(refused?.details).to.not.have.property("subject");
    });

    it("a wrong or malformed token: 401 invalid_token / invalid_request; the token never reaches the trail", async () => {
      const wrong = generateToken();
      const r = await gw.call("GET", CONSENT, { token: wrong });
      expect(r.status).to.equal(401);
      expect(r.headers["www-authenticate"]).to.contain('error="invalid_token"');
      const garbled = await gw.call("GET", CONSENT, { authorization: "Basic dXNlcjpwYXNz" });
      expect(garbled.status).to.equal(401);
      expect(garbled.headers["www-authenticate"]).to.contain('error="invalid_request"');
      expect(JSON.stringify(await refusals(gw))).to.not.contain(wrong.slice(4));
    });

    it("a certificate from another CA is refused, even with the demo client's name and country", async () => {
      const otherCa = makeCa("Passerelle LU development CA");
      const impostor = makeCert({ cn: "Passerelle LU gateway client", issuer: otherCa, extKeyUsage: ["clientAuth"] });
      const r = await gw.call("GET", CONSENT, { cert: impostor.certPem, key: impostor.keyPem });
      expect(r.status).to.equal(401);
      expect(r.json.detail).to.match(/^client certificate not trusted/);
    });

    it("a certificate of the national CA that no client pins is refused", async () => {
      const stranger = makeCert({ cn: "unregistered national system", issuer: devCa(gw.root), extKeyUsage: ["clientAuth"] });
      const r = await gw.call("GET", CONSENT, { cert: stranger.certPem, key: stranger.keyPem });
      expect(r.status).to.equal(401);
      expect(r.json.detail).to.equal("client certificate not registered for any national client");
    });

    it("the demo client's certificate (dev tls-client, every scope): 200 on read, 201 on write", async () => {
      const r = await gw.call("GET", CONSENT, gw.devClient);
      expect(r.status, r.body).to.equal(200);
      expect(r.json.patient).to.equal(PATIENT);
      const w = await gw.call("POST", `/api/v1/consents/${DEMO_PATIENT_WITHOUT_CONSENT}`, { ...gw.devClient, body: grant("auth-cert-1") });
      expect(w.status, w.body).to.equal(201);
      const listed = await gw.cli("clients", "list");
      expect(listed.out).to.contain(DEMO_CLIENT_NAME).and.contain("consent:read,consent:write,exchanges");
    });

    it("a token with consent:read: 200 on GET, 403 insufficient_scope on POST (audited with the client name)", async () => {
      const add = await gw.cli("clients", "add", "reader", "--scope", "consent:read", "--token");
      expect(add.code, add.err).to.equal(0);
      const token = tokenOf(add);
      expect((await gw.call("GET", CONSENT, { token })).status).to.equal(200);
      const w = await gw.call("POST", CONSENT, { token, body: grant("auth-token-1") });
      expect(w.status).to.equal(403);
      expect(w.json).to.include({ code: "SCOPE_MISSING" });
      expect(w.headers["www-authenticate"]).to.contain('error="insufficient_scope"').and.contain('scope="consent:write"');
      const events = await refusals(gw);
      expect(events.some((e) => e.who?.userId === "reader" && e.details?.outcome === "forbidden")).to.equal(true);
      const paths = await gw.call("GET", "/api/v2/anything", { token });
      expect(paths.status, "an /api path no scope covers is closed").to.equal(403);
    });

    it("a consent import through /api records the authenticated national client as the importer", async () => {
      const token = tokenOf(await gw.cli("clients", "add", "importer", "--scope", "consent:read,consent:write", "--token"));
      const line = JSON.stringify({ patient: DEMO_PATIENT_WITHOUT_CONSENT, ...grant("auth-import-1") });
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          { host: "127.0.0.1", port: gw.gateway.ports.national, path: "/api/v1/consents/import", method: "POST", rejectUnauthorized: false, agent: false, headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" } },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(`${line}\n`);
      });
      expect(status).to.equal(200);
      const imports: AuditEvent[] = [];
      for await (const e of auditTrailOf(gw.gateway.context).events({ types: ["CONSENT-IMPORT"] })) imports.push(e);
      expect(imports.map((e) => e.who?.userId)).to.include("importer");
      expect(imports.some((e) => e.who?.userId?.startsWith("rest"))).to.equal(false);
    });

    it("the database keeps only the token's hash; rotate replaces it, remove revokes at once", async () => {
      const token = tokenOf(await gw.cli("clients", "add", "writer", "--scope", "consent:read,consent:write", "--token"));
      expect((await gw.call("GET", CONSENT, { token })).status).to.equal(200);
      const rows = await gw.gateway.context.database.tables<{ national_clients: { name: string; token_sha256: string | null } }>().selectFrom("national_clients").selectAll().where("name", "=", "writer").execute();
      expect(JSON.stringify(rows)).to.not.contain(token.slice(4));

      const rotated = tokenOf(await gw.cli("clients", "rotate", "writer"));
      expect((await gw.call("GET", CONSENT, { token })).status, "the old token").to.equal(401);
      expect((await gw.call("GET", CONSENT, { token: rotated })).status).to.equal(200);

      expect((await gw.cli("clients", "remove", "writer")).code).to.equal(0);
      expect((await gw.call("GET", CONSENT, { token: rotated })).status, "removed client").to.equal(401);
    });

    it("a certificate pinned to a read-only client: its scopes, not the demo's", async () => {
      const his = makeCert({ cn: "hospital information system", issuer: devCa(gw.root), extKeyUsage: ["clientAuth"] });
      const file = join(gw.root, "his.pem");
      writeFileSync(file, his.certPem);
      const add = await gw.cli("clients", "add", "his", "--scope", "consent:read", "--cert", file);
      expect(add.code, add.err).to.equal(0);
      expect((await gw.call("GET", CONSENT, { cert: his.certPem, key: his.keyPem })).status).to.equal(200);
      expect((await gw.call("POST", CONSENT, { cert: his.certPem, key: his.keyPem, body: grant("auth-his-1") })).status).to.equal(403);
      await gw.cli("clients", "remove", "his");
      expect((await gw.call("GET", CONSENT, { cert: his.certPem, key: his.keyPem })).status, "removed").to.equal(401);
    });

    it("the demo seed is idempotent and pins the current dev tls-client certificate again", async () => {
      const module = createNationalApiModule();
      const other = makeCert({ cn: "elsewhere", issuer: devCa(gw.root), extKeyUsage: ["clientAuth"] });
      const file = join(gw.root, "elsewhere.pem");
      writeFileSync(file, other.certPem);
      expect((await gw.cli("clients", "rotate", DEMO_CLIENT_NAME, "--cert", file)).code).to.equal(0);
      expect((await gw.call("GET", CONSENT, gw.devClient)).status, "pin moved away").to.equal(401);
      const before = (await gw.cli("clients", "list")).out.split("\n").length;
      await module.seedDemo?.(gw.gateway.context);
      await module.seedDemo?.(gw.gateway.context);
      expect((await gw.cli("clients", "list")).out.split("\n")).to.have.length(before);
      expect((await gw.call("GET", CONSENT, gw.devClient)).status, "pinned again").to.equal(200);
    });

    it("/ops is not under the national client middleware; health stays plain and open on the ops port", async () => {
      const ops = await gw.call("GET", "/ops/nothing-here");
      expect(ops.status).to.not.equal(401);
      const health = await new Promise<number>((resolve, reject) => {
        httpRequest({ host: "127.0.0.1", port: gw.gateway.ports.ops, path: "/healthz" }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on("error", reject)
          .end();
      });
      expect(health).to.equal(200);
    });
  });

  describe("brute force", () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway([nationalModule, auditModule, createNationalApiModule({ limiter: { maxFailures: 5, windowMs: 60_000, blockMs: 60_000 } }), consentModule]);
    });
    after(async () => gw?.stop());

    it("after 5 failures an address gets 429 with Retry-After, even with a good token (a pinned certificate still passes); other addresses are not blocked; audited once", async () => {
      const token = tokenOf(await gw.cli("clients", "add", "reader", "--scope", "consent:read", "--token"));
      for (let i = 0; i < 5; i++) expect((await gw.call("GET", CONSENT, { token: generateToken() })).status).to.equal(401);
      const blocked = await gw.call("GET", CONSENT, { token });
      expect(blocked.status).to.equal(429);
      expect(blocked.json).to.include({ code: "TOO_MANY_FAILURES" });
      expect(Number(blocked.headers["retry-after"])).to.be.within(1, 60);
      for (let i = 0; i < 20; i++) expect((await gw.call("GET", CONSENT, { token: generateToken() })).status).to.equal(429);
      expect((await gw.call("GET", CONSENT, { token, localAddress: "127.0.0.2" })).status, "another address").to.equal(200);
      expect((await gw.call("GET", CONSENT, gw.devClient)).status, "a pinned certificate has nothing to guess: still accepted").to.equal(200);

      const events = await refusals(gw);
      expect(events.filter((e) => e.details?.outcome === "unauthenticated")).to.have.length(5);
      expect(events.filter((e) => e.details?.outcome === "rate-limited")).to.have.length(1);
      const metrics = await gw.gateway.context.metrics.registry.getSingleMetricAsString("passerelle_national_auth_total");
      expect(metrics).to.contain('outcome="rate-limited"} 21').and.contain('outcome="unauthenticated"} 5').and.contain('outcome="accepted"} 2');
    });
  });

  describe("PASSERELLE_NATIONAL_AUTH=certificate", () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway([nationalModule, auditModule, createNationalApiModule({ limiter: { maxFailures: 1000 } }), consentModule], { PASSERELLE_NATIONAL_AUTH: "certificate" });
    });
    after(async () => gw?.stop());

    it("a registered token is refused; the pinned certificate is accepted", async () => {
      const token = tokenOf(await gw.cli("clients", "add", "reader", "--scope", "consent:read", "--token"));
      const r = await gw.call("GET", CONSENT, { token });
      expect(r.status).to.equal(401);
      expect(r.headers["www-authenticate"]).to.match(/^Certificate realm=/);
      expect(r.json.detail).to.equal("a registered client certificate is required");
      expect((await gw.call("GET", CONSENT, gw.devClient)).status).to.equal(200);
    });
  });

  describe("PASSERELLE_NATIONAL_AUTH=token", () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway([nationalModule, auditModule, createNationalApiModule({ limiter: { maxFailures: 1000 } }), consentModule], { PASSERELLE_NATIONAL_AUTH: "token" });
    });
    after(async () => gw?.stop());

    it("certificates are not used (the demo certificate alone is refused); a token is accepted", async () => {
      expect((await gw.call("GET", CONSENT, gw.devClient)).status).to.equal(401);
      const token = tokenOf(await gw.cli("clients", "add", "reader", "--scope", "consent:read", "--token"));
      expect((await gw.call("GET", CONSENT, { token, ...gw.devClient })).status).to.equal(200);
    });
  });
});
