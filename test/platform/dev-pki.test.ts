import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPasserelleError } from "../../src/shared/errors";
import { certificateProblems, loadTlsMaterial, readKeyAndCertificate } from "../../src/ops/certs";
import { PKI_NAMES, generateDevPki, isCertsDirEmpty } from "../../src/ops/dev-pki";

function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("dev PKI", function () {
  this.timeout(60_000);
  let dir: string;
  let files: readonly string[];

  before(() => {
    dir = join(mkdtempSync(join(tmpdir(), "passerelle-pki-")), "certs");
    expect(isCertsDirEmpty(dir)).to.equal(true);
    files = generateDevPki({ dir, country: "LU" }).files;
  });
  after(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

  it("writes the documented layout, keys 0600, and a trust/ folder", () => {
    expect([...files].sort()).to.deep.equal(
      ["ca", "saml", "seal", "tls-client", "tls-server"].flatMap((n) => [`${n}.key.pem`, `${n}.pem`]).sort(),
    );
    for (const f of files.filter((f) => f.endsWith(".key.pem"))) expect(statSync(join(dir, f)).mode & 0o777, f).to.equal(0o600);
    expect(statSync(join(dir, "trust")).isDirectory()).to.equal(true);
    expect(isCertsDirEmpty(dir)).to.equal(false);
  });

  it("every certificate verifies against the CA with openssl", () => {
    for (const name of ["tls-server", "tls-client", "seal", "saml"]) {
      expect(openssl("verify", "-CAfile", join(dir, "ca.pem"), join(dir, `${name}.pem`)).trim()).to.equal(`${join(dir, `${name}.pem`)}: OK`);
    }
    const text = openssl("x509", "-in", join(dir, "seal.pem"), "-noout", "-text");
    expect(text).to.contain("Signature Algorithm: sha256WithRSAEncryption").and.contain("Public-Key: (2048 bit)");
  });

  it("a certificate from another CA does not verify (the check can fail)", () => {
    const other = join(dir, "..", "other");
    generateDevPki({ dir: other, country: "FR" });
    expect(() => openssl("verify", "-CAfile", join(dir, "ca.pem"), join(other, "seal.pem"))).to.throw();
  });

  it("sets the extensions each purpose needs", () => {
    const cert = (n: string) => new X509Certificate(readFileSync(join(dir, `${n}.pem`)));
    const ca = cert("ca");
    expect(ca.ca).to.equal(true);
    for (const n of ["tls-server", "tls-client", "seal", "saml"]) {
      const c = cert(n);
      expect(c.ca, n).to.equal(false);
      expect(c.checkIssued(ca), n).to.equal(true);
      expect(c.verify(ca.publicKey), n).to.equal(true);
      expect(c.checkPrivateKey(createPrivateKey(readFileSync(join(dir, `${n}.key.pem`)))), n).to.equal(true);
      expect(c.subject).to.contain("C=LU");
    }
    const server = cert("tls-server");
    expect(server.subjectAltName).to.contain("DNS:localhost").and.contain("IP Address:127.0.0.1");
    expect(server.checkHost("localhost")).to.equal("localhost");
    expect(server.checkIP("127.0.0.1")).to.equal("127.0.0.1");
    expect(server.keyUsage).to.include("1.3.6.1.5.5.7.3.1"); // serverAuth
    expect(cert("tls-client").keyUsage).to.include("1.3.6.1.5.5.7.3.2"); // clientAuth
    const sealText = openssl("x509", "-in", join(dir, "seal.pem"), "-noout", "-ext", "keyUsage");
    expect(sealText).to.contain("Digital Signature, Non Repudiation");
    const samlText = openssl("x509", "-in", join(dir, "saml.pem"), "-noout", "-ext", "keyUsage");
    expect(samlText).to.contain("Digital Signature").and.not.contain("Non Repudiation");
  });

  it("refuses to overwrite without force, and keeps trust/ with force", () => {
    try {
      generateDevPki({ dir, country: "LU" });
      expect.fail("should have thrown");
    } catch (e) {
      expect(isPasserelleError(e, "CONFLICT")).to.equal(true);
    }
    const partner = join(dir, "trust", "partner-ca.pem");
    writeFileSync(partner, readFileSync(join(dir, "..", "other", "ca.pem")));
    const before = readFileSync(join(dir, "ca.pem"), "utf8");
    generateDevPki({ dir, country: "LU", force: true, commonName: "Gateway Two" });
    expect(readFileSync(join(dir, "ca.pem"), "utf8")).to.not.equal(before);
    expect(new X509Certificate(readFileSync(join(dir, "ca.pem"))).subject).to.contain("O=Gateway Two");
    expect(readFileSync(partner, "utf8")).to.contain("BEGIN CERTIFICATE");
  });

  it("loads the TLS material with partner CAs, and reports no problem while valid", () => {
    const material = loadTlsMaterial(dir);
    expect(material.trustFiles).to.deep.equal(["ca.pem", "trust/partner-ca.pem"]);
    expect(certificateProblems(material)).to.deep.equal([]);
    expect(certificateProblems(material, new Date(Date.now() + 3 * 365 * 86400_000)).join()).to.contain("TLS server certificate expired");
  });

  it("refuses a key that does not belong to its certificate", () => {
    const mixed = join(dir, "..", "mixed");
    mkdirSync(mixed);
    writeFileSync(join(mixed, "seal.pem"), readFileSync(join(dir, "seal.pem")));
    writeFileSync(join(mixed, "seal.key.pem"), readFileSync(join(dir, "saml.key.pem")));
    expect(() => readKeyAndCertificate(mixed, PKI_NAMES.seal)).to.throw(/does not match/);
  });
});
