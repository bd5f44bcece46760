// Every domain wired into the running gateway, in start order. To add yours: export a GatewayModule
// (src/app/module.ts) from your domain, e.g. `export const consentModule: GatewayModule` in
// src/consent/module.ts, and add ONE import line and ONE entry below.
import type { GatewayModule } from "./module";
import { consentModule } from "../consent/module";
import { nationalModule } from "../national/module";
import { partnersModule } from "../exchange/partners/module";
import { auditModule } from "../audit/module";
import { exchangeQueueModule } from "../exchange/queue/module";
import { countryAModule } from "../soap/module";
import { countryBModule } from "../country-b/module";
import { consoleModule } from "../ops/console/module";
import { nationalApiModule } from "../api/module";
import { exchangesApiModule } from "../api/exchanges/module";

export const GATEWAY_MODULES: readonly GatewayModule[] = [
  nationalModule,
  partnersModule, // first: the soap/ responders and exchange/ clients use partnerTrustOf(ctx)
  auditModule, // before the domains that record events through auditTrailOf(ctx)
  nationalApiModule, // authenticates national clients on /api (after audit: refusals audited; before consent and every /api route)
  exchangeQueueModule, // before the modules that enqueue through exchangeQueueOf(ctx)
  consentModule,
  countryAModule, // country A: /ncp/xcpd, /ncp/xca, /ncp/xdr (after partners, audit, queue, consent)
  countryBModule, // country B: the queue handlers of XCPD, XCA, XDR to partners (after partners, audit, queue)
  exchangesApiModule, // country B REST: /api/v1/exchanges and /api/docs (after national-api and the queue)
  consoleModule, // operator console at /ops on 8444 (after audit, partners, queue)
];
