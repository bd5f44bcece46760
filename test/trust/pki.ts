// A throw-away PKI for trust tests: CAs, TLS and SAML certificates, expired or not. Keys come from
// node:crypto (fast), certificates are built with node-forge (as the dev PKI does).
import forge from "node-forge";
import { generateKeyPairSync, randomBytes } from "node:crypto";

export interface TestCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly subject: string;
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

export interface CertOptions {
  cn: string;
  country?: string;
  org?: string;
  /** Validity start (default: one day ago). */
  notBefore?: Date;
  /** Validity end (default: one year after notBefore). */
  notAfter?: Date;
  /** Issuer; undefined = self-signed. */
  issuer?: TestCert;
  isCa?: boolean;
  /** Key usage names as node-forge spells them (default: CA keyCertSign+cRLSign, leaf digitalSignature+keyEncipherment). */
  keyUsage?: string[];
  /** Extended key usage (e.g. ["serverAuth", "clientAuth"]). */
  extKeyUsage?: string[];
  /** DNS names and IP addresses for subjectAltName. */
  dns?: string[];
  ips?: string[];
}

const DAY = 86_400_000;

export function makeCert(o: CertOptions): TestCert {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString()) as forge.pki.rsa.PrivateKey;
  const pub = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  cert.serialNumber = "01" + randomBytes(8).toString("hex");
  const notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = o.notAfter ?? new Date(notBefore.getTime() + 365 * DAY);
  const attrs = [
    { shortName: "C", value: o.country ?? "LU" },
    { shortName: "O", value: o.org ?? "Passerelle tests" },
    { shortName: "CN", value: o.cn },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : attrs);
  const ku = new Set(o.keyUsage ?? (o.isCa ? ["keyCertSign", "cRLSign"] : ["digitalSignature", "keyEncipherment"]));
  const exts: object[] = [
    { name: "basicConstraints", cA: Boolean(o.isCa), critical: true },
    { name: "keyUsage", critical: true, ...Object.fromEntries([...ku].map((k) => [k, true])) },
    { name: "subjectKeyIdentifier" },
  ];
  if (o.extKeyUsage) exts.push({ name: "extKeyUsage", ...Object.fromEntries(o.extKeyUsage.map((k) => [k, true])) });
  if (o.dns || o.ips) {
    exts.push({
      name: "subjectAltName",
      altNames: [...(o.dns ?? []).map((value) => ({ type: 2, value })), ...(o.ips ?? []).map((ip) => ({ type: 7, ip }))],
    });
  }
  if (o.issuer) exts.push({ name: "authorityKeyIdentifier", keyIdentifier: o.issuer.cert.generateSubjectKeyIdentifier().getBytes() });
  cert.setExtensions(exts);
  cert.sign(o.issuer ? o.issuer.key : key, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    subject: `C=${o.country ?? "LU"}, O=${o.org ?? "Passerelle tests"}, CN=${o.cn}`,
    cert,
    key,
  };
}

export function makeCa(cn: string, country = "LU", extra: Partial<CertOptions> = {}): TestCert {
  return makeCert({ cn, country, isCa: true, ...extra });
}

export const DAYS = (n: number): number => n * DAY;
