// Starts one gateway from a Config: certificates (a development PKI on first start), database and
// migrations, domain modules, then the three listeners. Returns a handle that stops it cleanly.
import { Router } from "express";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "node:http";
import { PROJECT_ROOT } from "../config/load";
import type { Config } from "../config/schema";
import { certificateProblems, loadTlsMaterial } from "../ops/certs";
import { generateDevPki, isCertsDirEmpty } from "../ops/dev-pki";
import { healthRoutes } from "../ops/health-routes";
import { createMetrics } from "../ops/metrics";
import { Readiness } from "../ops/readiness";
import type { Logger } from "../shared/logger";
import { openDatabase, type Database } from "../storage/database";
import { bindInstanceIdentity } from "../storage/instance";
import { ALL_MIGRATIONS } from "../storage/migration-registry";
import { runMigrations } from "../storage/migrations";
import type { ServerOptions } from "node:https";
import { close, defaultNationalTlsOptions, defaultPartnerTlsOptions, edgeApp, listen, nationalServer, opsServer, partnerServer, type ListenerName } from "./listeners";
import type { GatewayContext, GatewayModule } from "./module";

export interface StartGatewayOptions {
  config: Config;
  logger: Logger;
  /** Domain modules (default: none; main passes GATEWAY_MODULES). */
  modules?: readonly GatewayModule[];
}

export interface RunningGateway {
  /** Bound ports (differ from the configuration when it asks for port 0). */
  readonly ports: Readonly<Record<ListenerName, number>>;
  readonly context: GatewayContext;
  /** Closes listeners (requests in flight finish), runs modules' cleanup, closes the database. */
  stop(): Promise<void>;
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config, logger } = options;
  const cleanups: Array<() => Promise<void> | void> = [];
  const partnerTls: Array<(o: ServerOptions) => ServerOptions> = [];
  const nationalTls: Array<(o: ServerOptions) => ServerOptions> = [];
  const listeningHooks: Array<(servers: Readonly<Record<ListenerName, Server>>) => Promise<void> | void> = [];
  const servers: Server[] = [];
  let database: Database | undefined;

  const stop = async () => {
    await Promise.all(servers.map((s) => close(s)));
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.error({ err }, "cleanup failed during shutdown");
      }
    }
    await database?.close();
  };

  try {
    if (isCertsDirEmpty(config.certsDir)) {
      generateDevPki({ dir: config.certsDir, country: config.country });
      logger.warn({ certsDir: config.certsDir }, "certificates directory was empty: generated a development PKI (passerelle certs init); not for production");
    }
    const tls = loadTlsMaterial(config.certsDir);
    logger.info({ certsDir: config.certsDir, trusted: tls.trustFiles }, "certificates loaded");

    database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    const migrated = await runMigrations(database, ALL_MIGRATIONS);
    logger.info({ database: database.location, dialect: database.dialect, applied: migrated.applied, total: migrated.total }, "database ready");
    await bindInstanceIdentity(database, { country: config.country, homeCommunityId: config.identifiers.homeCommunityId });

    const metrics = createMetrics({ version: packageVersion(), country: config.country });
    const readiness = new Readiness();
    const db = database;
    readiness.add("database", async () => {
      await db.ping();
      return undefined;
    });
    readiness.add("certificates", () => certificateProblems(tls).join("; ") || undefined);

    const context: GatewayContext = {
      config,
      logger,
      database,
      metrics,
      readiness,
      tls,
      partnerRouter: Router(),
      nationalRouter: Router(),
      customizePartnerTls: (fn) => partnerTls.push(fn),
      customizeNationalTls: (fn) => nationalTls.push(fn),
      onListening: (fn) => listeningHooks.push(fn),
      onStop: (fn) => cleanups.push(fn),
    };

    for (const module of options.modules ?? []) {
      await module.start?.(context);
      logger.debug({ module: module.name }, "module started");
    }
    if (config.demoSeed) {
      for (const module of options.modules ?? []) {
        if (!module.seedDemo) continue;
        await module.seedDemo(context);
        logger.info({ module: module.name }, "demo data seeded");
      }
    }

    const { host, partnerPort, nationalPort, opsPort } = config.listen;
    const partnerOptions = partnerTls.reduce((options, customize) => customize(options), defaultPartnerTlsOptions(tls));
    const partner = partnerServer(edgeApp({ listener: "partner", logger, metrics, router: context.partnerRouter }), partnerOptions);
    const nationalOptions = nationalTls.reduce((options, customize) => customize(options), defaultNationalTlsOptions(tls));
    const national = nationalServer(edgeApp({ listener: "national", logger, metrics, router: context.nationalRouter }), nationalOptions);
    const ops = opsServer(edgeApp({ listener: "ops", logger, metrics, router: healthRoutes(readiness, metrics.registry), quietPaths: ["/healthz", "/readyz", "/metrics"] }));
    servers.push(partner, national, ops);
    const ports = {
      partner: await listen(partner, partnerPort, host),
      national: await listen(national, nationalPort, host),
      ops: await listen(ops, opsPort, host),
    };
    for (const hook of listeningHooks) await hook({ partner, national, ops });
    logger.info({ host, ports, country: config.country, embedded: !config.databaseUrl, version: packageVersion() }, "Passerelle listening");
    return { ports, context, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
