// Test helpers for the national listener: a gateway in a temp directory (embedded SQLite, ephemeral
// ports, silent log) and HTTPS requests with or without a client certificate or a bearer token.
import forge from "node-forge";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import type { GatewayModule } from "../../src/app/module";
import { loadConfig } from "../../src/config/load";
import { createLogger } from "../../src/shared/logger";
import { runPasserelle, type CliRun } from "../helpers/cli";
import type { TestCert } from "../trust/pki";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

export interface TestGateway {
  readonly root: string;
  readonly gateway: RunningGateway;
  readonly ca: string;
  /** The development tls-client certificate and key (the demo client's). */
  readonly devClient: { cert: string; key: string };
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  cli(...args: string[]): Promise<CliRun>;
  stop(): Promise<void>;
}

export interface CallOptions {
  cert?: string;
  key?: string;
  token?: string;
  authorization?: string;
  body?: unknown;
  /** Source address (any 127.x.y.z works on Linux loopback). */
  localAddress?: string;
}

export async function startTestGateway(modules: readonly GatewayModule[], env: Record<string, string> = {}): Promise<TestGateway> {
  const root = mkdtempSync(join(tmpdir(), "passerelle-api-"));
  const fullEnv = { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", ...env };
  const config = loadConfig({ env: fullEnv, cwd: root });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const gateway = await startGateway({ config, logger: createLogger({ level: "silent", destination: quiet }), modules });
  const ca = readFileSync(join(root, "certs/ca.pem"), "utf8");
  const devClient = { cert: readFileSync(join(root, "certs/tls-client.pem"), "utf8"), key: readFileSync(join(root, "certs/tls-client.key.pem"), "utf8") };
  return {
    root,
    gateway,
    ca,
    devClient,
    call: (method, path, options = {}) => call(gateway.ports.national, ca, method, path, options),
    cli: (...args) => runPasserelle(args, fullEnv, root),
    async stop() {
      await gateway.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function call(port: number, ca: string, method: string, path: string, o: CallOptions): Promise<Answer> {
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  const headers: Record<string, string> = {};
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  if (o.authorization !== undefined) headers.authorization = o.authorization;
  if (payload !== undefined) headers["content-type"] = "application/json";
  const options: RequestOptions = {
    host: "127.0.0.1",
    servername: "localhost",
    port,
    path,
    method,
    headers,
    ca,
    agent: false,
    ...(o.cert ? { cert: o.cert, key: o.key } : {}),
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          // not JSON: the test looks at the body
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** The token line printed by `passerelle clients add --token` / `rotate`. */
export function tokenOf(run: CliRun): string {
  const m = /^token: (psl_\S+)$/m.exec(run.out);
  if (!m?.[1]) throw new Error(`no token in output: ${run.out} ${run.err}`);
  return m[1];
}

/** The development CA of a test gateway (certs/ca.pem + ca.key.pem), to issue further client certificates. */
export function devCa(root: string): TestCert {
  const certPem = readFileSync(join(root, "certs/ca.pem"), "utf8");
  const keyPem = readFileSync(join(root, "certs/ca.key.pem"), "utf8");
  const cert = forge.pki.certificateFromPem(certPem);
  return { certPem, keyPem, subject: "development CA", cert, key: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey };
}
