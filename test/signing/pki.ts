// A throwaway PKI for signing tests: CAs and signer certificates made with node-forge (keys made by
// node:crypto, much faster than forge's pure-JS RSA). Files follow the certificates-directory layout
// loadSigningKey() reads: <name>.pem (certificate) and <name>.key.pem (key).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import forge from "node-forge";

export interface Issued {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

export interface CertOptions {
  cn: string;
  notBefore?: Date;
  notAfter?: Date;
  /** The issuer; self-signed when absent. */
  issuer?: Issued;
  ca?: boolean;
  keyUsage?: { digitalSignature?: boolean; nonRepudiation?: boolean; keyCertSign?: boolean; cRLSign?: boolean } | null;
}

const DAY = 24 * 3600 * 1000;

export function issue(o: CertOptions): Issued {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  cert.validity.notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = o.notAfter ?? new Date(Date.now() + 365 * DAY);
  const subject = [{ name: "commonName", value: o.cn }, { name: "organizationName", value: "Passerelle tests" }, { name: "countryName", value: "LU" }];
  cert.setSubject(subject);
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [{ name: "basicConstraints", cA: o.ca ?? false, critical: true }];
  const ku = o.keyUsage === undefined ? (o.ca ? { keyCertSign: true, cRLSign: true } : { digitalSignature: true, nonRepudiation: true }) : o.keyUsage;
  if (ku) extensions.push({ name: "keyUsage", critical: true, ...ku });
  extensions.push({ name: "subjectKeyIdentifier" });
  cert.setExtensions(extensions);
  cert.sign(o.issuer?.key ?? key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem, cert, key };
}

export interface TestPki {
  dir: string;
  ca: Issued;
  seal: Issued;
}

let shared: TestPki | undefined;

/** One CA and a seal certificate, written to a temp certificates directory (made once per run). */
export function testPki(): TestPki {
  if (shared) return shared;
  const dir = mkdtempSync(join(tmpdir(), "passerelle-pki-"));
  const ca = issue({ cn: "Passerelle Test CA", ca: true, notAfter: new Date(Date.now() + 3650 * DAY) });
  const seal = issue({ cn: "Passerelle Test Seal", issuer: ca });
  writeFileSync(join(dir, "ca.pem"), ca.certPem);
  writeFileSync(join(dir, "seal.pem"), seal.certPem);
  writeFileSync(join(dir, "seal.key.pem"), seal.keyPem);
  shared = { dir, ca, seal };
  return shared;
}

export { DAY };
