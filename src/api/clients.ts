// The national client registry: who may call `/api/...` (issue 3 "Mutual TLS": national clients
// authenticate with a client certificate or a bearer token). A client is pinned by the SHA-256 of its
// TLS certificate (the chain is verified against the national client CA by OpenSSL; the pin is the
// certificate itself, never a subject DN) and/or holds a bearer token. Tokens are 256 random bits,
// shown once when issued; the registry keeps only their SHA-256 and compares in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { parsePemCertificates, sha256Hex } from "../exchange/partners/certificates";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { Database } from "../storage/database";
import type { NationalClientTables } from "./migrations";
import { NATIONAL_SCOPES, isNationalScope, type NationalScope } from "./scopes";

export interface NationalClient {
  readonly name: string;
  readonly scopes: readonly NationalScope[];
  /** SHA-256 (lowercase hex) of the pinned TLS client certificate (DER). */
  readonly certificateSha256: string | undefined;
  /** Shown to the operator only; authentication never uses it. */
  readonly certificateSubject: string | undefined;
  readonly certificateNotAfter: Date | undefined;
  readonly hasToken: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface PinnedCertificate {
  readonly sha256: string;
  readonly subject: string;
  readonly notAfter: Date;
}

/** Prefix of issued tokens: recognisable in a leaked log or secret scanner, not a secret itself. */
export const TOKEN_PREFIX = "psl_";
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^psl_[A-Za-z0-9_-]{43}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A new bearer token: 256 bits from the system CSPRNG, base64url. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString("base64url")}`;
}

export function tokenSha256(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Whether a presented token has the shape of an issued one (checked before any database lookup). */
export function looksLikeToken(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}

/** The pin of a PEM certificate (the first block: the client's own certificate, leaf first). */
export function pinOfPem(pem: string, what = "certificate"): PinnedCertificate {
  const [leaf] = parsePemCertificates(pem, what);
  if (!leaf) throw new PasserelleError(ErrorCode.InputInvalid, `${what}: no certificate`);
  return { sha256: sha256Hex(leaf.rawData), subject: leaf.subject, notAfter: leaf.notAfter };
}

export function checkClientName(name: string): string {
  if (!NAME.test(name)) throw new PasserelleError(ErrorCode.InputInvalid, `client name ${JSON.stringify(name)}: 1..64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return name;
}

export function parseScopes(values: readonly string[]): NationalScope[] {
  const scopes = new Set<NationalScope>();
  for (const v of values.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "")) {
    if (!isNationalScope(v)) throw new PasserelleError(ErrorCode.InputInvalid, `scope ${JSON.stringify(v)}: expected one of ${NATIONAL_SCOPES.join(", ")}`);
    scopes.add(v);
  }
  if (scopes.size === 0) throw new PasserelleError(ErrorCode.InputInvalid, `at least one scope is needed (${NATIONAL_SCOPES.join(", ")})`);
  return [...scopes].sort();
}

type Row = NationalClientTables["national_clients"];

