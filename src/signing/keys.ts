// The signing key of the gateway: a private key and its certificate (leaf first, then any
// intermediates). The dev PKI and the operator's PKI share one layout in the certificates directory
// (PASSERELLE_CERTS_DIR, DESIGN.md): `<name>.pem` holds the certificate(s), `<name>.key.pem` the key.
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, PasserelleError } from "../shared/errors";

export interface SigningKey {
  privateKeyPem: string;
  /** PEM certificates, the signer's own first, then intermediates (all go into KeyInfo/X509Data). */
  certificatePems: string[];
}

/** Purposes with their own key in the certificates directory. */
export type KeyName = "seal" | "saml" | (string & {});

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every PEM certificate block of a file, in order. */
export function splitPemCertificates(pem: string): string[] {
  return pem.match(PEM_CERT)?.map((c) => `${c}\n`) ?? [];
}

/** Base64 DER of a PEM certificate (the text of ds:X509Certificate). */
export function pemToBase64Der(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
}

/** Reads `<certsDir>/<name>.pem` and `<certsDir>/<name>.key.pem` and checks they belong together. */
export function loadSigningKey(certsDir: string, name: KeyName): SigningKey {
  const certFile = join(certsDir, `${name}.pem`);
  const keyFile = join(certsDir, `${name}.key.pem`);
  let certText: string;
  let keyText: string;
  try {
    certText = readFileSync(certFile, "utf8");
    keyText = readFileSync(keyFile, "utf8");
  } catch (e) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `signing key "${name}" not found in ${certsDir} (expected ${name}.pem and ${name}.key.pem)`, { location: certsDir }, { cause: e });
  }
  return signingKeyFromPem(keyText, certText, certFile);
}

/** Builds a SigningKey from PEM text, refusing a key that does not match the first certificate. */
export function signingKeyFromPem(privateKeyPem: string, certificatesPem: string, source = "certificate"): SigningKey {
  const certificatePems = splitPemCertificates(certificatesPem);
  const leafPem = certificatePems[0];
  if (!leafPem) throw new PasserelleError(ErrorCode.ConfigInvalid, `no PEM certificate in ${source}`, { location: source });
  try {
    const fromKey = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: "spki", format: "der" });
    const fromCert = new X509Certificate(leafPem).publicKey.export({ type: "spki", format: "der" });
    if (!fromKey.equals(fromCert)) throw new Error("the private key does not match the certificate");
  } catch (e) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `signing key for ${source} is unusable: ${(e as Error).message}`, { location: source }, { cause: e });
  }
  return { privateKeyPem, certificatePems };
}
