// National clients in the running gateway (src/app/module.ts): the authentication middleware on `/api`
// of the national listener (before the domains that mount API routes: consent, country B), the
// 8444 listener asking for client certificates, metrics, and in the embedded demo a client pinned to
// the development `tls-client` certificate with every scope. Registered clients: `passerelle clients`.
import { Counter } from "prom-client";
import type { GatewayContext, GatewayModule } from "../app/module";
import { auditTrailOf } from "../audit/module";
import { nationalAuthentication } from "./auth";
import { NationalClientRepository, pinOfPem } from "./clients";
import { FailureLimiter, type FailureLimiterOptions } from "./failure-limiter";
import { NATIONAL_SCOPES } from "./scopes";
import { readNationalClientCas, withNationalClientCertificates } from "./tls";

export const API_PATH = "/api";
/** The embedded demo's client: the development `tls-client` certificate, every scope. */
export const DEMO_CLIENT_NAME = "demo-national-client";

export interface NationalApiModuleOptions {
  /** Brute-force brake (tests shorten it); default FailureLimiter's. */
  readonly limiter?: FailureLimiterOptions;
}

const repositories = new WeakMap<GatewayContext, NationalClientRepository>();

/** The national client registry of a started gateway. */
export function nationalClientsOf(ctx: GatewayContext): NationalClientRepository {
  let r = repositories.get(ctx);
  if (!r) {
    r = new NationalClientRepository(ctx.database);
    repositories.set(ctx, r);
  }
  return r;
}

function auditOf(ctx: GatewayContext) {
  try {
    const trail = auditTrailOf(ctx);
    return (event: Parameters<typeof trail.record>[0]) => trail.record(event);
  } catch {
    ctx.logger.warn("national client refusals are not audited: the audit module is not started before the national API module");
    return undefined;
  }
}

export function createNationalApiModule(options: NationalApiModuleOptions = {}): GatewayModule {
  return {
    name: "national-api",
    start(ctx) {
      const { mode, clientCaFile } = ctx.config.nationalAuth;
      const cas = mode === "token" ? [] : readNationalClientCas(clientCaFile);
      const outcomes = new Counter({ name: "passerelle_national_auth_total", help: "National client authentications on /api by outcome", labelNames: ["outcome"], registers: [ctx.metrics.registry] });
      const audit = auditOf(ctx);
      ctx.nationalRouter.use(
        API_PATH,
        nationalAuthentication({
          mode,
          clients: nationalClientsOf(ctx),
          limiter: new FailureLimiter(options.limiter),
          logger: ctx.logger.child({ module: "national-api" }),
          observe: (outcome) => outcomes.inc({ outcome }),
          ...(audit ? { audit } : {}),
        }),
      );
      if (mode !== "token") {
        ctx.customizeNationalTls((tlsOptions) => withNationalClientCertificates(tlsOptions, cas));
      }
      ctx.logger.info({ mode, clientCaFile: mode === "token" ? undefined : clientCaFile }, "national API authentication");
    },
    async seedDemo(ctx) {
      const clients = nationalClientsOf(ctx);
      const pin = pinOfPem(ctx.tls.client.certPem, "tls-client certificate");
      const existing = await clients.get(DEMO_CLIENT_NAME);
      if (!existing) {
        const holder = await clients.byCertificate(pin.sha256);
        if (holder) return; // the operator registered this certificate under another name: leave it
        await clients.add({ name: DEMO_CLIENT_NAME, scopes: NATIONAL_SCOPES, certificate: pin });
        return;
      }
      // Idempotent: a regenerated development PKI (`certs init --force`) gets the new certificate pinned.
      if (existing.certificateSha256 !== pin.sha256) await clients.pinCertificate(DEMO_CLIENT_NAME, pin);
      if (existing.scopes.length !== NATIONAL_SCOPES.length) await clients.setScopes(DEMO_CLIENT_NAME, NATIONAL_SCOPES);
    },
  };
}

export const nationalApiModule: GatewayModule = createNationalApiModule();
