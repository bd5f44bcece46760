// Opens the configured exchange queue: BullMQ when REDIS_URL is set, else the embedded queue in the
// gateway's database (DESIGN.md "Real components and the embedded default"). Used by the gateway
// module and the `passerelle exchanges` commands, so both see the same queues.
import type { Config } from "../../config/schema";
import type { Logger } from "../../shared/logger";
import type { Database } from "../../storage/database";
import { BullmqExchangeQueue } from "./bullmq";
import { EmbeddedExchangeQueue } from "./embedded";
import type { ExchangeQueue } from "./port";
import type { PartialQueueSettings } from "./settings";

/** The Redis key prefix of one gateway's queues: gateways of several countries may share a Redis. */
export function queuePrefix(config: Pick<Config, "country">): string {
  return `passerelle-${config.country.toLowerCase()}`;
}

export interface OpenQueueOptions {
  readonly config: Pick<Config, "country" | "redisUrl">;
  readonly database: Database;
  readonly logger?: Logger;
  readonly settings?: PartialQueueSettings;
}

export function openExchangeQueue(options: OpenQueueOptions): ExchangeQueue {
  const { config, database, logger, settings } = options;
  if (config.redisUrl) return new BullmqExchangeQueue({ url: config.redisUrl, prefix: queuePrefix(config), ...(logger ? { logger } : {}), ...(settings ? { settings } : {}) });
  return new EmbeddedExchangeQueue({ database, ...(logger ? { logger } : {}), ...(settings ? { settings } : {}) });
}
