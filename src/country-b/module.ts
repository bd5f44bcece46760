// Country B in the gateway (issue 6): the handlers of the four partner exchanges, registered with the
// exchange queue, over the partner registry and our TLS client identity (partners module), the audit
// trail and raw message store (audit module), our SAML key (assertions) and the document engine's
// terminology and context (translations, eDispensations). The REST API (src/api/exchanges) enqueues
// the jobs; these handlers run them.
import type { GatewayContext, GatewayModule } from "../app/module";
import { documentContextFromConfig, terminologyFromConfig } from "../app/documents";
import { auditTrailOf, rawMessagesOf } from "../audit/module";
import { partnerTrustOf } from "../exchange/partners/module";
import { registerExchangeHandler } from "../exchange/queue/module";
import { createAssertionIssuer } from "../saml/issue";
import { loadSigningKey } from "../signing/keys";
import { closePartnerConnections } from "../soap/client/transport";
import type { CountryBDeps } from "./deps";
import { countryBHandlers } from "./handlers";
import { COUNTRY_B_JOB_TYPES } from "./results";

export interface CountryBModuleOptions {
  /** Per-transaction timeouts (ms) instead of the defaults of src/soap/client/initiators.ts. */
  readonly timeoutsMs?: CountryBDeps["timeoutsMs"];
  /** Jobs of each type run at once in this process (default 4; the per-partner limits apply too). */
  readonly concurrency?: number;
  readonly clock?: () => Date;
  /**
   * false: build the dependencies (countryBOf) without registering the handlers with the gateway's
   * queue, for a caller that runs them on its own queue or directly (tests, benchmarks). Default true.
   */
  readonly registerHandlers?: boolean;
}

const deps = new WeakMap<GatewayContext, CountryBDeps>();

/** The country-B dependencies of a started gateway (tests, benchmarks: direct calls without the queue). */
export function countryBOf(ctx: GatewayContext): CountryBDeps {
  const d = deps.get(ctx);
  if (!d) throw new Error("the country-b module has not been started in this gateway");
  return d;
}

export function createCountryBModule(options: CountryBModuleOptions = {}): GatewayModule {
  return {
    name: "country-b",
    start(ctx) {
      const trust = partnerTrustOf(ctx);
      const clock = options.clock ?? (() => new Date());
      const terminology = terminologyFromConfig(ctx.config);
      const d: CountryBDeps = {
        connection: { registry: trust.registry, own: trust.clientIdentity, rawMessages: rawMessagesOf(ctx) },
        issuer: createAssertionIssuer({ key: loadSigningKey(ctx.config.certsDir, "saml"), country: ctx.config.country, homeCommunityId: ctx.config.identifiers.homeCommunityId }),
        audit: auditTrailOf(ctx),
        terminology,
        documents: documentContextFromConfig(ctx.config, terminology, clock),
        homeCommunityId: ctx.config.identifiers.homeCommunityId,
        ...(options.timeoutsMs ? { timeoutsMs: options.timeoutsMs } : {}),
        clock,
      };
      deps.set(ctx, d);
      ctx.onStop(() => closePartnerConnections(trust.registry));
      if (options.registerHandlers === false) return;
      const handlers = countryBHandlers(d);
      const process = options.concurrency ? { concurrency: options.concurrency } : {};
      for (const type of COUNTRY_B_JOB_TYPES) registerExchangeHandler(ctx, type, handlers[type] as never, process);
    },
  };
}

export const countryBModule: GatewayModule = createCountryBModule();
