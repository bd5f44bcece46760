// XML-DSig algorithm allowlist, keyed by URI (DESIGN.md convention 6). What we emit is exactly what
// eHDSI asks for (REFERENCE.md "Signature"): RSA-SHA256, exc-c14n, enveloped-signature, SHA-256.
// On input we accept the same set plus the stronger SHA-512 variants; SHA-1 (digest or signature),
// HMAC, XSLT, XPath, c14n "WithComments" and anything unknown are refused with ALGORITHM_REFUSED.
import { ErrorCode, PasserelleError } from "../shared/errors";

export const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";

export const Algorithms = {
  rsaSha256: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  rsaSha512: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
  sha256: "http://www.w3.org/2001/04/xmlenc#sha256",
  sha512: "http://www.w3.org/2001/04/xmlenc#sha512",
  excC14n: "http://www.w3.org/2001/10/xml-exc-c14n#",
  envelopedSignature: "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
} as const;

/** What signDocument() emits. */
export const EmittedAlgorithms = {
  signature: Algorithms.rsaSha256,
  digest: Algorithms.sha256,
  canonicalization: Algorithms.excC14n,
  transforms: [Algorithms.envelopedSignature, Algorithms.excC14n],
} as const;

export const AllowedSignatureMethods: ReadonlySet<string> = new Set([Algorithms.rsaSha256, Algorithms.rsaSha512]);
export const AllowedDigestMethods: ReadonlySet<string> = new Set([Algorithms.sha256, Algorithms.sha512]);
export const AllowedCanonicalizations: ReadonlySet<string> = new Set([Algorithms.excC14n]);
export const AllowedTransforms: ReadonlySet<string> = new Set([Algorithms.envelopedSignature, Algorithms.excC14n]);

export type AlgorithmRole = "SignatureMethod" | "DigestMethod" | "CanonicalizationMethod" | "Transform";

const allowlists: Record<AlgorithmRole, ReadonlySet<string>> = {
  SignatureMethod: AllowedSignatureMethods,
  DigestMethod: AllowedDigestMethods,
  CanonicalizationMethod: AllowedCanonicalizations,
  Transform: AllowedTransforms,
};

/** Throws ALGORITHM_REFUSED unless `uri` is allowed in `role`. The message names why (SHA-1, HMAC...). */
export function requireAllowedAlgorithm(role: AlgorithmRole, uri: string | null | undefined): void {
  if (uri && allowlists[role].has(uri)) return;
  throw new PasserelleError(ErrorCode.AlgorithmRefused, `${role} ${uri ?? "(none)"} is not allowed${refusalReason(uri)}`, {
    location: `ds:${role}/@Algorithm`,
    algorithm: uri ?? null,
  });
}

function refusalReason(uri: string | null | undefined): string {
  if (!uri) return "";
  if (/hmac/i.test(uri)) return ": HMAC is refused";
  if (/sha1$/i.test(uri)) return ": SHA-1 is refused";
  if (/xslt/i.test(uri)) return ": XSLT transforms are refused";
  if (/xpath/i.test(uri) || /xmldsig-filter/i.test(uri)) return ": XPath transforms are refused";
  if (/WithComments$/i.test(uri)) return ": canonicalization with comments is refused";
  return "";
}
