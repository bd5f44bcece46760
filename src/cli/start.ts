// `passerelle start` (also `npm start`): runs the gateway until SIGINT or SIGTERM.
import type { Command } from "commander";
import { startGateway, type RunningGateway } from "../app/gateway";
import { GATEWAY_MODULES } from "../app/modules";
import { createLogger } from "../shared/logger";
import type { CliContext } from "./context";

export async function startFromContext(ctx: CliContext): Promise<RunningGateway> {
  const { config, warnings } = ctx.configReport();
  const logger = createLogger({ level: config.logLevel, name: "passerelle" });
  for (const warning of warnings) logger.warn(warning);
  const gateway = await startGateway({ config, logger, modules: GATEWAY_MODULES });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down: finishing requests in flight");
    gateway.stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  return gateway;
}

export function registerStartCommand(program: Command, ctx: CliContext): void {
  program
    .command("start")
    .description("run the gateway (listeners 8443 partner, 8444 national, 9090 health; see README configuration)")
    .action(async () => {
      await startFromContext(ctx);
    });
}
