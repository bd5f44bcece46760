// Certificates about to expire (issue 3): logged at start and exposed as the gauge
// passerelle_certificate_expiry_days{owner,usage} (the soonest expiry per owner and usage).
import { Gauge, type Registry } from "prom-client";
import { daysUntilExpiry } from "./certificates";
import type { PartnerRegistry } from "./registry";

export interface CertificateExpiry {
  /** A partner's country code, or "self" for our own certificates. */
  readonly owner: string;
  /** tls / signing for partners; for ours, the key's name (tls-server, tls-client, seal, saml). */
  readonly usage: string;
  readonly subject: string;
  readonly notAfter: Date;
  readonly days: number;
}

export interface OwnCertificate {
  readonly usage: string;
  readonly subject: string;
  readonly notAfter: Date;
}

export const DEFAULT_EXPIRY_WARNING_DAYS = 30;

export function certificateExpiries(registry: PartnerRegistry, own: readonly OwnCertificate[], at: Date = new Date()): CertificateExpiry[] {
  const partners = registry.all().flatMap(({ partner }) =>
    partner.certificates.map((c) => ({ owner: partner.country, usage: c.usage, subject: c.subject, notAfter: c.notAfter, days: daysUntilExpiry(c.notAfter, at) })),
  );
  const ours = own.map((c) => ({ owner: "self", usage: c.usage, subject: c.subject, notAfter: c.notAfter, days: daysUntilExpiry(c.notAfter, at) }));
  return [...ours, ...partners];
}

/** The certificates expiring within `warningDays` (expired ones included), soonest first. */
export function expiringSoon(expiries: readonly CertificateExpiry[], warningDays: number = DEFAULT_EXPIRY_WARNING_DAYS): CertificateExpiry[] {
  return expiries.filter((e) => e.days <= warningDays).sort((a, b) => a.days - b.days);
}

export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/** Logs one warning per certificate expiring within `warningDays`; returns how many. */
export function logExpiryWarnings(logger: WarnLogger, expiries: readonly CertificateExpiry[], warningDays: number = DEFAULT_EXPIRY_WARNING_DAYS): number {
  const soon = expiringSoon(expiries, warningDays);
  for (const e of soon) {
    const what = e.days < 0 ? `expired ${-e.days} day(s) ago` : `expires in ${e.days} day(s)`;
    logger.warn({ owner: e.owner, usage: e.usage, subject: e.subject, notAfter: e.notAfter.toISOString(), days: e.days }, `certificate ${what}`);
  }
  return soon.length;
}

/**
 * Registers the gauge on `registry`; its value is computed at each scrape from `source()`, so
 * partners added or removed later show up without re-registering.
 */
export function registerExpiryGauge(metrics: Registry, source: () => readonly CertificateExpiry[]): Gauge<"owner" | "usage"> {
  return new Gauge({
    name: "passerelle_certificate_expiry_days",
    help: "Days until the soonest expiry of the certificates of an owner (partner country or self) and usage; negative once expired",
    labelNames: ["owner", "usage"] as const,
    registers: [metrics],
    collect() {
      this.reset();
      const soonest = new Map<string, CertificateExpiry>();
      for (const e of source()) {
        const key = `${e.owner}\u0000${e.usage}`;
        const prev = soonest.get(key);
        if (!prev || e.days < prev.days) soonest.set(key, e);
      }
      for (const e of soonest.values()) this.set({ owner: e.owner, usage: e.usage }, e.days);
    },
  });
}
