// Wiring of the partner registry at start (called by main.ts): load the partners file, build the
// in-memory registry, log certificates about to expire, register the expiry gauge.
import type { Registry } from "prom-client";
import type { Database } from "../../storage/database";
import { certificateExpiries, DEFAULT_EXPIRY_WARNING_DAYS, logExpiryWarnings, registerExpiryGauge, type OwnCertificate, type WarnLogger } from "./expiry";
import { loadPartnersFile } from "./file";
import { PartnerRegistry } from "./registry";
import { PartnerRepository } from "./repository";

export interface StartTrustOptions {
  database: Database;
  logger: WarnLogger & { info(obj: object, msg: string): void };
  metrics: Registry;
  /** The partners file (config PASSERELLE_PARTNERS_FILE); undefined = the database as it is. */
  partnersFile?: string | undefined;
  /** Warn this many days before expiry (config PASSERELLE_CERT_EXPIRY_WARNING_DAYS, default 30). */
  warningDays?: number | undefined;
  /** Our own certificates (TLS server/client, seal, SAML) for the same warnings and gauge. */
  ownCertificates?: readonly OwnCertificate[];
}

export interface Trust {
  readonly registry: PartnerRegistry;
  readonly repository: PartnerRepository;
  /** Re-reads the database into the registry (after `partners add/remove` through the API or CLI). */
  reload(): Promise<void>;
}

export async function startTrust(o: StartTrustOptions): Promise<Trust> {
  const repository = new PartnerRepository(o.database);
  if (o.partnersFile) {
    const loaded = await loadPartnersFile(o.partnersFile, repository);
    o.logger.info({ file: o.partnersFile, partners: loaded }, "partners file loaded");
  }
  const registry = await PartnerRegistry.fromRepository(repository);
  const own = o.ownCertificates ?? [];
  logExpiryWarnings(o.logger, certificateExpiries(registry, own), o.warningDays ?? DEFAULT_EXPIRY_WARNING_DAYS);
  registerExpiryGauge(o.metrics, () => certificateExpiries(registry, own));
  return { registry, repository, reload: () => registry.reload(repository) };
}
