// Country B's REST API in the running gateway (src/app/module.ts): /api/v1/exchanges and /api/docs
// on the national listener, behind the national client authentication (register after
// nationalApiModule and exchangeQueueModule). The job handlers that do the work are the SOAP
// client's (src/country-b/); this module only validates, enqueues and shows.
import type { GatewayModule } from "../../app/module";
import { registerProblemStatus } from "../../app/problem";
import { exchangeQueueOf } from "../../exchange/queue/module";
import { ErrorCode } from "../../shared/errors";
import { DOCS_PATH, docsRouter } from "./docs";
import { exchangesRouter } from "./router";
import { EXCHANGES_PATH } from "./view";

export const exchangesApiModule: GatewayModule = {
  name: "exchanges-api",
  start(ctx) {
    // eHDSI 4703 "insufficient rights": the requester lacks the service's permissions.
    registerProblemStatus(ErrorCode.InsufficientRights, 403);
    ctx.nationalRouter.use(EXCHANGES_PATH, exchangesRouter({ queue: exchangeQueueOf(ctx), country: ctx.config.country }));
    ctx.nationalRouter.use(DOCS_PATH, docsRouter());
  },
};
