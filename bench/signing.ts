// Signing benchmark (issue 2 "Benchmark"): documents/s for sealing alone and verifying alone, on a
// full Patient Summary (170 KB) and a mid-size one (~40 KB), against libxmlsec1 doing the same
// signature in-process (Debian python3-xmlsec, bench/xmlsec_sign.py) on the same document with the
// same key in the same run. Floor: ours no slower than 3x libxmlsec1.
// Verification (no floor, reported): documents/s for verifyDocument() and verifications/s of one HCP
// assertion by #ID inside a ~17 KB SOAP envelope holding an HCP and a TRC assertion (issued by
// src/saml/issue.ts), from the text (verifyEnveloped) and from the envelope parsed once
// (verifyEnvelopedIn), each beside libxmlsec1 verifying the same signature (bench/xmlsec_verify.py).
// Run alone: `npx tsx bench/signing.ts`; `npm run bench` calls run() from bench/run.ts.
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDevPki } from "../src/ops/dev-pki";
import { issueHcpAssertion, issueTrcAssertion } from "../src/saml/issue";
import { parseXmlStrict } from "../src/signing/dom";
import { loadSigningKey, type SigningKey } from "../src/signing/keys";
import { signDocument } from "../src/signing/sign";
import { loadTrustList } from "../src/signing/trust";
import { verifyDocument, verifyEnveloped, verifyEnvelopedIn, type ReferenceTarget } from "../src/signing/verify";
import { machine, perSecond, type Machine } from "./measure";

const HERE = dirname(fileURLToPath(import.meta.url));
const EHDSI = resolve(HERE, "../../shared/ehdsi");
const PYTHON = process.env.PASSERELLE_PYTHON ?? "/usr/bin/python3";
/** Our signing may take at most this many times libxmlsec1's time per document. */
export const MAX_RATIO = 3;

export const DOCUMENTS = [
  { name: "PS 2-1234-W8 (openncp)", path: join(EHDSI, "cda/openncp/2-1234-W8.xml") },
  { name: "PS friendly (openncp)", path: join(EHDSI, "cda/openncp/PatientSummary-friendly.xml") },
];

export interface SigningFigures {
  document: string;
  bytes: number;
  signPerSecond: number;
  verifyPerSecond: number;
  xmlsecSignPerSecond: number;
  /** Our time per signature / libxmlsec1's. */
  ratio: number;
  withinFloor: boolean;
  xmlsecVerifyPerSecond: number;
  /** Our time per verification / libxmlsec1's. */
  verifyRatio: number;
}

export interface AssertionFigures {
  envelopeBytes: number;
  /** verifyEnveloped(envelope text, HCP by #ID): parse + verify. */
  verifyFromTextPerSecond: number;
  /** verifyEnvelopedIn(envelope parsed once, HCP by #ID). */
  verifyParsedPerSecond: number;
  /** The same with engine "xml-crypto": what a signature with an InclusiveNamespaces PrefixList gets (OpenNCP's). */
  verifyParsedXmlCryptoPerSecond: number;
  xmlsecVerifyPerSecond: number;
  /** Our time per verification from the text / libxmlsec1's (which parses the text too). */
  ratio: number;
}

export interface SigningBenchResult {
  machine: Machine;
  figures: SigningFigures[];
  assertion: AssertionFigures;
}

function xmlsecVerifyPerSecond(document: string, certFile: string, rounds: number, id?: string): number {
  const out = execFileSync(PYTHON, [join(HERE, "xmlsec_verify.py"), document, certFile, String(rounds), ...(id ? ["--id", id] : [])], { encoding: "utf8" });
  const { verify_per_s: rate } = JSON.parse(out.trim().split("\n").pop() as string) as { verify_per_s: number };
  return rate;
}

/** A SOAP 1.2 XCA query envelope whose wsse:Security carries an HCP and a TRC assertion signed with `key`. */
function soapEnvelope(key: SigningKey): { xml: string; hcpId: string } {
  const hcp = issueHcpAssertion(
    {
      nameId: "lu-hp-0042",
      subjectId: "Dr Anne Weber",
      role: "221",
      purposeOfUse: "TREATMENT",
      organization: "Centre Hospitalier",
      organizationId: "urn:oid:1.3.182.4.4.1",
      facilityType: "Hospital",
      locality: "Luxembourg",
      permissions: ["PRD-003", "PRD-004", "PRD-005", "PRD-006", "PRD-010", "PRD-016", "PPD-046"],
      authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
    },
    { key, issuer: "urn:idp:LU:countryB", homeCommunityId: "urn:oid:1.3.182.4.4" },
  );
  const trc = issueTrcAssertion(
    { hcp: { id: hcp.id, nameId: hcp.content.nameId }, patientId: "2712345678901^^^&1.3.182.2.12.10000734.6.1&ISO", purposeOfUse: "TREATMENT" },
    { key, issuer: "urn:initgw:LU:countryB" },
  );
  const slots = Array.from({ length: 40 }, (_, i) => `<rim:Slot name="$XDSDocumentEntryStatus${i}"><rim:ValueList><rim:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:ValueList></rim:Slot>`).join("");
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">` +
    `<soap:Header><wsa:Action soap:mustUnderstand="1">urn:ihe:iti:2007:CrossGatewayQuery</wsa:Action><wsa:MessageID>urn:uuid:5f7e1c1e-6a4b-4d8e-9a43-2b9d1c3f0a11</wsa:MessageID>` +
    `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">${hcp.xml}${trc.xml}</wsse:Security></soap:Header>` +
    `<soap:Body><query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d">${slots}</rim:AdhocQuery></query:AdhocQueryRequest></soap:Body></soap:Envelope>`;
  return { xml, hcpId: hcp.id };
}