function toClient(row: Row): NationalClient {
  return {
    name: row.name,
    scopes: row.scopes.split(",").filter(isNationalScope),
    certificateSha256: row.cert_sha256 ?? undefined,
    certificateSubject: row.cert_subject ?? undefined,
    certificateNotAfter: row.cert_not_after ? new Date(row.cert_not_after) : undefined,
    hasToken: row.token_sha256 !== null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export interface AddClientInput {
  readonly name: string;
  readonly scopes: readonly NationalScope[];
  readonly certificate?: PinnedCertificate;
  /** Issue a bearer token (returned once by add()). */
  readonly token?: boolean;
}

export class NationalClientRepository {
  private readonly db;

  constructor(database: Database, private readonly now: () => Date = () => new Date()) {
    this.db = database.tables<NationalClientTables>();
  }

  /** Registers a client; returns it with its token when one was asked for (the only time it is seen). */
  async add(input: AddClientInput): Promise<{ client: NationalClient; token: string | undefined }> {
    const name = checkClientName(input.name);
    if (input.scopes.length === 0) throw new PasserelleError(ErrorCode.InputInvalid, "at least one scope is needed");
    if (!input.certificate && !input.token) throw new PasserelleError(ErrorCode.InputInvalid, `client ${name}: give a certificate to pin, a token, or both`);
    if (await this.get(name)) throw new PasserelleError(ErrorCode.Conflict, `client ${name} already exists (remove it or rotate its credentials)`);
    if (input.certificate) await this.refuseSharedCertificate(name, input.certificate.sha256);
    const token = input.token ? generateToken() : undefined;
    const at = this.now().toISOString();
    await this.db
      .insertInto("national_clients")
      .values({
        name,
        scopes: [...new Set(input.scopes)].sort().join(","),
        cert_sha256: input.certificate?.sha256 ?? null,
        cert_subject: input.certificate?.subject ?? null,
        cert_not_after: input.certificate?.notAfter.toISOString() ?? null,
        token_sha256: token ? tokenSha256(token) : null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    return { client: await this.require(name), token };
  }

  async get(name: string): Promise<NationalClient | undefined> {
    const row = await this.db.selectFrom("national_clients").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toClient(row) : undefined;
  }

  async list(): Promise<NationalClient[]> {
    return (await this.db.selectFrom("national_clients").selectAll().orderBy("name").execute()).map(toClient);
  }

  async remove(name: string): Promise<void> {
    const result = await this.db.deleteFrom("national_clients").where("name", "=", name).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new PasserelleError(ErrorCode.NotFound, `no national client ${name}`);
  }

  /** A new token for the client (the old one stops working at once); returned once. */
  async rotateToken(name: string): Promise<string> {
    await this.require(name);
    const token = generateToken();
    await this.db.updateTable("national_clients").set({ token_sha256: tokenSha256(token), updated_at: this.now().toISOString() }).where("name", "=", name).execute();
    return token;
  }

  /** Pins another certificate (the previous one stops working at once). */
  async pinCertificate(name: string, certificate: PinnedCertificate): Promise<NationalClient> {
    await this.require(name);
    await this.refuseSharedCertificate(name, certificate.sha256);
    await this.db
      .updateTable("national_clients")
      .set({ cert_sha256: certificate.sha256, cert_subject: certificate.subject, cert_not_after: certificate.notAfter.toISOString(), updated_at: this.now().toISOString() })
      .where("name", "=", name)
      .execute();
    return this.require(name);
  }

  async setScopes(name: string, scopes: readonly NationalScope[]): Promise<NationalClient> {
    await this.require(name);
    if (scopes.length === 0) throw new PasserelleError(ErrorCode.InputInvalid, "at least one scope is needed");
    await this.db.updateTable("national_clients").set({ scopes: [...new Set(scopes)].sort().join(","), updated_at: this.now().toISOString() }).where("name", "=", name).execute();
    return this.require(name);
  }

  /** The client pinned to this certificate (SHA-256 of its DER), if any. */
  async byCertificate(sha256: string): Promise<NationalClient | undefined> {
    const pin = sha256.toLowerCase();
    if (!SHA256_HEX.test(pin)) return undefined;
    const row = await this.db.selectFrom("national_clients").selectAll().where("cert_sha256", "=", pin).executeTakeFirst();
    return row ? toClient(row) : undefined;
  }

  /**
   * The client holding this bearer token, if any. The lookup is by the token's SHA-256 (an attacker
   * cannot steer a hash prefix); the stored hash is then compared in constant time.
   */
  async byToken(token: string): Promise<NationalClient | undefined> {
    if (!looksLikeToken(token)) return undefined;
    const presented = Buffer.from(tokenSha256(token), "hex");
    const row = await this.db.selectFrom("national_clients").selectAll().where("token_sha256", "=", presented.toString("hex")).executeTakeFirst();
    if (!row?.token_sha256) return undefined;
    const stored = Buffer.from(row.token_sha256, "hex");
    return stored.length === presented.length && timingSafeEqual(stored, presented) ? toClient(row) : undefined;
  }

  private async require(name: string): Promise<NationalClient> {
    const client = await this.get(name);
    if (!client) throw new PasserelleError(ErrorCode.NotFound, `no national client ${name}`);
    return client;
  }

  private async refuseSharedCertificate(name: string, sha256: string): Promise<void> {
    const holder = await this.byCertificate(sha256);
    if (holder && holder.name !== name) throw new PasserelleError(ErrorCode.Conflict, `certificate sha256:${sha256} is already pinned by client ${holder.name}`);
  }
}
