// No crash on any input (issue 5): mutated requests over mutual TLS — a valid XCA query recorded from
// the foreign gateway, then bytes flipped, cut, duplicated, or its Content-Type changed — each gets an
// HTTP answer with a SOAP body (the transaction's error structure or a fault), and the gateway still
// answers a valid request afterwards. Also: a body over the size limit is a 413 SOAP fault.
import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import https from "node:https";
import { GATEWAY_MODULES } from "../../src/app/modules";
import { auditTrailOf, rawMessagesOf } from "../../src/audit/module";
import { EmbeddedNationalStore } from "../../src/national/embedded-store";
import type { NationalRecords } from "../../src/national/port";
import { countryAModule, createCountryAModule } from "../../src/soap/module";
import { cx, startE2E, type E2E } from "./foreign-gateway";

const SOPHIE = "1992031411227";

describe("country A robustness over mutual TLS", function () {
  this.timeout(300_000);
  let e: E2E;
  let agent: https.Agent;
  before(async () => {
    e = await startE2E();
    agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: readFileSync(e.serverCa), cert: readFileSync(e.pki.tls_cert), key: readFileSync(e.pki.tls_key) });
  });
  after(async () => {
    agent?.destroy();
    await e?.stop();
  });

  function post(path: string, body: Buffer, contentType: string): Promise<{ status: number; type: string; text: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request({ host: "127.0.0.1", port: e.gateway.ports.partner, path, method: "POST", agent, servername: "localhost", headers: { "content-type": contentType } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  it("mutated requests always get a SOAP answer, and the gateway keeps answering", async () => {
    // A real signed request as the foreign gateway sent it, taken back from the raw messages kept for support.
    const ok = await e.send({ transaction: "xca-query", service: "ps", patient: cx(SOPHIE), trc_patient: cx(SOPHIE), class_code: "60591-5" });
    expect(ok.status).to.equal(200);
    await auditTrailOf(e.gateway.context).flush();
    const last = (await auditTrailOf(e.gateway.context).query({ types: ["EHDSI-21"], limit: 1 })).events.at(-1)!;
    const inbound = (await rawMessagesOf(e.gateway.context).forExchange(last.exchangeId!)).find((m) => m.direction === "inbound")!;
    const original = inbound.body;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
          fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
          fc.record({ kind: fc.constant("dup" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 400 }) }),
          fc.record({ kind: fc.constant("type" as const), type: fc.constantFrom("text/plain", "multipart/related; boundary=x", "application/soap+xml; charset=latin1", "") }),
        ),
        async (m) => {
          let body = Buffer.from(original);
          let type = "application/soap+xml; charset=UTF-8";
          if (m.kind === "flip") body[m.at % body.length] = m.byte;
          if (m.kind === "cut") body = body.subarray(0, m.at % body.length);
          if (m.kind === "dup") {
            const at = m.at % body.length;
            body = Buffer.concat([body.subarray(0, at), body.subarray(at, at + m.len), body.subarray(at)]);
          }
          if (m.kind === "type") type = m.type;
          const r = await post("/ncp/xca", body, type);
          expect([200, 400, 413, 500], `${JSON.stringify(m)} -> ${r.status}`).to.include(r.status);
          expect(r.type).to.match(/application\/soap\+xml/);
          expect(r.text).to.match(/<env:Envelope/);
          if (r.status === 500) expect(r.text).to.not.match(/at .+\.ts:\d+/); // never a stack trace
        },
      ),
      { numRuns: 150 },
    );
    const again = await e.send({ transaction: "xca-query", service: "ps", patient: cx(SOPHIE), trc_patient: cx(SOPHIE), class_code: "60591-5" });
    expect(again.status).to.equal(200);
  });

  it("a body over the size limit: 413 with a SOAP fault", async () => {
    const r = await post("/ncp/xdr", Buffer.alloc(11 * 1024 * 1024, 0x41), "application/soap+xml");
    expect(r.status).to.equal(413);
    expect(r.text).to.match(/env:Sender/);
  });

  describe("a national system that never answers a read", () => {
    let slow: E2E;
    before(async () => {
      const hanging = createCountryAModule({
        requestTimeoutMs: 800,
        national: (ctx) => {
          const store = new EmbeddedNationalStore(ctx.database);
          return new Proxy(store, {
            get(target, prop, receiver) {
              if (prop === "getPatientSummary") return () => new Promise(() => undefined);
              const v = Reflect.get(target, prop, receiver) as unknown;
              return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
            },
          }) as NationalRecords;
        },
      });
      slow = await startE2E({ modules: GATEWAY_MODULES.map((m) => (m === countryAModule ? hanging : m)) });
    });
    after(async () => {
      await slow?.stop();
    });

    it("the request deadline answers with a Receiver fault (and a correlation id), not a hang", async () => {
      const t = Date.now();
      const a = await slow.send({ transaction: "xca-query", service: "ps", patient: cx(SOPHIE), trc_patient: cx(SOPHIE), class_code: "60591-5", timeout: 30 });
      expect(Date.now() - t).to.be.lessThan(10_000);
      expect(a.status).to.equal(500);
      expect(a.envelope).to.match(/env:Receiver/);
      expect(a.envelope).to.match(/correlation id/);
      expect(a.relates_to).to.equal(a.message_id);
    });
  });
});
