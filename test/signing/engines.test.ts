// The digest and signature check of verify.ts runs on our exc-c14n and node:crypto (exc-check.ts)
// unless asked for xml-crypto (options.engine). Cross-checked here, on every eHDSI sample and every
// SAML fixture: the two engines give the same verdict (the same error code, or the same verified
// content and signer), and libxmlsec1 (xmlsec1 --verify) agrees on accepting or refusing. The attack
// fixtures of test/signing/invalid run through both engines in attacks.test.ts.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPasserelleError } from "../../src/shared/errors";
import { loadSigningKey } from "../../src/signing/keys";
import { signDocument } from "../../src/signing/sign";
import { loadTrustList, trustListFromPem, type TrustList } from "../../src/signing/trust";
import { verifyEnveloped, type ReferenceTarget } from "../../src/signing/verify";
import { EHDSI_DIR, REPO_ROOT, ehdsiPath } from "../helpers/ehdsi";
import { testKey } from "../saml/test-pki";
import { testPki } from "./pki";

const PYTHON = process.env.PASSERELLE_PYTHON ?? "/usr/bin/python3";
const AT = new Date("2026-11-27T10:00:00.000Z");
const work = mkdtempSync(join(tmpdir(), "passerelle-engines-"));

type Verdict = { ok: true; content: string; subject: string } | { ok: false; code: string };

function verdict(xml: string, trust: TrustList, target: ReferenceTarget, engine: "auto" | "xml-crypto", at?: Date): Verdict {
  try {
    const v = verifyEnveloped(xml, trust, target, { engine, ...(at ? { at } : {}) });
    return { ok: true, content: v.document.toString(), subject: v.signer.subject };
  } catch (e) {
    if (!isPasserelleError(e)) throw e;
    return { ok: false, code: e.code };
  }
}

function xmlsec1Accepts(xml: string, caFile: string): boolean {
  const file = join(work, `doc-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync("xmlsec1", ["--verify", "--trusted-pem", caFile, file], { encoding: "utf8" });
  return r.status === 0;
}

/** libxmlsec1 (python3-xmlsec) on the signature of the element with @ID=id, its KeyInfo signer chained to `caFiles`. */
function libxmlsec1AcceptsById(xml: string, caFiles: string[], id: string): boolean {
  const file = join(work, `doc-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync(PYTHON, [join(REPO_ROOT, "bench/xmlsec_verify.py"), file, caFiles.join(","), "0", "--id", id, "--ca"], { encoding: "utf8" });
  return r.status === 0;
}

/** One byte of signed text content changed (the first text node longer than 3 characters after the root). */
function tamper(signed: string): string {
  const m = /<(?:\w+:)?(?:family|given|name|NameID|title)[^>]*>([^<]{2,})</.exec(signed);
  if (!m || m.index === undefined) throw new Error("nothing to tamper with");
  const at = m.index + m[0].length - 2;
  return signed.slice(0, at) + String.fromCharCode(signed.charCodeAt(at) ^ 0x01) + signed.slice(at + 1);
}

function cdaSamples(): string[] {
  const dir = join(EHDSI_DIR, "cda");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(dir, d.name)).filter((f) => f.endsWith(".xml")).map((f) => join("cda", d.name, f)));
}

