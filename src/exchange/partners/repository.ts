// Partners in the database (SQLite or PostgreSQL, same queries). The registry (registry.ts) keeps an
// in-memory snapshot of this for the TLS handshake and SAML checks.
import { X509Certificate } from "node:crypto";
import type { Database } from "../../storage/database";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { parsePemCertificates, toTrustEntry } from "./certificates";
import type { PartnerTables } from "./migrations";
import {
  partnerInputSchema,
  PARTNER_SERVICES,
  TRUST_KINDS,
  TRUST_USAGES,
  type Partner,
  type PartnerInput,
  type PartnerService,
  type TrustEntry,
  type TrustKind,
  type TrustUsage,
} from "./model";

/** Validates an operator's input and turns its PEM texts into trust entries. Throws INPUT_INVALID listing every problem. */
export function checkPartnerInput(input: PartnerInput, at: Date = new Date()): Partner {
  const parsed = partnerInputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(partner)"}: ${i.message}`);
    throw new PasserelleError(ErrorCode.InputInvalid, `partner entry invalid: ${problems.join("; ")}`, { problems });
  }
  const p = parsed.data;
  const certificates: TrustEntry[] = [];
  const seen = new Set<string>();
  for (const usage of TRUST_USAGES) {
    for (const kind of TRUST_KINDS) {
      p[usage][kind].forEach((pem, i) => {
        for (const cert of parsePemCertificates(pem, `${p.country} ${usage}.${kind}[${i}]`)) {
          const entry = toTrustEntry(cert, usage, kind);
          const key = `${usage}/${entry.sha256}`;
          if (seen.has(key)) throw new PasserelleError(ErrorCode.InputInvalid, `${p.country}: certificate ${entry.subject} listed twice for ${usage}`);
          seen.add(key);
          certificates.push(entry);
        }
      });
    }
  }
  requireTlsPinsUsableByOpenSsl(p.country, certificates);
  for (const usage of TRUST_USAGES) {
    if (!certificates.some((c) => c.usage === usage)) {
      throw new PasserelleError(ErrorCode.InputInvalid, `${p.country}: no ${usage} certificate (a CA or a pinned certificate is required)`);
    }
  }
  const endpoints: Partial<Record<PartnerService, string>> = {};
  for (const s of PARTNER_SERVICES) if (p.endpoints[s]) endpoints[s] = p.endpoints[s];
  return { country: p.country, homeCommunityId: p.homeCommunityId, endpoints, certificates, updatedAt: at };
}

/**
 * OpenSSL verifies the handshake and takes every TLS trust entry as an anchor; it cannot anchor on a
 * leaf that is not self-signed (no partial chains here). Such a pin must come with its CA.
 */
function requireTlsPinsUsableByOpenSsl(country: string, certificates: readonly TrustEntry[]): void {
  const cas = certificates.filter((c) => c.usage === "tls" && c.kind === "ca").map((c) => new X509Certificate(c.pem));
  for (const pin of certificates.filter((c) => c.usage === "tls" && c.kind === "pinned")) {
    const cert = new X509Certificate(pin.pem);
    const selfSigned = cert.subject === cert.issuer && cert.verify(cert.publicKey);
    if (!selfSigned && !cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
      throw new PasserelleError(ErrorCode.InputInvalid, `${country}: pinned TLS certificate ${pin.subject} is not self-signed; list the CA that issued it under tls.ca as well (the handshake needs it)`);
    }
  }
}

export class PartnerRepository {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.tables<PartnerTables>();
  }

  /** Inserts or replaces a partner and all its trust entries, atomically. */
  async save(partner: Partner): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const clash = await tx
        .selectFrom("partner")
        .select("country")
        .where("home_community_id", "=", partner.homeCommunityId)
        .where("country", "<>", partner.country)
        .executeTakeFirst();
      if (clash) {
        throw new PasserelleError(ErrorCode.Conflict, `home community ${partner.homeCommunityId} already belongs to partner ${clash.country}`);
      }
      await tx.deleteFrom("partner_certificate").where("country", "=", partner.country).execute();
      const row = { home_community_id: partner.homeCommunityId, endpoints: JSON.stringify(partner.endpoints), updated_at: partner.updatedAt.toISOString() };
      await tx
        .insertInto("partner")
        .values({ country: partner.country, ...row })
        .onConflict((oc) => oc.column("country").doUpdateSet(row))
        .execute();
      if (partner.certificates.length > 0) {
        await tx
          .insertInto("partner_certificate")
          .values(
            partner.certificates.map((c) => ({
              country: partner.country,
              usage: c.usage,
              kind: c.kind,
              sha256: c.sha256,
              pem: c.pem,
              subject: c.subject,
              not_before: c.notBefore.toISOString(),
              not_after: c.notAfter.toISOString(),
            })),
          )
          .execute();
      }
    });
  }

  async get(country: string): Promise<Partner | undefined> {
    const all = await this.load(country);
    return all[0];
  }

  async list(): Promise<Partner[]> {
    return this.load(undefined);
  }

  /** true when a partner was removed. Its trust entries go with it (revocation by removal). */
  async remove(country: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("partner_certificate").where("country", "=", country).execute();
      const r = await tx.deleteFrom("partner").where("country", "=", country).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  private async load(country: string | undefined): Promise<Partner[]> {
    let pq = this.db.selectFrom("partner").selectAll().orderBy("country");
    let cq = this.db.selectFrom("partner_certificate").selectAll().orderBy("country").orderBy("usage").orderBy("kind").orderBy("sha256");
    if (country !== undefined) {
      pq = pq.where("country", "=", country);
      cq = cq.where("country", "=", country);
    }
    const [partners, certs] = await Promise.all([pq.execute(), cq.execute()]);
    return partners.map((p) => ({
      country: p.country,
      homeCommunityId: p.home_community_id,
      endpoints: JSON.parse(p.endpoints) as Partner["endpoints"],
      updatedAt: new Date(p.updated_at),
      certificates: certs
        .filter((c) => c.country === p.country)
        .map((c) => ({
          usage: c.usage as TrustUsage,
          kind: c.kind as TrustKind,
          sha256: c.sha256,
          pem: c.pem,
          subject: c.subject,
          notBefore: new Date(c.not_before),
          notAfter: new Date(c.not_after),
        })),
    }));
  }
}
