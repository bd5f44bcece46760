// PEM certificates given by an operator, turned into trust entries. Parsing uses @peculiar/x509
// (STACK.md: needs reflect-metadata and a crypto provider).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash, webcrypto } from "node:crypto";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import type { TrustEntry, TrustKind, TrustUsage } from "./model";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

/** Every certificate of a PEM text (one or several blocks). Throws INPUT_INVALID when there is none or one is unparsable. */
export function parsePemCertificates(text: string, what = "PEM"): x509.X509Certificate[] {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new PasserelleError(ErrorCode.InputInvalid, `${what}: no "BEGIN CERTIFICATE" block found`);
  return blocks.map((m, i) => {
    try {
      return new x509.X509Certificate(Buffer.from((m[1] ?? "").replace(/\s+/g, ""), "base64"));
    } catch (e) {
      throw new PasserelleError(ErrorCode.InputInvalid, `${what}: certificate ${i + 1} is not a valid X.509 certificate`, {}, { cause: e });
    }
  });
}

export function sha256Hex(der: ArrayBuffer | Uint8Array): string {
  return createHash("sha256").update(der instanceof Uint8Array ? der : new Uint8Array(der)).digest("hex");
}

export function toTrustEntry(cert: x509.X509Certificate, usage: TrustUsage, kind: TrustKind): TrustEntry {
  return {
    usage,
    kind,
    pem: cert.toString("pem"),
    sha256: sha256Hex(cert.rawData),
    subject: cert.subject,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/** Days from `at` until the certificate's notAfter (negative once expired), rounded down. */
export function daysUntilExpiry(notAfter: Date, at: Date): number {
  return Math.floor((notAfter.getTime() - at.getTime()) / 86_400_000);
}