describe("signing: our exc-c14n check, xml-crypto and libxmlsec1 agree", function () {
  this.timeout(120000);
  after(() => rmSync(work, { recursive: true, force: true }));

  describe("document seals on every eHDSI CDA sample (ours and libxmlsec1's), intact and tampered", () => {
    const pki = testPki();
    const caFile = join(pki.dir, "ca.pem");
    const trust = loadTrustList({ anchors: [caFile] });
    const key = loadSigningKey(pki.dir, "seal");
    const samples = cdaSamples();

    it("finds the samples", () => expect(samples.length).to.be.greaterThan(15));

    for (const sample of samples) {
      it(sample, () => {
        const path = ehdsiPath(...sample.split("/"));
        const ours = signDocument(readFileSync(path, "utf8"), key);
        const out = join(work, "by-xmlsec.xml");
        const r = spawnSync(PYTHON, [join(REPO_ROOT, "bench/xmlsec_sign.py"), path, join(pki.dir, "seal.key.pem"), join(pki.dir, "seal.pem"), "0", "--out", out], { encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
        const byXmlsec = readFileSync(out, "utf8");
        for (const [who, signed] of [["ours", ours], ["libxmlsec1", byXmlsec]] as const) {
          for (const [state, xml] of [["intact", signed], ["tampered", tamper(signed)]] as const) {
            const fast = verdict(xml, trust, { kind: "document" }, "auto");
            const reference = verdict(xml, trust, { kind: "document" }, "xml-crypto");
            expect(fast, `${who} ${state}`).to.deep.equal(reference);
            expect(fast.ok, `${who} ${state}`).to.equal(state === "intact");
            expect(xmlsec1Accepts(xml, caFile), `${who} ${state} in xmlsec1`).to.equal(state === "intact");
          }
        }
      });
    }
  });

  describe("SAML assertions: every fixture of test/saml/valid and test/saml/invalid, each assertion by ID", () => {
    const caPems = ["dk-signing-ca", "fi-signing-ca"].map((n) => testKey(n).certPem);
    const trust = trustListFromPem({ anchors: caPems });
    const caFiles = caPems.map((pem, i) => {
      const file = join(work, `saml-ca-${i}.pem`);
      writeFileSync(file, pem);
      return file;
    });
    const fixtures = ["valid", "invalid"].flatMap((d) => readdirSync(join(REPO_ROOT, "test/saml", d)).map((f) => join("test/saml", d, f)));

    it("the real eHDSI DK headers (../shared/ehdsi/saml), DK's signer pinned, inside their validity", () => {
      const pinned = trustListFromPem({ pinned: [readFileSync(ehdsiPath("saml", "dk-bootcamp-signer.pem"), "utf8")] });
      const at = new Date("2025-07-26T12:00:00Z");
      let accepted = 0;
      for (const name of readdirSync(join(EHDSI_DIR, "saml")).filter((f) => f.startsWith("openncp_soap_header"))) {
        const xml = readFileSync(ehdsiPath("saml", name), "utf8");
        for (const id of [...new Set([...xml.matchAll(/<saml2?:Assertion\b[^>]*\sID="([^"]+)"/g)].map((m) => m[1] as string))]) {
          const target: ReferenceTarget = { kind: "id", id, idAttributes: ["ID"] };
          const fast = verdict(xml, pinned, target, "auto", at);
          expect(fast, `${name} ${id}`).to.deep.equal(verdict(xml, pinned, target, "xml-crypto", at));
          if (fast.ok) accepted++;
        }
      }
      // The two assertions of the signedinfo-normalized header (test/saml/real-world.test.ts).
      expect(accepted).to.equal(2);
    });

    for (const fixture of fixtures) {
      it(fixture, () => {
        const xml = readFileSync(join(REPO_ROOT, fixture), "utf8");
        const ids = [...new Set([...xml.matchAll(/<saml2?:Assertion\b[^>]*\sID="([^"]+)"/g)].map((m) => m[1] as string))];
        for (const id of ids) {
          const target: ReferenceTarget = { kind: "id", id, idAttributes: ["ID"] };
          const fast = verdict(xml, trust, target, "auto", AT);
          expect(fast, `${id}`).to.deep.equal(verdict(xml, trust, target, "xml-crypto", AT));
          // libxmlsec1 checks digest and signature value only (no allowlist, no wrapping rules): it
          // must accept whatever we accept.
          if (fast.ok) expect(libxmlsec1AcceptsById(xml, caFiles, id), `${id} in libxmlsec1`).to.equal(true);
        }
      });
    }
  });
});