function xmlsecPerSecond(document: string, keyFile: string, certFile: string, rounds: number): number {
  const out = execFileSync(PYTHON, [join(HERE, "xmlsec_sign.py"), document, keyFile, certFile, String(rounds)], { encoding: "utf8" });
  const { docs_per_s: rate } = JSON.parse(out.trim().split("\n").pop() as string) as { docs_per_s: number };
  return rate;
}

export async function run(options: { ms?: number } = {}): Promise<SigningBenchResult> {
  const ms = options.ms ?? 3000;
  const dir = mkdtempSync(join(tmpdir(), "passerelle-bench-pki-"));
  try {
    generateDevPki({ dir, country: "LU" });
    const key = loadSigningKey(dir, "seal");
    const trust = loadTrustList({ anchors: [join(dir, "ca.pem")] });
    const figures: SigningFigures[] = [];
    const sealCert = join(dir, "seal.pem");
    for (const doc of DOCUMENTS) {
      const xml = readFileSync(doc.path, "utf8");
      const signed = signDocument(xml, key);
      const signPerSecond = perSecond(() => signDocument(xml, key), ms);
      const verifyPerSecond = perSecond(() => verifyDocument(signed, trust), ms);
      // About the same wall time for libxmlsec1 as for our signing loop.
      const rounds = Math.max(50, Math.round((signPerSecond * ms) / 1000) * 3);
      const xmlsecSignPerSecond = xmlsecPerSecond(doc.path, join(dir, "seal.key.pem"), sealCert, rounds);
      const signedFile = join(dir, "signed.xml");
      writeFileSync(signedFile, signed);
      const xmlsecVerify = xmlsecVerifyPerSecond(signedFile, sealCert, Math.max(50, Math.round((verifyPerSecond * ms) / 1000) * 3));
      const ratio = xmlsecSignPerSecond / signPerSecond;
      figures.push({
        document: doc.name,
        bytes: Buffer.byteLength(xml),
        signPerSecond,
        verifyPerSecond,
        xmlsecSignPerSecond,
        ratio,
        withinFloor: ratio <= MAX_RATIO,
        xmlsecVerifyPerSecond: xmlsecVerify,
        verifyRatio: xmlsecVerify / verifyPerSecond,
      });
    }

    const samlKey = loadSigningKey(dir, "saml");
    const soap = soapEnvelope(samlKey);
    const target: ReferenceTarget = { kind: "id", id: soap.hcpId, idAttributes: ["ID"] };
    const parsed = parseXmlStrict(soap.xml);
    const verifyFromTextPerSecond = perSecond(() => verifyEnveloped(soap.xml, trust, target), ms);
    const verifyParsedPerSecond = perSecond(() => verifyEnvelopedIn(parsed, trust, target), ms);
    const verifyParsedXmlCryptoPerSecond = perSecond(() => verifyEnvelopedIn(parsed, trust, target, { engine: "xml-crypto" }), ms);
    const soapFile = join(dir, "soap.xml");
    writeFileSync(soapFile, soap.xml);
    const xmlsecAssertion = xmlsecVerifyPerSecond(soapFile, join(dir, "saml.pem"), Math.max(100, Math.round((verifyFromTextPerSecond * ms) / 1000) * 3), soap.hcpId);
    const assertion: AssertionFigures = {
      envelopeBytes: Buffer.byteLength(soap.xml),
      verifyFromTextPerSecond,
      verifyParsedPerSecond,
      verifyParsedXmlCryptoPerSecond,
      xmlsecVerifyPerSecond: xmlsecAssertion,
      ratio: xmlsecAssertion / verifyFromTextPerSecond,
    };
    return { machine: machine(), figures, assertion };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function format(result: SigningBenchResult): string {
  const m = result.machine;
  const lines = [`signing benchmark — ${m.nproc} CPU(s), ${m.cpu}, Node ${m.node}, one core`];
  for (const f of result.figures) {
    lines.push(
      `  ${f.document} (${(f.bytes / 1024).toFixed(0)} KB): sign ${f.signPerSecond.toFixed(0)}/s, libxmlsec1 sign ${f.xmlsecSignPerSecond.toFixed(0)}/s, ` +
        `ratio ${f.ratio.toFixed(2)}x (floor ${MAX_RATIO}x: ${f.withinFloor ? "ok" : "MISSED"}); ` +
        `verify ${f.verifyPerSecond.toFixed(0)}/s, libxmlsec1 verify ${f.xmlsecVerifyPerSecond.toFixed(0)}/s, ratio ${f.verifyRatio.toFixed(2)}x`,
    );
  }
  const a = result.assertion;
  lines.push(
    `  HCP assertion by #ID in a SOAP envelope (${(a.envelopeBytes / 1024).toFixed(0)} KB, HCP + TRC): verify from text ${a.verifyFromTextPerSecond.toFixed(0)}/s, ` +
      `envelope parsed once ${a.verifyParsedPerSecond.toFixed(0)}/s (xml-crypto engine, as for a PrefixList: ${a.verifyParsedXmlCryptoPerSecond.toFixed(0)}/s), ` +
      `libxmlsec1 ${a.xmlsecVerifyPerSecond.toFixed(0)}/s, ratio ${a.ratio.toFixed(2)}x`,
  );
  return lines.join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await run();
  console.log(format(result));
  if (result.figures.some((f) => !f.withinFloor)) process.exitCode = 1;
}
