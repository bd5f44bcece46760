// Certificates read from a signature's KeyInfo, parsed once per distinct DER: a partner signs every
// assertion with the same few certificates, and parsing one whole (extensions included, trust.ts)
// costs about as much as the rest of an assertion's verification. Only the parsing is kept: whether
// the certificate is trusted (path, validity at the checking time, key usage) is decided by
// checkSigner() on every verification. Keyed by the exact DER bytes; a certificate that does not
// parse is not kept (it fails again, with the same SIGNATURE_INVALID, next time).
import { ErrorCode } from "../shared/errors";
import { parseCertificate, type TrustedCertificate } from "./trust";

/** Distinct certificates kept; the oldest entry goes first when full. */
const MAX_ENTRIES = 256;
const parsed = new Map<string, TrustedCertificate>();

/** parseCertificate(der, what, SIGNATURE_INVALID), remembered by DER bytes. */
export function parseKeyInfoCertificate(der: Buffer, what: string): TrustedCertificate {
  const key = der.toString("base64");
  const known = parsed.get(key);
  if (known) return known;
  const certificate = parseCertificate(der, what, ErrorCode.SignatureInvalid);
  if (parsed.size >= MAX_ENTRIES) parsed.delete(parsed.keys().next().value as string);
  parsed.set(key, certificate);
  return certificate;
}
