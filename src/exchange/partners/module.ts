// The partner registry in the running gateway (src/app/module.ts): loads the partners file, keeps an
// in-memory registry in step with the database, puts the partners' TLS trust on the partner listener
// (only registered partners complete the handshake; a removed partner is refused from the next
// handshake on), warns about certificates near expiry and exports the expiry gauge.
// Other domains (soap/ responders, exchange/ clients) get it with partnerTrustOf(ctx); register this
// module before them in src/app/modules.ts.
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { Server as HttpsServer } from "node:https";
import { join } from "node:path";
import type { GatewayContext, GatewayModule } from "../../app/module";
import { certFile, PKI_NAMES, type PkiName } from "../../ops/dev-pki";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { followPartnerTrust, partnerServerOptions, type OwnTlsIdentity } from "../../signing/tls";
import type { OwnCertificate } from "./expiry";
import { startTrust, type Trust } from "./start";

/** How often a running gateway re-reads partners changed by `passerelle partners add|remove`. */
export const PARTNER_RELOAD_INTERVAL_MS = 30_000;

export interface PartnerTrust extends Trust {
  /** Our TLS server identity on the partner listener, and our client identity for outbound calls. */
  readonly serverIdentity: OwnTlsIdentity;
  readonly clientIdentity: OwnTlsIdentity;
}

const trusts = new WeakMap<GatewayContext, PartnerTrust>();

/** The partner registry of a started gateway. */
export function partnerTrustOf(ctx: GatewayContext): PartnerTrust {
  const t = trusts.get(ctx);
  if (!t) throw new PasserelleError(ErrorCode.Internal, "the partners module has not been started in this gateway");
  return t;
}

/**
 * Our certificates (TLS server and client, seal, SAML) for expiry warnings, those present in the
 * certificates directory (also listed by the operator console).
 */
export function ownCertificates(certsDir: string): OwnCertificate[] {
  const names: PkiName[] = [PKI_NAMES.tlsServer, PKI_NAMES.tlsClient, PKI_NAMES.seal, PKI_NAMES.saml];
  return names
    .map((name) => ({ name, path: join(certsDir, certFile(name)) }))
    .filter(({ path }) => existsSync(path))
    .map(({ name, path }) => {
      const cert = new X509Certificate(readFileSync(path, "utf8"));
      return { usage: name, subject: cert.subject.replace(/\n/g, ", "), notAfter: new Date(cert.validTo) };
    });
}

export const partnersModule: GatewayModule = {
  name: "partners",
  async start(ctx) {
    const trust = await startTrust({
      database: ctx.database,
      logger: ctx.logger,
      metrics: ctx.metrics.registry,
      partnersFile: ctx.config.partnersFile,
      warningDays: ctx.config.certExpiryWarningDays,
      ownCertificates: ownCertificates(ctx.config.certsDir),
    });
    const serverIdentity = { keyPem: ctx.tls.server.keyPem, certPem: ctx.tls.server.certPem };
    const clientIdentity = { keyPem: ctx.tls.client.keyPem, certPem: ctx.tls.client.certPem };
    trusts.set(ctx, { ...trust, serverIdentity, clientIdentity });
    if (trust.registry.all().length === 0) ctx.logger.warn({}, "no partner gateway registered: the partner listener accepts no client (passerelle partners add)");

    ctx.customizePartnerTls((options) => ({ ...options, ...partnerServerOptions(serverIdentity, trust.registry) }));
    ctx.onListening((servers) => {
      const unfollow = followPartnerTrust(servers.partner as HttpsServer, serverIdentity, trust.registry);
      const timer = setInterval(() => {
        trust.reload().catch((err: unknown) => ctx.logger.error({ err }, "partner registry reload failed"));
      }, PARTNER_RELOAD_INTERVAL_MS);
      timer.unref();
      ctx.onStop(() => {
        clearInterval(timer);
        unfollow();
      });
    });
  },
};
