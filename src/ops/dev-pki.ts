// Development PKI (`passerelle certs init`, and on first start when the certificates directory is
// empty): one CA and four end-entity certificates, laid out as certs.example/README.md documents.
// RSA 2048, SHA-256 signatures (SHA-1 never emitted, DESIGN.md convention 6); keys are PKCS#8 PEM,
// written 0600 beside their certificates. Keys come from node:crypto; node-forge builds the
// certificates (STACK.md: forge for generation only, never for verification).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";
import { ErrorCode, PasserelleError } from "../shared/errors";

/** File names in the certificates directory (`<name>.pem` certificate, `<name>.key.pem` key). */
export const PKI_NAMES = {
  ca: "ca",
  tlsServer: "tls-server",
  tlsClient: "tls-client",
  seal: "seal",
  saml: "saml",
} as const;
export type PkiName = (typeof PKI_NAMES)[keyof typeof PKI_NAMES];

/** Partner gateways' CAs (PEM files) trusted by the partner listener, beside our own ca.pem. */
export const TRUST_DIR = "trust";

export const certFile = (name: PkiName): string => `${name}.pem`;
export const keyFile = (name: PkiName): string => `${name}.key.pem`;

export interface DevPkiOptions {
  /** The certificates directory (created if missing). */
  dir: string;
  /** ISO 3166-1 alpha-2, put in every subject's C. */
  country: string;
  /** Organisation name base for subjects (default "Passerelle <country>"). */
  commonName?: string;
  /** Overwrite an existing PKI (the trust/ folder is kept). */
  force?: boolean;
  /** Server certificate names (default localhost, 127.0.0.1 and ::1). */
  serverNames?: readonly string[];
  /** Validity start (default now); end-entity certificates last 2 years, the CA 10. */
  now?: Date;
}

export interface DevPkiResult {
  readonly dir: string;
  /** Files written, relative to dir. */
  readonly files: readonly string[];
}

const KEY_BITS = 2048;
const DEFAULT_SERVER_NAMES = ["localhost", "127.0.0.1", "::1"];

/** True when the directory is missing, or holds nothing but an empty trust/ folder and dotfiles. */
export function isCertsDirEmpty(dir: string): boolean {
  if (!existsSync(dir)) return true;
  return readdirSync(dir).every((f) => f.startsWith(".") || (f === TRUST_DIR && readdirSync(join(dir, f)).every((t) => t.startsWith("."))));
}

export function generateDevPki(options: DevPkiOptions): DevPkiResult {
  const { dir, country } = options;
  if (!/^[A-Z]{2}$/.test(country)) throw new PasserelleError(ErrorCode.InputInvalid, `country must be two capital letters, got "${country}"`);
  const existing = Object.values(PKI_NAMES).flatMap((n) => [certFile(n), keyFile(n)]).filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0 && !options.force) {
    throw new PasserelleError(ErrorCode.Conflict, `${dir} already holds a PKI (${existing.join(", ")}); use --force to replace it`, { location: dir });
  }
  const org = options.commonName ?? `Passerelle ${country}`;
  const now = options.now ?? new Date();
  mkdirSync(join(dir, TRUST_DIR), { recursive: true });

  const caKeys = newKeyPair();
  const caSubject = subject(country, org, `${org} development CA`);
  const ca = buildCertificate({
    subject: caSubject,
    issuer: caSubject,
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    issuerPublicKey: caKeys.publicKey,
    notBefore: now,
    years: 10,
    extensions: [
      { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const files: string[] = [];
  const write = (name: PkiName, cert: forge.pki.Certificate, keyPem: string) => {
    writePublic(join(dir, certFile(name)), forge.pki.certificateToPem(cert));
    writePrivate(join(dir, keyFile(name)), keyPem);
    files.push(certFile(name), keyFile(name));
  };
  write(PKI_NAMES.ca, ca, caKeys.privateKeyPem);

  const leaf = (name: PkiName, cn: string, extensions: object[]) => {
    const keys = newKeyPair();
    const cert = buildCertificate({
      subject: subject(country, org, cn),
      issuer: ca.subject.attributes,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      issuerPublicKey: caKeys.publicKey,
      notBefore: now,
      years: 2,
      extensions: [{ name: "basicConstraints", cA: false, critical: true }, ...extensions],
    });
    write(name, cert, keys.privateKeyPem);
  };

  const serverNames = options.serverNames ?? DEFAULT_SERVER_NAMES;
  leaf(PKI_NAMES.tlsServer, serverNames[0] ?? "localhost", [
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: serverNames.map(altName) },
  ]);
  leaf(PKI_NAMES.tlsClient, `${org} gateway client`, [
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", clientAuth: true },
  ]);
  // Document seal: signs eHDSI CDA documents; a seal is non-repudiable evidence of origin.
  leaf(PKI_NAMES.seal, `${org} document seal`, [{ name: "keyUsage", digitalSignature: true, nonRepudiation: true, critical: true }]);
  // SAML signing: TRC assertions issued by NCPeH-B (REFERENCE.md "SAML assertions").
  leaf(PKI_NAMES.saml, `${org} SAML signing`, [{ name: "keyUsage", digitalSignature: true, critical: true }]);

  return { dir, files };
}

interface KeyPair {
  publicKey: forge.pki.rsa.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  privateKeyPem: string;
}

function newKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: KEY_BITS,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    privateKeyPem: privateKey,
  };
}

function subject(country: string, org: string, cn: string): forge.pki.CertificateField[] {
  return [
    { shortName: "C", value: country },
    { shortName: "O", value: org },
    { shortName: "CN", value: cn },
  ];
}

function altName(name: string): { type: number; value?: string; ip?: string } {
  // GeneralName: 2 = dNSName, 7 = iPAddress (RFC 5280 §4.2.1.6)
  return /^[\d.]+$/.test(name) || name.includes(":") ? { type: 7, ip: name } : { type: 2, value: name };
}

interface CertificateSpec {
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  publicKey: forge.pki.rsa.PublicKey;
  signingKey: forge.pki.rsa.PrivateKey;
  issuerPublicKey: forge.pki.rsa.PublicKey;
  notBefore: Date;
  years: number;
  extensions: object[];
}

function buildCertificate(spec: CertificateSpec): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = spec.publicKey;
  // Positive 128-bit serial (RFC 5280 §4.1.2.2: positive, at most 20 octets).
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = new Date(spec.notBefore.getTime() - 60_000); // a minute of clock skew
  const notAfter = new Date(spec.notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + spec.years);
  cert.validity.notAfter = notAfter;
  cert.setSubject(spec.subject);
  cert.setIssuer(spec.issuer);
  cert.setExtensions([
    ...spec.extensions,
    { name: "subjectKeyIdentifier" },
    // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits, as forge computes the SKI.
    { name: "authorityKeyIdentifier", keyIdentifier: forge.pki.getPublicKeyFingerprint(spec.issuerPublicKey, { type: "RSAPublicKey" }).getBytes() },
  ]);
  cert.sign(spec.signingKey, forge.md.sha256.create());
  return cert;
}

function writePublic(path: string, pem: string): void {
  writeFileSync(path, pem, { mode: 0o644 });
  chmodSync(path, 0o644);
}

function writePrivate(path: string, pem: string): void {
  writeFileSync(path, pem, { mode: 0o600 });
  chmodSync(path, 0o600); // mode is ignored when the file already existed (--force)
}
