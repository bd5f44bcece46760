// Country A in the running gateway (src/app/module.ts): the use cases' ports over the gateway's parts
// (national records, consent service, document pipeline + seal key, audit trail, exchange queue), the
// partner endpoints /ncp/xcpd, /ncp/xca, /ncp/xdr on the mutual-TLS listener, and the worker of the
// `deliver-dispensation` job. Needs the partners, audit, exchange-queue and consent modules started before it.
import { nationalPatientIdRuleOf } from "../national/patient-id";
import type { GatewayContext, GatewayModule } from "../app/module";
import { cdaSchemaFromConfig, documentContextFromConfig, sealKeyFromConfig, terminologyFromConfig } from "../app/documents";
import { auditTrailOf, rawMessagesOf } from "../audit/module";
import { consentServiceOf } from "../consent/module";
import { auditTrailPort, deliveryKey, exchangeQueuePort } from "../country-a/adapters";
import { AssertionCache } from "../country-a/assertion-cache";
import { DispensationStore } from "../country-a/dispensation-store";
import { DocumentSource } from "../country-a/document-source";
import type { CountryAResponders } from "../country-a/inbound";
import { withDeadline } from "../country-a/national-call";
import type { CountryAPorts, IdentifierDomains } from "../country-a/ports";
import { deliverDispensation, type DocumentChecks } from "../country-a/submit-dispensation";
import { partnerTrustOf } from "../exchange/partners/module";
import { exchangeQueueOf, registerExchangeHandler } from "../exchange/queue/module";
import { BusinessError, TransientError } from "../exchange/queue/port";
import { EmbeddedNationalStore } from "../national/embedded-store";
import type { NationalRecords } from "../national/port";
import { DatabaseReplayCache } from "../saml/replay";
import { isPasserelleError } from "../shared/errors";
import { countryARouter, type Endpoint } from "./router";
import { xcaResponders } from "./xca/responder";
import { xcpdResponder } from "./xcpd/responder";
import { xdrResponders } from "./xdr/responder";
import { Actions } from "./namespaces";

/** Largest request accepted on /ncp/* (an XDR with an eD is far below). */
export const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** A request not answered within this time gets a Receiver fault (a partner waits 180 s at most). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** The national system's time to record a dispensation before it is deferred to the queue. */
export const DEFAULT_NATIONAL_TIMEOUT_MS = 5_000;

export interface CountryAModuleOptions {
  /** The national records adapter (default: the embedded store in the gateway's database). */
  readonly national?: (ctx: GatewayContext) => NationalRecords;
  readonly maxRequestBytes?: number;
  readonly requestTimeoutMs?: number;
  readonly nationalTimeoutMs?: number;
}

const started = new WeakMap<GatewayContext, { ports: CountryAPorts; responders: CountryAResponders }>();

/** The country-A ports of a started gateway (tests, benchmarks). */
export function countryAOf(ctx: GatewayContext): { ports: CountryAPorts; responders: CountryAResponders } {
  const s = started.get(ctx);
  if (!s) throw new Error("the country-A module has not been started in this gateway");
  return s;
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export function createCountryAModule(options: CountryAModuleOptions = {}): GatewayModule {
  return {
    name: "country-a",
    async start(ctx) {
      const { config } = ctx;
      const terminology = terminologyFromConfig(config);
      const queue = exchangeQueueOf(ctx);
      const domains: IdentifierDomains = {
        national: config.identifiers.nationalPatientIdOid,
        ehdsi: config.identifiers.ehdsiPatientIdDomain,
        isValidId: nationalPatientIdRuleOf(config).isValid,
      };
      const ports: CountryAPorts = {
        national: options.national?.(ctx) ?? new EmbeddedNationalStore(ctx.database),
        consent: consentServiceOf(ctx),
        documents: new DocumentSource({ context: documentContextFromConfig(config, terminology), sealKey: sealKeyFromConfig(config) }),
        dispensations: new DispensationStore(ctx.database),
        audit: auditTrailPort(auditTrailOf(ctx), domains),
        queue: exchangeQueuePort(queue),
        clock: () => new Date(),
        domains,
        nationalTimeoutMs: options.nationalTimeoutMs ?? DEFAULT_NATIONAL_TIMEOUT_MS,
      };
      const checks = lazy<DocumentChecks>(() => ({ schema: cdaSchemaFromConfig(config), terminology }));
      const responders: CountryAResponders = {
        ports,
        registry: partnerTrustOf(ctx).registry,
        replay: new DatabaseReplayCache(ctx.database),
        homeCommunityId: config.identifiers.homeCommunityId,
        repositoryUniqueId: config.identifiers.homeCommunityId.replace(/^urn:oid:/, ""),
        documentChecks: checks,
        assertionCache: new AssertionCache(),
      };
      started.set(ctx, { ports, responders });

      const endpoints: Endpoint[] = [
        { name: "xcpd", wsdl: "xcpd", actions: { [Actions.xcpd.request]: xcpdResponder(responders) } },
        { name: "xca", wsdl: "xca", actions: xcaResponders(responders) },
        { name: "xdr", wsdl: "xdr", actions: xdrResponders(responders) },
      ];
      ctx.partnerRouter.use(
        countryARouter(endpoints, {
          registry: responders.registry,
          logger: ctx.logger.child({ module: "country-a" }),
          rawMessages: rawMessagesOf(ctx),
          maxBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
          timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        }),
      );

      // Deferred dispensations: delivered exactly once (the national call is idempotent on the eD id).
      registerExchangeHandler(ctx, "deliver-dispensation", async (job) => {
        const p = job.job;
        const r = await withDeadline(() => deliverDispensation(ports, p.dispensationId), ports.nationalTimeoutMs);
        if (r.kind === "timeout") throw new TransientError("the national prescription system did not answer in time");
        if (r.kind === "failed") {
          if (isPasserelleError(r.error) && !(r.error instanceof TransientError)) throw new BusinessError(r.error.code, r.error.message);
          throw new TransientError(`national prescription system: ${(r.error as Error).message}`, {}, { cause: r.error });
        }
        if (r.value === "refused") throw new BusinessError("ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", "the national prescription system refused the deferred dispensation");
        const prescription = await ports.national.getPrescription(p.patientId, p.prescriptionId);
        return { prescriptionStatus: prescription?.status ?? "cancelled", recordedAt: new Date().toISOString(), duplicate: r.value === "already-done" };
      });
      // Dispensations stored but not delivered when the gateway stopped go back to the queue (idempotent key).
      for (const d of await ports.dispensations.deferred()) {
        if (d.operation !== "submit") continue;
        await ports.queue.enqueueDelivery({ documentUniqueId: d.uniqueId, traceId: `recovery.${deliveryKey(d.uniqueId)}`, patient: { system: ports.domains.national, value: d.matricule }, partner: d.partner, dispensation: d.dispensation });
        if (d.state === "pending") await ports.dispensations.transition(d.uniqueId, ["pending"], "deferred");
      }
    },
  };
}

export const countryAModule: GatewayModule = createCountryAModule();
