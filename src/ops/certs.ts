// Reads the TLS material of the listeners from the certificates directory (layout: certs.example/README.md)
// and says what is wrong with it, for start-up and for /readyz.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { PKI_NAMES, TRUST_DIR, certFile, keyFile, type PkiName } from "./dev-pki";

export interface KeyAndCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly certificate: X509Certificate;
}

export interface TlsMaterial {
  readonly server: KeyAndCertificate;
  readonly client: KeyAndCertificate;
  /** Our CA first, then every partner CA of trust/ (PEM text, one entry per file). */
  readonly trustedCas: readonly string[];
  /** The files trusted CAs were read from, relative to the certificates directory. */
  readonly trustFiles: readonly string[];
}

/** Reads `<name>.pem` + `<name>.key.pem`, checking that the key matches the certificate. */
export function readKeyAndCertificate(certsDir: string, name: PkiName): KeyAndCertificate {
  const certPath = join(certsDir, certFile(name));
  const keyPath = join(certsDir, keyFile(name));
  for (const p of [certPath, keyPath]) {
    if (!existsSync(p)) throw new PasserelleError(ErrorCode.ConfigInvalid, `missing ${p} (run \`passerelle certs init\` for a development PKI)`, { location: p });
  }
  const certPem = readFileSync(certPath, "utf8");
  const keyPem = readFileSync(keyPath, "utf8");
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch (e) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `${certPath} is not a PEM certificate`, { location: certPath }, { cause: e });
  }
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(keyPem));
  } catch (e) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `${keyPath} is not a PEM private key`, { location: keyPath }, { cause: e });
  }
  if (!matches) throw new PasserelleError(ErrorCode.ConfigInvalid, `${keyPath} does not match ${certPath}`, { location: keyPath });
  return { certPem, keyPem, certificate };
}

/** Everything the TLS listeners need; throws CONFIG_INVALID naming the first missing or broken file. */
export function loadTlsMaterial(certsDir: string): TlsMaterial {
  const server = readKeyAndCertificate(certsDir, PKI_NAMES.tlsServer);
  const client = readKeyAndCertificate(certsDir, PKI_NAMES.tlsClient);
  const caPath = join(certsDir, certFile(PKI_NAMES.ca));
  if (!existsSync(caPath)) throw new PasserelleError(ErrorCode.ConfigInvalid, `missing ${caPath}`, { location: caPath });
  const trustFiles = [certFile(PKI_NAMES.ca)];
  const trustedCas = [readFileSync(caPath, "utf8")];
  const trustDir = join(certsDir, TRUST_DIR);
  if (existsSync(trustDir)) {
    for (const f of readdirSync(trustDir).filter((f) => /\.(pem|crt)$/.test(f)).sort()) {
      const pem = readFileSync(join(trustDir, f), "utf8");
      try {
        new X509Certificate(pem);
      } catch (e) {
        throw new PasserelleError(ErrorCode.ConfigInvalid, `${join(trustDir, f)} is not a PEM certificate`, { location: join(trustDir, f) }, { cause: e });
      }
      trustedCas.push(pem);
      trustFiles.push(`${TRUST_DIR}/${f}`);
    }
  }
  return { server, client, trustedCas, trustFiles };
}

/** Problems with loaded material at a given time (expired or not yet valid certificates). */
export function certificateProblems(material: TlsMaterial, now: Date = new Date()): string[] {
  const problems: string[] = [];
  const check = (label: string, cert: X509Certificate) => {
    if (new Date(cert.validTo) < now) problems.push(`${label} certificate expired on ${new Date(cert.validTo).toISOString()}`);
    if (new Date(cert.validFrom) > now) problems.push(`${label} certificate is not valid before ${new Date(cert.validFrom).toISOString()}`);
  };
  check("TLS server", material.server.certificate);
  check("TLS client", material.client.certificate);
  material.trustedCas.forEach((pem, i) => check(`trusted CA ${material.trustFiles[i]}`, new X509Certificate(pem)));
  return problems;
}
