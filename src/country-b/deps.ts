// What the country-B use cases work with (issue 6): the partner connection (registry, our TLS client
// identity, the raw message store), our assertion issuer (SAML key), the audit trail, the terminology
// for translations and the document context for the eDispensations we build.
import type { AuditTrail } from "../audit/trail";
import type { DocumentContext } from "../documents/context";
import type { AssertionIssuer } from "../saml/issue";
import type { PartnerConnection } from "../soap/client/transport";
import type { Terminology } from "../terminology/types";

export interface CountryBDeps {
  readonly connection: PartnerConnection;
  readonly issuer: AssertionIssuer;
  readonly audit: AuditTrail;
  readonly terminology: Terminology;
  /** Our document context (ids of the eDispensations we build, custodian). */
  readonly documents: DocumentContext;
  /** Our home community id (urn:oid:...), the XDR sourceId. */
  readonly homeCommunityId: string;
  /** Per-transaction timeouts, overriding client/initiators TRANSACTION_TIMEOUTS_MS (tests, slow partners). */
  readonly timeoutsMs?: Partial<Record<"xcpd" | "xcaQuery" | "xcaRetrieve" | "xdr", number>>;
  readonly clock: () => Date;
}

/** Which exchange a use case runs for: the job's id and trace id, its abort signal. */
export interface ExchangeRun {
  readonly exchangeId: string;
  readonly traceId: string;
  readonly signal?: AbortSignal;
}
