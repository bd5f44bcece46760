// How a domain plugs into the running gateway. A domain exports a GatewayModule from its own file and
// adds one line to src/app/modules.ts; startGateway() (gateway.ts) calls, in registry order, every
// module's `start`, then (embedded mode, PASSERELLE_DEMO_SEED) every `seedDemo`, then opens the listeners.
import type { Router } from "express";
import type { Server } from "node:http";
import type { ServerOptions } from "node:https";
import type { Config } from "../config/schema";
import type { TlsMaterial } from "../ops/certs";
import type { GatewayMetrics } from "../ops/metrics";
import type { Readiness } from "../ops/readiness";
import type { Logger } from "../shared/logger";
import type { Database } from "../storage/database";

export interface GatewayContext {
  readonly config: Config;
  readonly logger: Logger;
  /** Migrated already (every migration of src/storage/migration-registry.ts). */
  readonly database: Database;
  /** Register domain metrics on `metrics.registry`. */
  readonly metrics: GatewayMetrics;
  /** Add the domain's readiness checks (shown on /readyz). */
  readonly readiness: Readiness;
  /** The listeners' TLS material (our client certificate for outbound mutual TLS, trusted CAs). */
  readonly tls: TlsMaterial;
  /**
   * Routes of the partner listener (8443, mutual TLS: the peer certificate is verified against ca.pem
   * and trust/, read it with `req.socket.getPeerCertificate()`). Mount under `/ncp/...`.
   * No body parser is installed: each route chooses its own (with a size limit).
   */
  readonly partnerRouter: Router;
  /** Routes of the national listener (8444, TLS): `/api/...` for national clients, `/ops/...` for operators. */
  readonly nationalRouter: Router;
  /**
   * Replaces the partner listener's TLS options (default: our server certificate, ca.pem + trust/ as
   * CAs, client certificate required, TLS >= 1.2), e.g. to take the CA list from the partner registry.
   * Customisations apply in registration order, each receiving the previous result.
   */
  customizePartnerTls(fn: (options: ServerOptions) => ServerOptions): void;
  /**
   * Replaces the national listener's TLS options (default: our server certificate, TLS >= 1.2, no
   * client certificate asked), e.g. to request national clients' certificates (src/api/tls.ts).
   */
  customizeNationalTls(fn: (options: ServerOptions) => ServerOptions): void;
  /** Called once the three listeners are bound (e.g. to follow trust changes on the partner server). */
  onListening(fn: (servers: Readonly<Record<"partner" | "national" | "ops", Server>>) => Promise<void> | void): void;
  /** Cleanup run on shutdown, in reverse order of registration, after the listeners have closed. */
  onStop(fn: () => Promise<void> | void): void;
}

export interface GatewayModule {
  /** Short name for logs, e.g. "national", "consent". */
  readonly name: string;
  /** Wire routes, workers and readiness checks. */
  start?(ctx: GatewayContext): Promise<void> | void;
  /** Seed demo data; runs on every start in the embedded mode, so it must be idempotent. */
  seedDemo?(ctx: GatewayContext): Promise<void> | void;
}
