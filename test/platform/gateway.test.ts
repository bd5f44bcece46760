// The whole gateway on ephemeral ports with temporary data and certificate directories, over real sockets.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { connect, type TLSSocket } from "node:tls";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import type { GatewayModule } from "../../src/app/module";
import { loadConfig } from "../../src/config/load";
import { ErrorCode, PasserelleError } from "../../src/shared/errors";
import { createLogger } from "../../src/shared/logger";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, tlsOptions: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = send(url, { ...tlsOptions, method: "GET", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A TLS handshake with the partner listener; resolves "accepted" or the error it failed with. */
function handshake(port: number, options: { ca: string; cert?: string; key?: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ...options });
    socket.once("secureConnect", () => {
      // TLS 1.3 reports a refused client certificate after the handshake: send a request and wait.
      socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    });
    socket.once("data", () => {
      resolve("accepted");
      socket.destroy();
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(`refused: ${e.code ?? e.message}`));
    socket.once("end", () => resolve("refused: closed"));
  });
}

describe("gateway: start-up, listeners, health", function () {
  this.timeout(60_000);
  let root: string;
  let gateway: RunningGateway;
  const logLines: Record<string, unknown>[] = [];
  const seeded: string[] = [];
  let stopped = false;

  const probeModule: GatewayModule = {
    name: "probe",
    start(ctx) {
      ctx.partnerRouter.get("/ncp/whoami", (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.json({ subject: peer.subject?.CN });
      });
      ctx.nationalRouter.get("/api/boom", () => {
        throw new Error("secret internal detail at /etc/passwd");
      });
      ctx.nationalRouter.get("/api/refused", () => {
        throw new PasserelleError(ErrorCode.MatriculeInvalid, "matricule 123 is not 13 digits", { location: "/identifier" });
      });
      ctx.onStop(() => {
        stopped = true;
      });
    },
    seedDemo() {
      seeded.push("probe");
    },
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "passerelle-gw-"));
    const config = loadConfig({
      env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_LOG_LEVEL: "debug" },
      cwd: root,
    });
    const destination = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    gateway = await startGateway({ config, logger: createLogger({ level: "debug", destination }), modules: [probeModule] });
  });

  after(async () => {
    await gateway?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const ops = (path: string) => get(`http://127.0.0.1:${gateway.ports.ops}${path}`);
  const ca = () => readFileSync(join(root, "certs", "ca.pem"), "utf8");

  it("made a development PKI on first start and said so in the log", () => {
    expect(readFileSync(join(root, "certs", "tls-server.pem"), "utf8")).to.contain("BEGIN CERTIFICATE");
    expect(logLines.some((l) => String(l.msg).includes("generated a development PKI"))).to.equal(true);
    expect(logLines.some((l) => l.msg === "Passerelle listening")).to.equal(true);
  });

  it("seeded demo data through the module hook (embedded mode)", () => {
    expect(seeded).to.deep.equal(["probe"]);
  });

  it("/healthz answers while the process lives", async () => {
    const r = await ops("/healthz");
    expect(r.status).to.equal(200);
    expect(JSON.parse(r.body)).to.deep.equal({ status: "alive" });
  });

  it("/readyz reports the database and certificates", async () => {
    const r = await ops("/readyz");
    expect(r.status).to.equal(200);
    expect(JSON.parse(r.body).checks).to.deep.equal({ database: { ok: true }, certificates: { ok: true } });
  });

  it("/readyz is 503 with the reason when a check fails", async () => {
    gateway.context.readiness.add("probe-queue", () => "queue unreachable at redis://nowhere");
    const r = await ops("/readyz");
    expect(r.status).to.equal(503);
    expect(r.headers["content-type"]).to.contain("application/problem+json");
    const body = JSON.parse(r.body);
    expect(body.detail).to.equal("probe-queue: queue unreachable at redis://nowhere");
    expect(body.checks.database.ok).to.equal(true);
  });

  it("/metrics exposes default metrics and passerelle_build_info", async () => {
    const r = await ops("/metrics");
    expect(r.status).to.equal(200);
    expect(r.body).to.match(/passerelle_build_info\{version="0\.1\.0",node="[\d.]+",country="LU"\} 1/);
    expect(r.body).to.contain("passerelle_process_resident_memory_bytes");
    expect(r.body).to.match(/passerelle_http_requests_total\{listener="ops",method="GET",status="200"\} \d+/);
  });

  it("the partner listener refuses a TLS client without a certificate", async () => {
    expect(await handshake(gateway.ports.partner, { ca: ca() })).to.match(/^refused/);
  });

  it("the partner listener refuses a client certificate from another CA", async () => {
    const { generateDevPki } = await import("../../src/ops/dev-pki");
    const other = join(root, "other-certs");
    generateDevPki({ dir: other, country: "FR" });
    const outcome = await handshake(gateway.ports.partner, {
      ca: ca(),
      cert: readFileSync(join(other, "tls-client.pem"), "utf8"),
      key: readFileSync(join(other, "tls-client.key.pem"), "utf8"),
    });
    expect(outcome).to.match(/^refused/);
  });

  it("the partner listener accepts the dev client certificate and routes to the modules", async () => {
    const tlsOptions = {
      ca: ca(),
      cert: readFileSync(join(root, "certs", "tls-client.pem"), "utf8"),
      key: readFileSync(join(root, "certs", "tls-client.key.pem"), "utf8"),
    };
    expect(await handshake(gateway.ports.partner, tlsOptions)).to.equal("accepted");
    const r = await get(`https://localhost:${gateway.ports.partner}/ncp/whoami`, tlsOptions);
    expect(r.status).to.equal(200);
    expect(JSON.parse(r.body)).to.deep.equal({ subject: "Passerelle LU gateway client" });
  });

  it("the partner listener refuses TLS 1.1", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: "127.0.0.1", port: gateway.ports.partner, ca: ca(), servername: "localhost", maxVersion: "TLSv1.1", minVersion: "TLSv1" });
      s.once("secureConnect", () => {
        resolve("accepted");
        s.destroy();
      });
      s.once("error", (e: NodeJS.ErrnoException) => resolve(`refused: ${e.code}`));
    });
    expect(outcome).to.match(/^refused/);
  });

  it("errors become RFC 9457 problems: a stable code, and a 500 with a correlation id and no detail", async () => {
    const refused = await get(`https://localhost:${gateway.ports.national}/api/refused`, { ca: ca() });
    expect(refused.status).to.equal(400);
    expect(refused.headers["content-type"]).to.contain("application/problem+json");
    expect(JSON.parse(refused.body)).to.include({ code: "MATRICULE_INVALID", status: 400, location: "/identifier", detail: "matricule 123 is not 13 digits" });

    const boom = await get(`https://localhost:${gateway.ports.national}/api/boom`, { ca: ca() });
    expect(boom.status).to.equal(500);
    const problem = JSON.parse(boom.body);
    expect(problem.code).to.equal("ERROR_GENERIC");
    expect(problem.correlationId).to.equal(boom.headers["x-request-id"]);
    expect(boom.body).to.not.contain("secret").and.not.contain("passwd").and.not.contain(" at ");
    const logged = logLines.find((l) => l.reqId === problem.correlationId && l.msg === "request failed");
    expect((logged?.err as { stack?: string } | undefined)?.stack, "the stack goes to the log").to.contain("secret internal detail");

    const missing = await get(`https://localhost:${gateway.ports.national}/nowhere`, { ca: ca() });
    expect(missing.status).to.equal(404);
    expect(JSON.parse(missing.body).code).to.equal("NOT_FOUND");
  });

  it("/readyz names the database when it stops answering", async () => {
    await gateway.context.database.close();
    const r = await ops("/readyz");
    expect(r.status).to.equal(503);
    const body = JSON.parse(r.body);
    expect(body.checks.database.ok).to.equal(false);
    expect(body.detail).to.match(/database: /);
  });

  it("stops cleanly: listeners closed, module cleanup run", async () => {
    await gateway.stop();
    expect(stopped).to.equal(true);
    let error: unknown;
    try {
      await ops("/healthz");
    } catch (e) {
      error = e;
    }
    expect((error as NodeJS.ErrnoException | undefined)?.code).to.equal("ECONNREFUSED");
  });

  it("restarts on the same directories without a new PKI, and refuses another country's identity", async () => {
    const caBefore = ca();
    const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0" }, cwd: root });
    gateway = await startGateway({ config, logger: createLogger({ level: "silent" }) });
    expect(ca()).to.equal(caBefore);
    expect((await ops("/healthz")).status).to.equal(200);
    await gateway.stop();

    const foreign = loadConfig({
      env: {
        PASSERELLE_COUNTRY: "FR",
        PASSERELLE_NATIONAL_PATIENT_ID_OID: "1.2.250.1.213.1.4.8",
        PASSERELLE_EHDSI_PATIENT_ID_DOMAIN: "1.2.250.1.213.1.4.8",
        PASSERELLE_HOME_COMMUNITY_ID: "urn:oid:1.2.250.1",
        PASSERELLE_DOCUMENT_ID_ROOT: "1.2.250.1.9",
        PASSERELLE_CUSTODIAN_OID: "1.2.250.1",
        PASSERELLE_CUSTODIAN_NAME: "NCP FR",
        PASSERELLE_PARTNER_PORT: "0",
        PASSERELLE_NATIONAL_PORT: "0",
        PASSERELLE_OPS_PORT: "0",
      },
      cwd: root,
    });
    let error: unknown;
    try {
      await startGateway({ config: foreign, logger: createLogger({ level: "silent" }) });
    } catch (e) {
      error = e;
    }
    expect((error as Error | undefined)?.message).to.contain("belongs to another gateway");
  });
});

