// BullMQ's own UI (@bull-board/express + @bull-board/api, pinned) under /ops/queues/board when the
// exchange queue runs on Redis (REDIS_URL). It reads the queues the adapter writes (exchange-<type>
// under the adapter's key prefix) over its own Redis connection, behind the console's session check.
// Read-only, and GET only: a replay goes through the console's own POST with its CSRF token and role
// check (the board's PUT actions would bypass both). The board's page needs inline scripts and styles,
// so it gets its own CSP, limited to its path.
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { Queue } from "bullmq";
import type { Router } from "express";
import { Redis } from "ioredis";
import type { GatewayContext } from "../../app/module";
import { queuePrefix } from "../../exchange/queue/factory";
import { JOB_TYPES } from "../../exchange/queue/port";
import type { Logger } from "../../shared/logger";

export const BOARD_PATH = "/queues/board";
const BOARD_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

export async function mountBullBoard(router: Router, ctx: GatewayContext, logger: Logger): Promise<boolean> {
  const url = ctx.config.redisUrl;
  if (!url) return false;
  const connection = new Redis(url, { maxRetriesPerRequest: 3, connectTimeout: 5000 });
  connection.on("error", (err) => logger.warn({ err: err.message }, "BullMQ board: Redis connection error"));
  const queues = JOB_TYPES.map((type) => new Queue(`exchange-${type}`, { connection, prefix: queuePrefix(ctx.config) }));
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(`/ops${BOARD_PATH}`);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })), serverAdapter, options: { uiConfig: { boardTitle: "Passerelle exchanges" } } });
  router.use(BOARD_PATH, (req, res, next) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.status(405).setHeader("Allow", "GET").type("text/plain").send("the board is read-only: replay from the console's job page");
      return;
    }
    res.setHeader("Content-Security-Policy", BOARD_CSP);
    next();
  });
  router.use(BOARD_PATH, serverAdapter.getRouter() as Router);
  ctx.onStop(async () => {
    await Promise.all(queues.map((q) => q.close()));
    connection.disconnect();
  });
  logger.info({ path: `/ops${BOARD_PATH}` }, "BullMQ board mounted (read-only)");
  return true;
}
