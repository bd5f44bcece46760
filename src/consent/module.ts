// The consent domain in the running gateway (src/app/module.ts): the ConsentService over the gateway's
// database, its REST router at /api/v1/consents on the national listener, and the demo consents.
// Other domains (country A: XCPD, XCA, XDR) get the service with consentServiceOf(ctx).
import type { GatewayContext, GatewayModule } from "../app/module";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { AuditSink } from "./audit";
import { TableAuditSink } from "./audit-table";
import { seedDemoConsents } from "./demo";
import type { DecisionPolicy } from "./model";
import { ConsentRepository } from "./repository";
import { consentRouter } from "./router";
import { ConsentService, nationalPatientDirectory, type PatientDirectory } from "./service";
import { EmbeddedNationalStore } from "../national/embedded-store";

export const CONSENT_API_PATH = "/api/v1/consents";

export interface ConsentModuleOptions {
  /** Emergency policy; default deny (issue 4). */
  readonly policy?: (ctx: GatewayContext) => DecisionPolicy | undefined;
  /** Who the national records know (default: the embedded national store in the gateway's database). */
  readonly patients?: (ctx: GatewayContext) => PatientDirectory | undefined;
  /** The gateway's audit trail; default: the consent domain's own append-only table. */
  readonly audit?: (ctx: GatewayContext) => AuditSink;
}

const services = new WeakMap<GatewayContext, ConsentService>();

/** The consent service of a started gateway. */
export function consentServiceOf(ctx: GatewayContext): ConsentService {
  const s = services.get(ctx);
  if (!s) throw new PasserelleError(ErrorCode.Internal, "the consent module has not been started in this gateway");
  return s;
}

export function createConsentModule(options: ConsentModuleOptions = {}): GatewayModule {
  return {
    name: "consent",
    start(ctx) {
      const policy = options.policy?.(ctx);
      const patients = options.patients ? options.patients(ctx) : nationalPatientDirectory(new EmbeddedNationalStore(ctx.database));
      const service = new ConsentService({
        repository: new ConsentRepository(ctx.database),
        audit: options.audit?.(ctx) ?? new TableAuditSink(ctx.database),
        ...(policy ? { policy } : {}),
        ...(patients ? { patients } : {}),
      });
      services.set(ctx, service);
      ctx.nationalRouter.use(CONSENT_API_PATH, consentRouter(service));
    },
    async seedDemo(ctx) {
      await seedDemoConsents(consentServiceOf(ctx));
    },
  };
}

export const consentModule: GatewayModule = createConsentModule();
