// The national listener (8444) asks national clients for a certificate without requiring one, so that
// certificate and bearer-token clients share it (issue 3 "Mutual TLS"). OpenSSL verifies a presented
// chain against the national client CA(s) only (PASSERELLE_NATIONAL_CLIENT_CA; never the public
// roots); the result is `socket.authorized`, which the middleware (auth.ts) reads.
import { existsSync, readFileSync } from "node:fs";
import type { ServerOptions } from "node:https";
import { parsePemCertificates } from "../exchange/partners/certificates";
import { ErrorCode, PasserelleError } from "../shared/errors";

/** The CA certificates of the national client CA file, as PEM (one entry per certificate). */
export function readNationalClientCas(file: string): string[] {
  if (!existsSync(file)) throw new PasserelleError(ErrorCode.ConfigInvalid, `PASSERELLE_NATIONAL_CLIENT_CA: missing ${file}`, { location: file });
  let certificates;
  try {
    certificates = parsePemCertificates(readFileSync(file, "utf8"), file);
  } catch (e) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `PASSERELLE_NATIONAL_CLIENT_CA: ${(e as Error).message}`, { location: file }, { cause: e });
  }
  return certificates.map((c) => c.toString("pem"));
}

/**
 * The national listener's TLS options, requesting (not requiring) a client certificate verified
 * against `cas`: certificate and bearer-token clients share the listener, and the middleware reads
 * the verdict from `socket.authorized`.
 */
export function withNationalClientCertificates(options: ServerOptions, cas: readonly string[]): ServerOptions {
  if (cas.length === 0) throw new PasserelleError(ErrorCode.ConfigInvalid, "PASSERELLE_NATIONAL_CLIENT_CA holds no certificate");
  return { ...options, ca: [...cas], requestCert: true, rejectUnauthorized: false };
}
