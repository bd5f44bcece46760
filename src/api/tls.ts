// The national listener (8444) asks national clients for a certificate without requiring one, so that
// certificate and bearer-token clients share it (issue 3 "Mutual TLS"). OpenSSL verifies a presented
// chain against the national client CA(s) only (PASSERELLE_NATIONAL_CLIENT_CA; never the public
// roots); the result is `socket.authorized`, which the middleware (auth.ts) reads.
import { existsSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Server as TlsServer } from "node:tls";
import { parsePemCertificates } from "../exchange/partners/certificates";
import type { KeyAndCertificate } from "../ops/certs";
import { ErrorCode, PasserelleError } from "../shared/errors";

/** TLS 1.2 at least, as on every listener (REFERENCE.md "Transport"). */
const MIN_TLS_VERSION = "TLSv1.2";

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
 * Makes a listening HTTPS server request (not require) a client certificate verified against `cas`.
 * Node reads `requestCert` / `rejectUnauthorized` from the server for each new connection and
 * `setSecureContext` swaps the CA list for the next handshakes.
 */
export function requestClientCertificates(server: Server, identity: Pick<KeyAndCertificate, "keyPem" | "certPem">, cas: readonly string[]): void {
  const tlsServer = server as unknown as TlsServer & { requestCert: boolean; rejectUnauthorized: boolean };
  if (typeof tlsServer.setSecureContext !== "function") throw new PasserelleError(ErrorCode.Internal, "the national listener is not a TLS server");
  if (cas.length === 0) throw new PasserelleError(ErrorCode.ConfigInvalid, "PASSERELLE_NATIONAL_CLIENT_CA holds no certificate");
  tlsServer.setSecureContext({ key: identity.keyPem, cert: identity.certPem, ca: [...cas], minVersion: MIN_TLS_VERSION });
  tlsServer.requestCert = true;
  tlsServer.rejectUnauthorized = false;
}
