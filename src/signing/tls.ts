// Mutual TLS with partner gateways (issue 3; REFERENCE.md "Transport": TLS 1.2+, the partner is
// identified by its client certificate).
//  - inbound: TLS 1.2/1.3 only, a client certificate required, verified by OpenSSL at the handshake
//    against the union of the partners' TLS trust entries (kept in step with the registry: a partner
//    removed is refused from the next handshake on); then `peerOfSocket` names the partner through
//    the registry (src/exchange/partners/peer.ts), never from a subject DN.
//  - outbound: our client certificate; the partner's server certificate must chain to ITS trust
//    entry only, and the hostname must match the certificate (tls.checkServerIdentity).
// A pinned TLS certificate is used by OpenSSL as a trust anchor: it must be self-signed, or its CA
// must be listed too (OpenSSL here does not accept a non-self-signed leaf as an anchor).
import https from "node:https";
import type { Server as HttpsServer } from "node:https";
import tls, { type PeerCertificate, type SecureContextOptions, type TLSSocket } from "node:tls";
import type { Server as TlsServer } from "node:tls";
import { identifyPeer, type PeerIdentification } from "../exchange/partners/peer";
import type { PartnerRegistry } from "../exchange/partners/registry";
import { ErrorCode, PasserelleError } from "../shared/errors";

export const TLS_MIN_VERSION = "TLSv1.2" as const;
export const TLS_MAX_VERSION = "TLSv1.3" as const;

export interface OwnTlsIdentity {
  /** PEM private key. */
  readonly keyPem: string;
  /** PEM certificate chain, ours first. */
  readonly certPem: string;
}

export interface PartnerServerOptions extends SecureContextOptions {
  requestCert: true;
  rejectUnauthorized: true;
  minVersion: typeof TLS_MIN_VERSION;
  maxVersion: typeof TLS_MAX_VERSION;
}

/**
 * The CA list given to OpenSSL. Never empty: Node would fall back to its public root CAs when `ca`
 * is unset, so with no partner at all we trust a single placeholder that no peer can chain to.
 */
function partnerCaList(registry: PartnerRegistry, placeholderCa: string): string[] {
  const cas = registry.tlsCertificatesPem();
  return cas.length > 0 ? cas : [placeholderCa];
}

/** Options for `https.createServer` / `tls.createServer` on the partner listener (8443). */
export function partnerServerOptions(own: OwnTlsIdentity, registry: PartnerRegistry): PartnerServerOptions {
  return {
    key: own.keyPem,
    cert: own.certPem,
    ca: partnerCaList(registry, own.certPem),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: TLS_MIN_VERSION,
    maxVersion: TLS_MAX_VERSION,
  };
}

/**
 * Keeps a listening server's CA list equal to the registry's: after `registry.replace/reload`, new
 * handshakes use the new list (existing connections are closed when their partner is gone).
 * Returns the unsubscribe function.
 */
export function followPartnerTrust(server: HttpsServer | TlsServer, own: OwnTlsIdentity, registry: PartnerRegistry): () => void {
  const sockets = new Set<TLSSocket>();
  server.on("secureConnection", (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return registry.onChange(() => {
    server.setSecureContext({ key: own.keyPem, cert: own.certPem, ca: partnerCaList(registry, own.certPem), minVersion: TLS_MIN_VERSION, maxVersion: TLS_MAX_VERSION });
    for (const socket of sockets) {
      if (!peerOfSocket(socket, registry).ok) socket.destroy();
    }
  });
}

/** The certificate chain the peer presented, leaf first, as DER. */
export function peerChain(socket: TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let cert: PeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    const next: PeerCertificate | undefined = (cert as tls.DetailedPeerCertificate).issuerCertificate;
    cert = next && next !== cert ? next : undefined;
  }
  return chain;
}

/** How long the partner found for a connection is reused for its next requests (same registry). */
const PEER_CACHE_MS = 60_000;
const peerCache = new WeakMap<TLSSocket, { generation: number; until: number; result: PeerIdentification }>();

/**
 * The partner at the other end of an authorised TLS socket, or the refusal. Cached per connection
 * (keep-alive requests) until the registry changes or for PEER_CACHE_MS at most.
 */
export function peerOfSocket(socket: TLSSocket, registry: PartnerRegistry, at: Date = new Date()): PeerIdentification {
  if (!socket.authorized) {
    return { ok: false, code: ErrorCode.SignerUntrusted, reason: `TLS client not authorised: ${String(socket.authorizationError ?? "no certificate")}` };
  }
  const cached = peerCache.get(socket);
  if (cached && cached.generation === registry.generation && at.getTime() < cached.until) return cached.result;
  const result = identifyPeer(peerChain(socket), registry, at, "client");
  peerCache.set(socket, { generation: registry.generation, until: at.getTime() + PEER_CACHE_MS, result });
  return result;
}

/**
 * An agent for calls to one partner: presents our client certificate, trusts only that partner's TLS
 * entries, checks the hostname, and checks that the server certificate identifies that partner.
 */
export function partnerAgent(own: OwnTlsIdentity, registry: PartnerRegistry, country: string, options: { at?: () => Date } = {}): https.Agent {
  const entry = registry.get(country);
  if (!entry) throw new PasserelleError(ErrorCode.NotFound, `no partner ${country}`);
  const ca = entry.partner.certificates.filter((c) => c.usage === "tls").map((c) => c.pem);
  return new https.Agent({
    key: own.keyPem,
    cert: own.certPem,
    ca,
    rejectUnauthorized: true,
    minVersion: TLS_MIN_VERSION,
    maxVersion: TLS_MAX_VERSION,
    keepAlive: true,
    checkServerIdentity(hostname, cert) {
      const hostError = tls.checkServerIdentity(hostname, cert);
      if (hostError) return hostError;
      const chain: Buffer[] = [];
      for (let c: tls.DetailedPeerCertificate | undefined = cert as tls.DetailedPeerCertificate; c?.raw && !chain.some((d) => d.equals(c!.raw)); c = c.issuerCertificate) chain.push(c.raw);
      const who = identifyPeer(chain, registry, options.at?.() ?? new Date(), "server");
      if (!who.ok) return new Error(`partner ${country} server certificate refused: ${who.reason}`);
      if (who.partner.country !== country) return new Error(`server certificate identifies partner ${who.partner.country}, not ${country}`);
      return undefined;
    },
  });
}
