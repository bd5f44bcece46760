// Who is calling: the requesting country of an inbound call is the partner whose TLS trust entry
// matched the client certificate (issue 3), never a string read out of a subject DN. The chain is
// built by the trust list core (src/signing/trust.ts: path to a trusted CA or a pinned certificate,
// validity at `at`, CA flags, key usage); here we add the TLS extended key usage and the choice of
// the partner.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { ErrorCode, PasserelleError, isPasserelleError } from "../../shared/errors";
import { checkSigner, parseCertificate, type TrustedCertificate } from "../../signing/trust";
import type { Partner } from "./model";
import type { PartnerRegistry, RegisteredPartner } from "./registry";

export interface PeerIdentified {
  readonly ok: true;
  readonly partner: Partner;
  /** How the certificate matched: pinned (this exact certificate) or through a trusted CA. */
  readonly via: "pinned" | "ca";
  readonly subject: string;
  readonly serial: string;
}

export interface PeerRefused {
  readonly ok: false;
  readonly code: typeof ErrorCode.SignerUntrusted;
  readonly reason: string;
}

export type PeerIdentification = PeerIdentified | PeerRefused;

const OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

/** RFC 5280 §4.2.1.12: when extendedKeyUsage is present it must allow the TLS role. */
export function allowsTlsRole(cert: TrustedCertificate, role: "client" | "server"): boolean {
  const eku = cert.parsed.getExtension(x509.ExtendedKeyUsageExtension);
  if (!eku) return true;
  const wanted = role === "client" ? OID_CLIENT_AUTH : OID_SERVER_AUTH;
  return eku.usages.map(String).includes(wanted);
}

function refused(reason: string): PeerRefused {
  return { ok: false, code: ErrorCode.SignerUntrusted, reason };
}

/**
 * Finds the partner whose TLS trust matches `chain` (leaf first, then any intermediates the peer sent;
 * DER buffers or PEM). A pinned match wins over a CA match; a certificate that chains to CAs of
 * several partners (one network CA issuing for everybody) is ambiguous and refused: pin it.
 */
export function identifyPeer(
  chain: readonly (Buffer | string)[],
  registry: PartnerRegistry,
  at: Date = new Date(),
  role: "client" | "server" = "client",
): PeerIdentification {
  if (chain.length === 0) return refused("no client certificate was presented");
  let leaf: TrustedCertificate;
  let intermediates: TrustedCertificate[];
  try {
    [leaf, ...intermediates] = chain.map((c) => parseCertificate(c)) as [TrustedCertificate, ...TrustedCertificate[]];
  } catch {
    return refused("the peer certificate cannot be parsed");
  }
  if (!allowsTlsRole(leaf, role)) return refused(`certificate ${leaf.parsed.subject} does not allow TLS ${role} authentication (extendedKeyUsage)`);

  const pinned: RegisteredPartner[] = [];
  const viaCa: RegisteredPartner[] = [];
  const reasons: string[] = [];
  for (const entry of registry.all()) {
    if (entry.tlsTrust.pinned.some((p) => p.node.raw.equals(leaf.node.raw))) {
      pinned.push(entry);
      continue;
    }
    try {
      checkSigner(leaf, intermediates, { anchors: entry.tlsTrust.anchors, pinned: [] }, at);
      viaCa.push(entry);
    } catch (e) {
      if (!isPasserelleError(e)) throw e;
      reasons.push(e.message);
    }
  }
  const ident = { subject: leaf.parsed.subject, serial: leaf.parsed.serialNumber };
  const [onlyPinned] = pinned;
  if (pinned.length === 1 && onlyPinned) {
    // A pinned certificate must still be valid and usable: the same checks, with itself as the only trust.
    try {
      checkSigner(leaf, [], { anchors: [], pinned: [leaf] }, at);
    } catch (e) {
      return refused(isPasserelleError(e) ? e.message : "pinned certificate unusable");
    }
    return { ok: true, partner: onlyPinned.partner, via: "pinned", ...ident };
  }
  if (pinned.length > 1) return refused(`certificate ${ident.subject} is pinned for several partners (${pinned.map((p) => p.partner.country).join(", ")})`);
  const [onlyCa] = viaCa;
  if (viaCa.length === 1 && onlyCa) return { ok: true, partner: onlyCa.partner, via: "ca", ...ident };
  if (viaCa.length > 1) {
    return refused(`certificate ${ident.subject} chains to CAs trusted for several partners (${viaCa.map((p) => p.partner.country).join(", ")}); pin the partner's certificate`);
  }
  const expired = reasons.find((r) => /not valid at/.test(r));
  return refused(expired ?? `certificate ${ident.subject} (issuer ${leaf.parsed.issuer}) matches no partner's TLS trust entry`);
}

/** identifyPeer, throwing SIGNER_UNTRUSTED on refusal. */
export function requirePeer(chain: readonly (Buffer | string)[], registry: PartnerRegistry, at?: Date): PeerIdentified {
  const r = identifyPeer(chain, registry, at);
  if (!r.ok) throw new PasserelleError(r.code, r.reason);
  return r;
}
