// Operator passwords (issue 7 "passwords hashed with a memory-hard function"): scrypt from node:crypto
// with a fresh 16-byte salt per hash; the parameters travel with the hash so they can be raised later
// without invalidating stored hashes. Format: scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { ErrorCode, PasserelleError } from "../../shared/errors";

export interface ScryptParameters {
  /** CPU/memory cost, a power of two (memory = 128 * N * r bytes). */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * N=2^16, r=8, p=1: 64 MiB and ~0.1-0.2 s per hash on this class of machine. (OWASP's password storage
 * cheat sheet suggests N=2^17; stored parameters let a deployment raise them: new hashes use the new
 * values, old ones keep verifying.)
 */
export const DEFAULT_SCRYPT: ScryptParameters = { N: 2 ** 16, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize("NFC"), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Refuses passwords too short to resist guessing, or absurdly long (scrypt cost stays bounded). */
export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new PasserelleError(ErrorCode.InputInvalid, `password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new PasserelleError(ErrorCode.InputInvalid, `password must have at most ${MAX_PASSWORD_LENGTH} characters`);
}

export async function hashPassword(password: string, params: ScryptParameters = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64"), key.toString("base64")].join("$");
}

const STORED = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** Constant-time comparison against a stored hash; a malformed stored value never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = STORED.exec(stored);
  if (!m || password.length > MAX_PASSWORD_LENGTH) return false;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const expected = Buffer.from(m[5] ?? "", "base64");
  if (expected.length !== KEY_LENGTH || params.N > 2 ** 20 || params.r > 32 || params.p > 16) return false;
  const key = await derive(password, Buffer.from(m[4] ?? "", "base64"), params);
  return timingSafeEqual(key, expected);
}

/** A hash of a random password, verified when the account is unknown so that timing does not reveal which names exist. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(18).toString("base64"));
  return decoy;
}
