// The partner registry's model: one entry per partner gateway (another country's NCPeH), with the
// certificates we trust for its TLS connections and for its SAML/TRC signatures (issue 3).
import { z } from "zod";

/** The partner-facing services a gateway exposes (REFERENCE.md: XCPD ITI-55, XCA ITI-38/39, XDR ITI-41). */
export const PARTNER_SERVICES = ["xcpd", "xca", "xdr"] as const;
export type PartnerService = (typeof PARTNER_SERVICES)[number];

/** What a trusted certificate may vouch for: the partner's TLS (client and server) or its SAML/TRC signatures. */
export const TRUST_USAGES = ["tls", "signing"] as const;
export type TrustUsage = (typeof TRUST_USAGES)[number];

/**
 * "ca": any certificate chaining to it (within validity, right key usage) is the partner's;
 * "pinned": exactly this certificate (same DER), and nothing it might have issued.
 */
export const TRUST_KINDS = ["ca", "pinned"] as const;
export type TrustKind = (typeof TRUST_KINDS)[number];

export interface TrustEntry {
  readonly usage: TrustUsage;
  readonly kind: TrustKind;
  /** One certificate, PEM. */
  readonly pem: string;
  /** SHA-256 of the DER, lower-case hex: the certificate's stable identity in the registry. */
  readonly sha256: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface Partner {
  /** ISO 3166-1 alpha-2, upper case (eHDSI uses country codes such as "DK", "FI"). */
  readonly country: string;
  /** `urn:oid:...` (REFERENCE.md "Identifiers"). */
  readonly homeCommunityId: string;
  readonly endpoints: Readonly<Partial<Record<PartnerService, string>>>;
  readonly certificates: readonly TrustEntry[];
  readonly updatedAt: Date;
}

export const COUNTRY_CODE = /^[A-Z]{2}$/;
export const HOME_COMMUNITY_ID = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;

const endpointUrl = z
  .string()
  .url()
  .refine((u) => new URL(u).protocol === "https:", { message: "partner endpoints must be https:// URLs (mutual TLS)" });

/**
 * What an operator supplies for a partner (partners file entry, CLI `partners add`). Certificates are
 * given as PEM text; a PEM may hold several certificates, each becomes one trust entry.
 */
export const partnerInputSchema = z
  .object({
    country: z.string().regex(COUNTRY_CODE, "country must be two upper-case letters (ISO 3166-1 alpha-2)"),
    homeCommunityId: z.string().regex(HOME_COMMUNITY_ID, "homeCommunityId must be urn:oid:<dotted OID>"),
    endpoints: z.object({ xcpd: endpointUrl.optional(), xca: endpointUrl.optional(), xdr: endpointUrl.optional() }).strict(),
    tls: z
      .object({ ca: z.array(z.string()).default([]), pinned: z.array(z.string()).default([]) })
      .strict()
      .default({ ca: [], pinned: [] }),
    signing: z
      .object({ ca: z.array(z.string()).default([]), pinned: z.array(z.string()).default([]) })
      .strict()
      .default({ ca: [], pinned: [] }),
  })
  .strict();
export type PartnerInput = z.input<typeof partnerInputSchema>;
export type CheckedPartnerInput = z.output<typeof partnerInputSchema>;
