// The trust list: which certificates may sign what we accept (REFERENCE.md: "verify against the
// partner trust list, never against the certificate in KeyInfo alone"). A signer is trusted when its
// certificate is pinned, or chains to a trusted CA; every certificate on the path must be valid at
// the checking time, CAs must say cA=true (RFC 5280 §4.2.1.9), the signer must not be a CA, and the
// signer's key usage, when the extension is there, must allow digitalSignature or nonRepudiation (RFC
// 5280 §4.2.1.3: without the extension the key is not restricted). Reused for documents and SAML
// assertions. A certificate is parsed whole at once (extensions included), so bytes the ASN.1 parser
// cannot read fail in parseCertificate with a PasserelleError, never later as a plain Error.
import "reflect-metadata";
import { X509Certificate as NodeCertificate, webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import * as x509 from "@peculiar/x509";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { splitPemCertificates } from "./keys";

x509.cryptoProvider.set(webcrypto as never);

/** A certificate parsed once, in both forms: node:crypto for the signature check, x509 for extensions. */
export interface TrustedCertificate {
  readonly node: NodeCertificate;
  readonly parsed: x509.X509Certificate;
}

export interface TrustList {
  /** Trusted CAs: a signer chaining to one of them is trusted. */
  readonly anchors: readonly TrustedCertificate[];
  /** Individually trusted signer certificates (no CA needed). */
  readonly pinned: readonly TrustedCertificate[];
}

export interface SignerIdentity {
  subject: string;
  issuer: string;
  /** Hex serial number. */
  serial: string;
  notAfter: Date;
}

/** Longest chain we build (signer, intermediates, anchor). */
const MAX_PATH = 6;

/**
 * Parses a certificate and every extension it carries. `what` names it in the message (e.g.
 * "ds:X509Certificate 1"), `code` is the error code when it cannot be read (SIGNER_UNTRUSTED by default;
 * SIGNATURE_INVALID for a certificate taken out of a signature's KeyInfo).
 */
export function parseCertificate(pemOrDer: string | Buffer, what = "certificate", code: ErrorCode = ErrorCode.SignerUntrusted): TrustedCertificate {
  let node: NodeCertificate;
  let parsed: x509.X509Certificate;
  try {
    node = new NodeCertificate(pemOrDer);
    parsed = new x509.X509Certificate(node.raw);
    // Names, dates and key decode on first read: read them here, where a failure is caught.
    void [parsed.subject, parsed.issuer, parsed.serialNumber, parsed.notBefore, parsed.notAfter, parsed.publicKey];
  } catch (e) {
    throw new PasserelleError(code, `${what} cannot be parsed: ${(e as Error).message}`, { location: what }, { cause: e });
  }
  try {
    // The x509 extensions are decoded lazily, on first read: decode them all now, inside a try.
    void parsed.extensions;
  } catch (e) {
    throw new PasserelleError(code, `${what} (${parsed.subject}): an extension cannot be read: ${(e as Error).message}`, { location: what }, { cause: e });
  }
  return { node, parsed };
}

export function trustListFromPem(input: { anchors?: string[]; pinned?: string[] }): TrustList {
  const parseAll = (pems: string[] = []) => pems.flatMap(splitPemCertificates).map((p) => parseCertificate(p));
  const anchors = parseAll(input.anchors);
  for (const a of anchors) {
    if (!isCa(a)) throw new PasserelleError(ErrorCode.ConfigInvalid, `trust anchor ${a.parsed.subject} is not a CA certificate`);
  }
  return { anchors, pinned: parseAll(input.pinned) };
}

/** Reads PEM files (each may hold several certificates). */
export function loadTrustList(files: { anchors?: string[]; pinned?: string[] }): TrustList {
  const read = (paths: string[] = []) => paths.map((p) => readFileSync(p, "utf8"));
  return trustListFromPem({ anchors: read(files.anchors), pinned: read(files.pinned) });
}

export function signerIdentity(cert: TrustedCertificate): SignerIdentity {
  return { subject: cert.parsed.subject, issuer: cert.parsed.issuer, serial: cert.parsed.serialNumber, notAfter: cert.parsed.notAfter };
}

/**
 * Checks the signer certificate (with any intermediates the signature carried) against the trust
 * list at `at`. Returns the signer's identity or throws SIGNER_UNTRUSTED naming the reason.
 */
export function checkSigner(signer: TrustedCertificate, intermediates: readonly TrustedCertificate[], trust: TrustList, at: Date = new Date()): SignerIdentity {
  requireValidAt(signer, at, "signer");
  // A CA signs certificates, not documents or assertions (RFC 5280 §4.2.1.9), pinned or not.
  if (extensionOf(signer, x509.BasicConstraintsExtension)?.ca) throw untrusted(`signer certificate ${signer.parsed.subject} is a CA certificate (basicConstraints cA=TRUE)`, signer);
  requireSigningKeyUsage(signer);
  if (trust.pinned.some((p) => p.node.raw.equals(signer.node.raw))) return signerIdentity(signer);

  let current = signer;
  const used = new Set<TrustedCertificate>();
  for (let depth = 0; depth < MAX_PATH; depth++) {
    const anchor = trust.anchors.find((a) => issuedBy(current, a));
    if (anchor) {
      requireValidAt(anchor, at, "trusted CA");
      return signerIdentity(signer);
    }
    const next = intermediates.find((c) => !used.has(c) && issuedBy(current, c));
    if (!next) break;
    if (!isCa(next)) throw untrusted(`intermediate ${next.parsed.subject} is not a CA`, signer);
    requireValidAt(next, at, "intermediate CA");
    used.add(next);
    current = next;
  }
  throw untrusted(`certificate ${signer.parsed.subject} (issuer ${signer.parsed.issuer}) does not chain to a trusted CA and is not pinned`, signer);
}

/** Names match and the issuer's key verifies the certificate's signature. */
function issuedBy(cert: TrustedCertificate, issuer: TrustedCertificate): boolean {
  if (!cert.node.checkIssued(issuer.node)) return false;
  try {
    return cert.node.verify(issuer.node.publicKey);
  } catch {
    return false;
  }
}

function isCa(cert: TrustedCertificate): boolean {
  const bc = extensionOf(cert, x509.BasicConstraintsExtension);
  if (!bc?.ca) return false;
  const ku = extensionOf(cert, x509.KeyUsagesExtension);
  return !ku || (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
}

function requireValidAt(cert: TrustedCertificate, at: Date, role: string): void {
  if (at < cert.parsed.notBefore || at > cert.parsed.notAfter) {
    throw untrusted(`${role} certificate ${cert.parsed.subject} is not valid at ${at.toISOString()} (valid ${cert.parsed.notBefore.toISOString()} to ${cert.parsed.notAfter.toISOString()})`, cert);
  }
}

/** RFC 5280 §4.2.1.3: an absent keyUsage does not restrict the key; a present one must allow signing. */
function requireSigningKeyUsage(cert: TrustedCertificate): void {
  const ku = extensionOf(cert, x509.KeyUsagesExtension);
  if (!ku) return;
  const wanted = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;
  if ((ku.usages & wanted) === 0) {
    throw untrusted(`signer certificate ${cert.parsed.subject} has a key usage (keyUsage extension) without digitalSignature or nonRepudiation`, cert);
  }
}

/**
 * An extension of a certificate, or null. A TrustedCertificate normally comes from parseCertificate,
 * which has read every extension already; this still turns a decoding failure into SIGNER_UNTRUSTED.
 */
function extensionOf<T extends x509.Extension>(cert: TrustedCertificate, type: new (raw: BufferSource) => T): T | null {
  try {
    return cert.parsed.getExtension(type as never) as T | null;
  } catch (e) {
    throw new PasserelleError(ErrorCode.SignerUntrusted, `certificate ${cert.parsed.subject}: an extension cannot be read: ${(e as Error).message}`, { subject: cert.parsed.subject }, { cause: e });
  }
}

function untrusted(message: string, cert: TrustedCertificate): PasserelleError {
  return new PasserelleError(ErrorCode.SignerUntrusted, message, { subject: cert.parsed.subject, serial: cert.parsed.serialNumber });
}
