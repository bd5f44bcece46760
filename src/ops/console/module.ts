// The operator console at /ops on the national listener (8444, TLS) — issue 7. Its own login
// (operator accounts, server-side sessions), not the national client authentication of /api.
// Register after the audit, partners and exchange queue modules (src/app/modules.ts).
import express, { Router } from "express";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GatewayContext, GatewayModule } from "../../app/module";
import { auditTrailOf, rawMessagesOf } from "../../audit/module";
import type { AuditTables } from "../../audit/migrations";
import { certificateExpiries } from "../../exchange/partners/expiry";
import { ownCertificates, partnerTrustOf } from "../../exchange/partners/module";
import { exchangeQueueOf } from "../../exchange/queue/module";
import { OperatorAccounts, type SessionLifetimes } from "../operators/accounts";
import { authRoutes, logoutRoute } from "./auth-routes";
import { mountBullBoard } from "./board";
import { registerTrailMetrics } from "./metrics";
import { pageRoutes } from "./page-routes";
import { LoginLimiter, requireCsrf, requireSession, securityHeaders, type LoginLimits } from "./security";

export const CONSOLE_PATH = "/ops";
const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), "static");
/** How often expired sessions are deleted. */
const SESSION_PURGE_MS = 15 * 60_000;

export interface ConsoleModuleOptions {
  readonly lifetimes?: SessionLifetimes;
  readonly loginLimits?: LoginLimits;
  /** Clock of the pages (tests). */
  readonly now?: () => Date;
}

export function createConsoleModule(options: ConsoleModuleOptions = {}): GatewayModule {
  return {
    name: "ops-console",
    async start(ctx: GatewayContext) {
      const logger = ctx.logger.child({ module: "ops-console" });
      const accounts = new OperatorAccounts(ctx.database, options.lifetimes);
      const limiter = new LoginLimiter(options.loginLimits);
      const auditDb = ctx.database.tables<AuditTables>();
      const queue = exchangeQueueOf(ctx);
      const trust = partnerTrustOf(ctx);
      const own = ownCertificates(ctx.config.certsDir);
      await registerTrailMetrics(ctx.metrics.registry, auditDb);

      const ops = Router();
      ops.use(securityHeaders());
      ops.use("/static", express.static(STATIC_DIR, { index: false, fallthrough: false, maxAge: "1h" }));
      const trail = auditTrailOf(ctx);
      ops.use(authRoutes(accounts, limiter, logger, (event) => trail.record(event)));
      ops.use(requireSession(accounts));
      ops.use(express.urlencoded({ extended: false, limit: "4kb", parameterLimit: 20 }));
      ops.use(requireCsrf);
      ops.use(logoutRoute(accounts, logger));
      const boardMounted = queue.kind === "bullmq" && ctx.config.redisUrl ? await mountBullBoard(ops, ctx, logger) : false;
      ops.use(
        pageRoutes({
          trail,
          auditDb,
          messages: rawMessagesOf(ctx),
          queue,
          partners: trust.registry,
          certificates: () => certificateExpiries(trust.registry, own, options.now?.() ?? new Date()),
          warningDays: ctx.config.certExpiryWarningDays,
          boardMounted,
          logger,
          ...(options.now ? { now: options.now } : {}),
        }),
      );
      ctx.nationalRouter.use(CONSOLE_PATH, ops);

      const timer = setInterval(() => {
        accounts.purgeExpiredSessions().catch((err: unknown) => logger.error({ err }, "operator session purge failed"));
      }, SESSION_PURGE_MS);
      timer.unref();
      ctx.onStop(() => clearInterval(timer));
    },

    // The embedded demo needs a way in: with no operator account at all, an `admin` is created with a
    // random password printed once in the log (as a first-start secret; later starts print nothing).
    // Production deployments create accounts with `passerelle operators add` instead.
    async seedDemo(ctx) {
      const accounts = new OperatorAccounts(ctx.database);
      if ((await accounts.count()) > 0) return;
      const password = randomBytes(15).toString("base64url");
      await accounts.add("admin", "admin", password);
      // In the message text on purpose: the logger redacts `password` fields, and this one line is
      // the only place the demo's first password is ever shown.
      ctx.logger.warn(
        { operator: "admin", url: `https://localhost:${ctx.config.listen.nationalPort}${CONSOLE_PATH}` },
        `operator console: demo account admin created, initial password ${password} (shown once; change it with passerelle operators add admin --role admin)`,
      );
    },
  };
}

export const consoleModule: GatewayModule = createConsoleModule();