describe("gateway: module hooks on the partner listener", function () {
  this.timeout(60_000);
  let root: string;
  let gateway: RunningGateway | undefined;
  after(async () => {
    await gateway?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("a module can replace the partner CA list, and is told when the listeners are bound", async () => {
    root = mkdtempSync(join(tmpdir(), "passerelle-gw-hooks-"));
    const { generateDevPki } = await import("../../src/ops/dev-pki");
    const partnerPki = join(root, "partner-pki");
    generateDevPki({ dir: partnerPki, country: "BE" });
    const boundPorts: number[] = [];
    const registryModule: GatewayModule = {
      name: "registry-trust",
      start(ctx) {
        // Trust only the partner's CA (as a partner registry would), not our own dev CA.
        ctx.customizePartnerTls((options) => ({ ...options, ca: [readFileSync(join(partnerPki, "ca.pem"), "utf8")] }));
        ctx.onListening((servers) => {
          boundPorts.push((servers.partner.address() as { port: number }).port);
        });
      },
    };
    const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_DEMO_SEED: "false" }, cwd: root });
    gateway = await startGateway({ config, logger: createLogger({ level: "silent" }), modules: [registryModule] });
    expect(boundPorts).to.deep.equal([gateway.ports.partner]);
    const ourCa = readFileSync(join(root, "certs", "ca.pem"), "utf8");
    const own = { ca: ourCa, cert: readFileSync(join(root, "certs", "tls-client.pem"), "utf8"), key: readFileSync(join(root, "certs", "tls-client.key.pem"), "utf8") };
    const partner = { ca: ourCa, cert: readFileSync(join(partnerPki, "tls-client.pem"), "utf8"), key: readFileSync(join(partnerPki, "tls-client.key.pem"), "utf8") };
    expect(await handshake(gateway.ports.partner, own)).to.match(/^refused/);
    expect(await handshake(gateway.ports.partner, partner)).to.equal("accepted");
  });

  it("refuses a customisation that would drop client certificates", async () => {
    const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0" }, cwd: root });
    const lax: GatewayModule = { name: "lax", start: (ctx) => ctx.customizePartnerTls((o) => ({ ...o, requestCert: false })) };
    await gateway?.stop();
    gateway = undefined;
    let error: unknown;
    try {
      gateway = await startGateway({ config, logger: createLogger({ level: "silent" }), modules: [lax] });
    } catch (e) {
      error = e;
    }
    expect((error as Error | undefined)?.message).to.contain("must require and verify a client certificate");
  });
});
