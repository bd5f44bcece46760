// The SAML test PKI, kept in test/saml/keys/ so that the attack fixtures (test/saml/invalid/) stay
// verifiable files: made once by `tsx test/saml/make-fixtures.ts` (test-only keys, never used elsewhere).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeCa, makeCert, type TestCert } from "../trust/pki";

export const SAML_TEST_DIR = dirname(fileURLToPath(import.meta.url));
export const KEYS_DIR = join(SAML_TEST_DIR, "keys");

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

const Y = (year: number, month = 1) => new Date(Date.UTC(year, month - 1, 1));

/** name -> how to make it, in dependency order. */
const SPECS: Record<string, (made: Record<string, TestCert>) => TestCert> = {
  "dk-signing-ca": () => makeCa("DK eHealth signing CA", "DK", { notBefore: Y(2026), notAfter: Y(2036) }),
  "dk-saml": (m) => makeCert({ cn: "ncp.dk.example SAML", country: "DK", issuer: m["dk-signing-ca"], keyUsage: ["digitalSignature"], notBefore: Y(2026), notAfter: Y(2036) }),
  "dk-saml-expired": (m) => makeCert({ cn: "ncp.dk.example SAML old", country: "DK", issuer: m["dk-signing-ca"], keyUsage: ["digitalSignature"], notBefore: Y(2026), notAfter: Y(2026, 6) }),
  "fi-signing-ca": () => makeCa("FI eHealth signing CA", "FI", { notBefore: Y(2026), notAfter: Y(2036) }),
  "fi-saml": (m) => makeCert({ cn: "ncp.fi.example SAML", country: "FI", issuer: m["fi-signing-ca"], keyUsage: ["digitalSignature"], notBefore: Y(2026), notAfter: Y(2036) }),
  "rogue-ca": () => makeCa("Rogue CA", "DK", { notBefore: Y(2026), notAfter: Y(2036) }),
  "rogue-saml": (m) => makeCert({ cn: "ncp.dk.example SAML", country: "DK", issuer: m["rogue-ca"], keyUsage: ["digitalSignature"], notBefore: Y(2026), notAfter: Y(2036) }),
  // Self-signed, with exactly the subject of DK's real signer.
  "impostor-saml": () => makeCert({ cn: "ncp.dk.example SAML", country: "DK", keyUsage: ["digitalSignature"], notBefore: Y(2026), notAfter: Y(2036) }),
  "lu-signing-ca": () => makeCa("LU eHealth signing CA", "LU", { notBefore: Y(2026), notAfter: Y(2036) }),
  "lu-saml": (m) => makeCert({ cn: "passerelle.lu.example SAML", country: "LU", issuer: m["lu-signing-ca"], keyUsage: ["digitalSignature"], notBefore: Y(2026), notAfter: Y(2036) }),
};

export type KeyName = keyof typeof SPECS;

/** Writes the PKI files that are missing (all of them the first time). */
export function ensureTestPki(): void {
  if (Object.keys(SPECS).every((n) => existsSync(join(KEYS_DIR, `${n}.pem`)))) return;
  mkdirSync(KEYS_DIR, { recursive: true });
  const made: Record<string, TestCert> = {};
  for (const [name, make] of Object.entries(SPECS)) {
    made[name] = make(made);
    writeFileSync(join(KEYS_DIR, `${name}.pem`), made[name].certPem);
    writeFileSync(join(KEYS_DIR, `${name}.key.pem`), made[name].keyPem);
  }
}

export function testKey(name: KeyName): PemPair {
  return { certPem: readFileSync(join(KEYS_DIR, `${name}.pem`), "utf8"), keyPem: readFileSync(join(KEYS_DIR, `${name}.key.pem`), "utf8") };
}
