// The consent domain in the running gateway (src/app/module.ts): the ConsentService over the gateway's
// database, its REST router at /api/v1/consents on the national listener, and the demo consents.
// Other domains (country A: XCPD, XCA, XDR) get the service with consentServiceOf(ctx). Decisions,
// changes and imports are audited in the gateway's hash-chained trail (the audit module starts first);
// the emergency policy is PASSERELLE_EMERGENCY_ACCESS (ctx.config.emergencyAccess).
import type { GatewayContext, GatewayModule } from "../app/module";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { consentAuditSinkOf } from "../audit/module";
import type { AuditSink } from "./audit";
import { demoPatientsWithConsent, seedDemoConsents } from "./demo";
import type { DecisionPolicy } from "./model";
import { ConsentRepository } from "./repository";
import { consentRouter } from "./router";
import { ConsentService, nationalPatientDirectory, type PatientDirectory } from "./service";
import { EmbeddedNationalStore } from "../national/embedded-store";
import { nationalPatientIdRuleOf } from "../national/patient-id";

export const CONSENT_API_PATH = "/api/v1/consents";

export interface ConsentModuleOptions {
  /** Emergency policy; default: the configured PASSERELLE_EMERGENCY_ACCESS (itself deny by default, issue 4). */
  readonly policy?: (ctx: GatewayContext) => DecisionPolicy | undefined;
  /** Who the national records know (default: the embedded national store in the gateway's database). */
  readonly patients?: (ctx: GatewayContext) => PatientDirectory | undefined;
  /** Where consent events are audited; default: the gateway's audit trail (consentAuditSinkOf). */
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
      const policy: DecisionPolicy = options.policy?.(ctx) ?? { emergency: ctx.config.emergencyAccess };
      // The configured country's patient ids (PASSERELLE_COUNTRY, PASSERELLE_NATIONAL_PATIENT_ID_OID).
      const patientIds = nationalPatientIdRuleOf(ctx.config);
      const patients = options.patients ? options.patients(ctx) : nationalPatientDirectory(new EmbeddedNationalStore(ctx.database, { patientId: patientIds }), patientIds.system);
      const service = new ConsentService({
        repository: new ConsentRepository(ctx.database),
        audit: (options.audit ?? consentAuditSinkOf)(ctx),
        policy,
        patientIds,
        ...(patients ? { patients } : {}),
      });
      services.set(ctx, service);
      ctx.nationalRouter.use(CONSENT_API_PATH, consentRouter(service));
    },
    async seedDemo(ctx) {
      await seedDemoConsents(consentServiceOf(ctx), demoPatientsWithConsent(ctx.config.country));
    },
  };
}

export const consentModule: GatewayModule = createConsentModule();
