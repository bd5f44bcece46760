// The assertions of one country-B request (issue 6: "Passerelle issues the TRC and HCP assertions";
// REFERENCE.md "SAML assertions"): a fresh HCP assertion for the caller named in the job, and, for
// XCA and XDR, a TRC bound to it for the patient asked. Both are audited when issued (EHDSI-91 HCP
// authentication, EHDSI-92 TRC issuance); a caller whose identity cannot be asserted (e.g. a
// one-factor AuthnContext, a bad role) is refused with INPUT_INVALID before anything is sent.
import type { AuditWho } from "../audit/event";
import type { JobHcpUser } from "../exchange/queue/jobs";
import type { HcpUser } from "../saml/issue";
import { isPasserelleError } from "../shared/errors";
import type { CountryBDeps, ExchangeRun } from "./deps";

export interface RequestAssertions {
  /** Signed XML, HCP first then TRC, for wsse:Security. */
  readonly xml: readonly string[];
  readonly who: AuditWho;
}

export function hcpUserOf(requester: JobHcpUser): HcpUser {
  const { authnInstant, ...rest } = requester;
  return { ...rest, ...(authnInstant ? { authnInstant: new Date(authnInstant) } : {}) };
}

export function whoOf(country: string, requester: JobHcpUser): AuditWho {
  return {
    partnerCountry: country,
    hcpId: requester.nameId,
    role: requester.role,
    organisation: requester.organization,
    organisationId: requester.organizationId,
    purposeOfUse: requester.purposeOfUse,
    emergency: requester.purposeOfUse === "EMERGENCY",
  };
}

/** Issues the HCP assertion (and the TRC for `patientCx`), auditing each issuance. */
export async function issueAssertions(deps: CountryBDeps, run: ExchangeRun, country: string, requester: JobHcpUser, patientCx?: string): Promise<RequestAssertions> {
  const who = whoOf(country, requester);
  const base = { direction: "outbound" as const, who, traceId: run.traceId, exchangeId: run.exchangeId };
  const at = deps.clock();
  let hcp;
  try {
    hcp = deps.issuer.hcp(hcpUserOf(requester), at);
  } catch (e) {
    await deps.audit.record({ ...base, type: "EHDSI-91", outcome: "failure", errorCode: isPasserelleError(e) ? e.code : "ERROR_GENERIC" });
    throw e;
  }
  await deps.audit.record({ ...base, type: "EHDSI-91", outcome: "success" });
  if (patientCx === undefined) return { xml: [hcp.xml], who };
  const trc = deps.issuer.trc({ hcp: hcp.content, patientId: patientCx, purposeOfUse: requester.purposeOfUse }, at);
  await deps.audit.record({ ...base, type: "EHDSI-92", outcome: "success", patientId: patientCx });
  return { xml: [hcp.xml, trc.xml], who };
}
