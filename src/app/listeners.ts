// The three listeners (DESIGN.md "Default listeners"): partner gateways over mutual TLS, national
// clients and operators over TLS, and plain HTTP for probes and metrics.
import express, { type Router } from "express";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer, type ServerOptions } from "node:https";
import type { AddressInfo } from "node:net";
import type { TlsMaterial } from "../ops/certs";
import type { GatewayMetrics } from "../ops/metrics";
import { httpLogger, type Logger } from "../shared/logger";
import { notFoundHandler, problemHandler } from "./problem";

export type ListenerName = "partner" | "national" | "ops";

/** TLS 1.2 at least between gateways (REFERENCE.md "Transport"). */
const MIN_TLS_VERSION = "TLSv1.2";
/** Time given to requests in flight on shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface AppOptions {
  listener: ListenerName;
  logger: Logger;
  metrics: GatewayMetrics;
  router: Router;
  quietPaths?: readonly string[];
}

/** An express app with correlation ids, request metrics, the given routes, and problem-details errors. */
export function edgeApp(options: AppOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(httpLogger(options.logger.child({ listener: options.listener }), { quietPaths: options.quietPaths ?? [] }));
  app.use(options.metrics.httpMiddleware(options.listener));
  app.use(options.router);
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}

/** Partner listener default: a client certificate chaining to ca.pem or trust/ is required to connect. */
export function defaultPartnerTlsOptions(tls: TlsMaterial): ServerOptions {
  return {
    key: tls.server.keyPem,
    cert: tls.server.certPem,
    ca: [...tls.trustedCas],
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: MIN_TLS_VERSION,
  };
}

export function partnerServer(app: express.Express, options: ServerOptions): Server {
  // Whatever a module customised, the partner listener stays mutual TLS >= 1.2 (REFERENCE.md "Transport").
  if (options.requestCert !== true || options.rejectUnauthorized !== true) {
    throw new Error("the partner listener must require and verify a client certificate");
  }
  return createHttpsServer({ ...options, minVersion: options.minVersion ?? MIN_TLS_VERSION }, app);
}

export function defaultNationalTlsOptions(tls: TlsMaterial): ServerOptions {
  return { key: tls.server.keyPem, cert: tls.server.certPem, minVersion: MIN_TLS_VERSION };
}

export function nationalServer(app: express.Express, options: ServerOptions): Server {
  return createHttpsServer({ ...options, minVersion: options.minVersion ?? MIN_TLS_VERSION }, app);
}

export function opsServer(app: express.Express): Server {
  return createHttpServer(app);
}

/** Listens and resolves with the bound port (useful with port 0). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets requests in flight finish (up to the grace period), then cuts what is left. */
export function close(server: Server, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
