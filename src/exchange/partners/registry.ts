// An in-memory snapshot of the partner registry, read by the TLS handshake (which cannot wait for a
// database) and by SAML validation. `reload()` after any change; the HTTPS server re-reads the TLS
// CAs from it (src/signing/tls.ts), so a partner removed is refused from the next handshake on.
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { trustListFromPem, type TrustList } from "../../signing/trust";
import type { Partner, TrustUsage } from "./model";
import type { PartnerRepository } from "./repository";

export interface RegisteredPartner {
  readonly partner: Partner;
  /** What we trust for this partner's TLS client and server certificates. */
  readonly tlsTrust: TrustList;
  /** What we trust for this partner's SAML (HCP, TRC) signatures. */
  readonly signingTrust: TrustList;
}

export function trustListOf(partner: Partner, usage: TrustUsage): TrustList {
  const entries = partner.certificates.filter((c) => c.usage === usage);
  try {
    return trustListFromPem({
      anchors: entries.filter((c) => c.kind === "ca").map((c) => c.pem),
      pinned: entries.filter((c) => c.kind === "pinned").map((c) => c.pem),
    });
  } catch (e) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `partner ${partner.country}, ${usage} trust: ${(e as Error).message}`, {}, { cause: e });
  }
}

export class PartnerRegistry {
  private byCountry = new Map<string, RegisteredPartner>();
  private listeners: Array<() => void> = [];
  private version = 0;

  constructor(partners: readonly Partner[] = []) {
    this.replace(partners);
  }

  static async fromRepository(repository: PartnerRepository): Promise<PartnerRegistry> {
    return new PartnerRegistry(await repository.list());
  }

  /** Re-reads the repository; listeners (the TLS server's CA list) are told. */
  async reload(repository: PartnerRepository): Promise<void> {
    this.replace(await repository.list());
  }

  replace(partners: readonly Partner[]): void {
    const next = new Map<string, RegisteredPartner>();
    for (const partner of partners) {
      next.set(partner.country, { partner, tlsTrust: trustListOf(partner, "tls"), signingTrust: trustListOf(partner, "signing") });
    }
    this.byCountry = next;
    this.version += 1;
    for (const l of this.listeners) l();
  }

  /** Called after every replace/reload. Returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Changes on every replace/reload: lets callers cache what they derived from the registry. */
  get generation(): number {
    return this.version;
  }

  get(country: string): RegisteredPartner | undefined {
    return this.byCountry.get(country);
  }

  all(): RegisteredPartner[] {
    return [...this.byCountry.values()];
  }

  byHomeCommunity(homeCommunityId: string): RegisteredPartner | undefined {
    return this.all().find((p) => p.partner.homeCommunityId === homeCommunityId);
  }

  /** PEM of every TLS CA and pinned TLS certificate of every partner: the server's `ca` option. */
  tlsCertificatesPem(): string[] {
    const pems = this.all().flatMap((p) => p.partner.certificates.filter((c) => c.usage === "tls").map((c) => c.pem));
    return [...new Set(pems)];
  }
}
