// What the country-A responders share around the use cases: validating the request's assertions for
// the service asked (src/saml/validate.ts, with the TLS peer's partner and the replay cache), and
// auditing a request refused before any use case ran (EHDSI-xx failure, no HCP identity).
import type { PartnerRegistry } from "../exchange/partners/registry";
import type { ReplayCache } from "../saml/replay";
import { validateAssertions, type ValidatedAssertions } from "../saml/validate";
import type { SamlService } from "../saml/vocabulary";
import { isPasserelleError } from "../shared/errors";
import { XMLSerializer, type Element } from "@xmldom/xmldom";
import type { AssertionCache } from "./assertion-cache";
import type { DocumentChecks } from "./submit-dispensation";
import { ehdsiErrorOf, type EhdsiError } from "./errors";
import type { AuditEventId, CountryAPorts, Requester } from "./ports";

export interface CountryAResponders {
  readonly ports: CountryAPorts;
  readonly registry: PartnerRegistry;
  readonly replay: ReplayCache;
  /** urn:oid:... of this gateway (XCA homeCommunityId, XCPD custodian). */
  readonly homeCommunityId: string;
  /** XDS repositoryUniqueId of our documents. */
  readonly repositoryUniqueId: string;
  /** XSD and terminology for received eDispensations (loaded on first use). */
  readonly documentChecks: () => DocumentChecks;
  /** Verdicts on reused assertions (assertion-cache.ts); undefined = validate every request fully. */
  readonly assertionCache?: AssertionCache | undefined;
}

export type Validation = { readonly ok: true; readonly requester: Requester } | { readonly ok: false; readonly error: EhdsiError };

/** Validates the assertions of `envelope` for `service`; a refusal is audited under `eventId`. */
export async function validateRequest(
  r: CountryAResponders,
  x: { envelope: string; country: string; messageId: string; exchangeId?: string; security?: Element | undefined },
  service: SamlService,
  eventId: AuditEventId,
  patient: { cx?: string | undefined; skipPatientCheck?: boolean } = {},
): Promise<Validation> {
  const started = r.ports.clock();
  let assertions: ValidatedAssertions | undefined;
  const cache = r.assertionCache;
  const key =
    cache && x.security
      ? cache.key({ security: new XMLSerializer().serializeToString(x.security), service, country: x.country, patient: patient.skipPatientCheck ? "(TRC patient not compared)" : (patient.cx ?? ""), registryGeneration: r.registry.generation })
      : undefined;
  try {
    if (cache && key) assertions = await cache.recall(key, x.messageId, started, r.replay);
    assertions ??= await validateAssertions(x.envelope, {
      service, registry: r.registry, peerCountry: x.country, replay: r.replay, at: started,
      ...(patient.cx !== undefined ? { patientId: patient.cx } : {}),
      ...(patient.skipPatientCheck ? { skipPatientCheck: true } : {}),
    });
    if (cache && key) cache.remember(key, assertions, started);
  } catch (e) {
    if (!isPasserelleError(e)) throw e;
    const error = ehdsiErrorOf(e);
    await r.ports.audit.record({
      eventId, outcome: "failure", partner: x.country, hcp: undefined, patient: patient.cx, documents: [], errorCode: error.errorCode,
      messageId: x.messageId, ...(x.exchangeId ? { exchangeId: x.exchangeId } : {}), startedAt: started.toISOString(), durationMs: r.ports.clock().getTime() - started.getTime(), detail: { refused: "assertions" },
    });
    return { ok: false, error };
  }
  return { ok: true, requester: { country: x.country, assertions, messageId: x.messageId, ...(x.exchangeId ? { exchangeId: x.exchangeId } : {}) } };
}
