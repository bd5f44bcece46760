// The InclusiveNamespaces PrefixList of exc-c14n (Exclusive XML Canonicalization 1.0 §3) in c14n.ts,
// against libxml2's exc-c14n of the element in its document (libxml2-wasm, which passes the list as
// it is; python3-lxml too where the list has no "#default", which lxml drops) and xml-crypto's
// (named prefixes only, it has no #default): hand-made cases
// (prefixes in scope or not, redeclared, the default namespace and its undeclaration, #default), every
// assertion of the real eHDSI headers and of the SAML fixtures taken in context (isolate.ts), and
// generated documents with generated lists; and a signature made by libxmlsec1 (xmlsec1 --sign) with
// PrefixList="#default xsd" on both exc-c14n steps, verified by our fast path.
import { DOMParser, type Element } from "@xmldom/xmldom";
import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { XmlC14NMode, XmlDocument, type XmlElement } from "libxml2-wasm";
import { ExclusiveCanonicalization } from "xml-crypto";
import { EHDSI_DIR, REPO_ROOT } from "../../test/helpers/ehdsi";
import { testPki } from "../../test/signing/pki";
import { ErrorCode, isPasserelleError } from "../shared/errors";
import { canonicalizeDocument, parsePrefixList } from "./c14n";
import { childElements, parseXmlStrict } from "./dom";
import { excC14nParameters } from "./exc-check";
import { DSIG_NS } from "./algorithms";
import { isolateElement } from "./isolate";
import { trustListFromPem } from "./trust";
import { verifyEnveloped, type ReferenceTarget } from "./verify";

const PYTHON = process.env.PASSERELLE_PYTHON ?? "/usr/bin/python3";

interface Job {
  xml: string;
  /** The element's ID, or null for the root. */
  id: string | null;
  prefixes: string[];
}

/** libxml2's exc-c14n (no comments) of each job's element in its document, through python3-lxml (no #default). */
function lxml(jobs: Job[]): string[] {
  const script = [
    "import sys, json",
    "from lxml import etree",
    "out = []",
    "for a in json.load(sys.stdin):",
    "    root = etree.fromstring(a['xml'].encode('utf-8'), etree.XMLParser(resolve_entities=False, no_network=True))",
    "    el = root if a['id'] is None else root.xpath('//*[@ID=$id]', id=a['id'])[0]",
    "    out.append(etree.tostring(el, method='c14n', exclusive=True, with_comments=False, inclusive_ns_prefixes=a['prefixes'] or None).decode('utf-8'))",
    "sys.stdout.write(json.dumps(out))",
  ].join("\n");
  return JSON.parse(execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(jobs), encoding: "utf8", maxBuffer: 64 << 20 })) as string[];
}

/** libxml2's exc-c14n (no comments) of the job's element in its document, through libxml2-wasm. */
function libxml2(job: Job): string {
  const doc = XmlDocument.fromString(job.xml);
  try {
    const options = { mode: XmlC14NMode.XML_C14N_EXCLUSIVE_1_0, inclusiveNamespacePrefixes: job.prefixes };
    if (job.id === null) return doc.canonicalizeToString(options);
    return (doc.get(`//*[@ID='${job.id}']`) as XmlElement).canonicalizeToString(options);
  } finally {
    doc.dispose();
  }
}

/** Both libxml2 bindings where they can (lxml drops "#default"), checked against ours. */
function expectLibxml2Agrees(jobs: Job[]): void {
  const named = jobs.filter((j) => !j.prefixes.includes("#default"));
  const byLxml = new Map(lxml(named).map((c, i) => [named[i] as Job, c]));
  for (const job of jobs) {
    const what = `${job.id ?? job.xml} [${job.prefixes.join(" ")}]`;
    const canonical = ours(job);
    expect(canonical, `${what} libxml2-wasm`).to.equal(libxml2(job));
    if (byLxml.has(job)) expect(canonical, `${what} lxml`).to.equal(byLxml.get(job));
  }
}

function xmlCrypto(xml: string, prefixes: string[]): string {
  const root = new DOMParser().parseFromString(xml, "text/xml").documentElement as Element;
  return new ExclusiveCanonicalization().process(root as never, { inclusiveNamespacesPrefixList: prefixes } as never) as string;
}

function byId(doc: Element, id: string): Element {
  const walk = (e: Element): Element | undefined => {
    if (e.getAttribute("ID") === id) return e;
    for (let c = e.firstChild; c; c = c.nextSibling) {
      const found = c.nodeType === c.ELEMENT_NODE ? walk(c as Element) : undefined;
      if (found) return found;
    }
    return undefined;
  };
  const found = walk(doc);
  if (!found) throw new Error(`no element with ID ${id}`);
  return found;
}

/** Ours: the element isolated with its in-scope bindings (as verify.ts does), then c14n.ts with the list. */
function ours(job: Job): string {
  const root = parseXmlStrict(job.xml).documentElement as Element;
  const text = job.id === null ? job.xml : isolateElement(byId(root, job.id));
  return canonicalizeDocument(text, { inclusivePrefixes: job.prefixes }).canonical;
}

const CASES: string[] = [
  `<soap:E xmlns:soap="urn:soap" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:H><saml2:A xmlns:saml2="urn:saml" ID="t"><saml2:V xsi:type="xsd:string">v</saml2:V><saml2:W xmlns:xsd="urn:other">w<saml2:X xmlns:xsd="http://www.w3.org/2001/XMLSchema"/></saml2:W></saml2:A></soap:H></soap:E>`,
  `<r xmlns="urn:d" xmlns:p="urn:p"><w><a ID="t"><b/><c xmlns=""><d/><p:e/></c><p:e xmlns="urn:d2"/></a></w></r>`,
  `<p:r xmlns:p="urn:far" xmlns:unused="urn:u"><p:w xmlns:p="urn:near"><q:a xmlns:q="urn:q" ID="t"><p:b/><q:c xmlns:unused="urn:u2"/></q:a></p:w></p:r>`,
  `<r xmlns:p="urn:p"><a ID="t" xmlns=""><b xmlns="urn:b"><c xmlns=""/></b></a></r>`,
  `<r xml:lang="fr"><a ID="t" xmlns:z="urn:z" z:k="1"><z:b xml:space="preserve"> x </z:b></a></r>`,
];
const LISTS: string[][] = [[], ["xsd"], ["#default"], ["xsd", "xsi", "soap", "p", "unused", "q"], ["#default", "p", "z", "xml"], ["nowhere"]];

function assertionIds(xml: string): string[] {
  return [...new Set([...xml.matchAll(/<saml2?:Assertion\b[^>]*\sID="([^"]+)"/g)].map((m) => m[1] as string))];
}

describe("signing: exc-c14n InclusiveNamespaces PrefixList (libxml2 and xml-crypto agree)", function () {
  this.timeout(120000);

  it("reads PrefixList tokens (NCNames and #default, any XML whitespace), refuses others", () => {
    expect(parsePrefixList(" xsd\txs\n#default ")).to.deep.equal(["xsd", "xs", "#default"]);
    expect(parsePrefixList("")).to.deep.equal([]);
    expect(parsePrefixList("a:b")).to.equal(undefined);
    expect(parsePrefixList("#other")).to.equal(undefined);
    expect(parsePrefixList("1x")).to.equal(undefined);
  });

  it("hand-made contexts, every list: ours on the isolated element = libxml2 in context", () => {
    const jobs = CASES.flatMap((xml) => LISTS.map((prefixes): Job => ({ xml, id: "t", prefixes })));
    expectLibxml2Agrees(jobs);
    // Sanity: the list changes something in these cases (a test that cannot fail proves nothing).
    expect(ours({ xml: CASES[0] as string, id: "t", prefixes: ["xsd"] })).to.contain('xmlns:xsd="http://www.w3.org/2001/XMLSchema"');
    expect(ours({ xml: CASES[0] as string, id: "t", prefixes: [] })).not.to.contain("xmlns:xsd");
  });

  it("every assertion of the real eHDSI headers and SAML fixtures, with its own PrefixList and others", () => {
    const files = [
      ...readdirSync(join(EHDSI_DIR, "saml")).filter((f) => f.startsWith("openncp_soap_header")).map((f) => join(EHDSI_DIR, "saml", f)),
      ...["valid", "invalid"].flatMap((d) => readdirSync(join(REPO_ROOT, "test/saml", d)).map((f) => join(REPO_ROOT, "test/saml", d, f))),
    ];
    const jobs: Job[] = [];
    for (const file of files) {
      const xml = readFileSync(file, "utf8");
      if (/<!DOCTYPE/.test(xml)) continue; // refused before any canonicalisation
      for (const id of assertionIds(xml)) for (const prefixes of [["xsd"], ["xs"], ["#default", "saml2", "xsi"], ["soap", "wsse", "ds"]]) jobs.push({ xml, id, prefixes });
    }
    expect(jobs.length).to.be.greaterThan(100);
    expectLibxml2Agrees(jobs);
    // xml-crypto on the same isolated element (it has no #default).
    for (const job of jobs.filter((j) => !j.prefixes.includes("#default"))) {
      const isolated = isolateElement(byId(parseXmlStrict(job.xml).documentElement as Element, job.id as string));
      expect(ours(job), `${job.id} [${job.prefixes.join(" ")}] xml-crypto`).to.equal(xmlCrypto(isolated, job.prefixes));
    }
  });

  it("generated documents and lists (#default, undeclarations, redeclarations): ours = libxml2", () => {
    const prefixes = ["", "a", "b", "c"];
    type Tree = { prefix: string; decls: [string, string][]; attrs: string[]; children: Tree[] };
    const treeOf = (depth: number): fc.Arbitrary<Tree> =>
      fc.record({
        prefix: fc.constantFrom(...prefixes),
        decls: fc.array(fc.tuple(fc.constantFrom(...prefixes), fc.constantFrom("urn:1", "urn:2", "")), { maxLength: 3 }),
        attrs: fc.uniqueArray(fc.constantFrom("k", "a:k", "b:j"), { maxLength: 2 }),
        children: depth > 0 ? fc.array(treeOf(depth - 1), { maxLength: 3 }) : fc.constant([]),
      });
    const tree = treeOf(3);
    const render = (t: Tree, inScope: Set<string>): string => {
      const decls = new Map<string, string>();
      for (const [p, u] of t.decls) if (!decls.has(p) && (p === "" || u !== "")) decls.set(p, u);
      const scope = new Set([...inScope, ...decls.keys()]);
      for (const p of [t.prefix, ...t.attrs.filter((n) => n.includes(":")).map((n) => n.split(":")[0] as string)]) {
        if (p && !scope.has(p)) {
          decls.set(p, `urn:${p}`);
          scope.add(p);
        }
      }
      const qn = t.prefix ? `${t.prefix}:e` : "e";
      const d = [...decls].map(([p, u]) => (p ? ` xmlns:${p}="${u}"` : ` xmlns="${u}"`)).join("");
      const a = t.attrs.map((n) => ` ${n}="v"`).join("");
      return `<${qn}${d}${a}>${t.children.map((c) => render(c, scope)).join("")}</${qn}>`;
    };
    const list = fc.uniqueArray(fc.constantFrom("#default", "a", "b", "c", "d"), { maxLength: 4 });
    const samples = fc.sample(fc.tuple(tree, list), { numRuns: 400, seed: 20261127 });
    const jobs = samples.map(([t, prefixes]): Job => ({ xml: render(t, new Set()), id: null, prefixes }));
    expectLibxml2Agrees(jobs);
  });

  it("exc-check takes the real DK signatures (PrefixList on the Transform) and refuses to guess other parameters", () => {
    const xml = readFileSync(join(EHDSI_DIR, "saml", "openncp_soap_header.signedinfo-normalized.xml"), "utf8");
    const signedInfos = [...parseXmlStrict(xml).getElementsByTagNameNS(DSIG_NS, "SignedInfo")] as Element[];
    expect(signedInfos).to.have.length(2);
    for (const si of signedInfos) expect(excC14nParameters(si)).to.deep.equal({ signedInfo: [], content: ["xsd"] });

    const EC = `xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#"`;
    const signedInfo = (c14nParameter: string, transformParameter: string): Element =>
      childElements(
        parseXmlStrict(
          `<ds:Signature xmlns:ds="${DSIG_NS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">${c14nParameter}</ds:CanonicalizationMethod>` +
            `<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#a"><ds:Transforms>` +
            `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">${transformParameter}</ds:Transform>` +
            `</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo></ds:Signature>`,
        ).documentElement as Element,
        DSIG_NS,
        "SignedInfo",
      )[0] as Element;
    expect(excC14nParameters(signedInfo("", ""))).to.deep.equal({ signedInfo: [], content: [] });
    expect(excC14nParameters(signedInfo(`<ec:InclusiveNamespaces ${EC} PrefixList="#default xs"/>`, `<ec:InclusiveNamespaces ${EC} PrefixList=" xsd "/>`))).to.deep.equal({
      signedInfo: ["#default", "xs"],
      content: ["xsd"],
    });
    // Not ours to interpret: left to the xml-crypto engine (undefined), as before.
    for (const odd of [
      `<InclusiveNamespaces PrefixList="xsd"/>`, // no namespace
      `<ec:InclusiveNamespaces ${EC} PrefixList="a:b"/>`, // not an NCName
      `<ec:InclusiveNamespaces ${EC}/>`, // no PrefixList
      `<ec:InclusiveNamespaces ${EC} PrefixList="xsd" Other="1"/>`,
      `<ec:InclusiveNamespaces ${EC} PrefixList="xsd"/><ec:InclusiveNamespaces ${EC} PrefixList="xs"/>`,
      `<ec:InclusiveNamespaces ${EC} PrefixList="xsd"><ec:x/></ec:InclusiveNamespaces>`,
    ]) {
      expect(excC14nParameters(signedInfo("", odd)), odd).to.equal(undefined);
      expect(excC14nParameters(signedInfo(odd, "")), odd).to.equal(undefined);
    }
  });

  it("verifies what libxmlsec1 signs with PrefixList=\"#default xsd\" on both steps, and only that", () => {
    const pki = testPki();
    const exc = "http://www.w3.org/2001/10/xml-exc-c14n#";
    const inclusive = `<ec:InclusiveNamespaces xmlns:ec="${exc}" PrefixList="#default xsd"/>`;
    // The envelope's default namespace and xsd are used by no element or attribute name of the
    // assertion: only the PrefixList puts them in what is signed.
    const template =
      `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns="urn:hl7-org:v3" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Header>` +
      `<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_p1" Version="2.0"><saml2:Issuer>urn:x</saml2:Issuer>` +
      `<ds:Signature xmlns:ds="${DSIG_NS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${exc}">${inclusive}</ds:CanonicalizationMethod>` +
      `<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#_p1"><ds:Transforms>` +
      `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="${exc}">${inclusive}</ds:Transform></ds:Transforms>` +
      `<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>` +
      `<ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data></ds:X509Data></ds:KeyInfo></ds:Signature>` +
      `<saml2:AttributeStatement><saml2:Attribute Name="n"><saml2:AttributeValue xsi:type="xsd:string">v</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement>` +
      `</saml2:Assertion></soap:Header><soap:Body/></soap:Envelope>`;
    const dir = mkdtempSync(join(tmpdir(), "passerelle-prefixlist-"));
    try {
      writeFileSync(join(dir, "template.xml"), template);
      const idAttr = ["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"];
      const signing = spawnSync("xmlsec1", ["--sign", ...idAttr, "--privkey-pem", `${join(pki.dir, "seal.key.pem")},${join(pki.dir, "seal.pem")}`, "--output", join(dir, "signed.xml"), join(dir, "template.xml")], { encoding: "utf8" });
      expect(signing.status, signing.stderr).to.equal(0);
      const signed = readFileSync(join(dir, "signed.xml"), "utf8");
      const xmlsecAccepts = (xml: string): boolean => {
        writeFileSync(join(dir, "check.xml"), xml);
        return spawnSync("xmlsec1", ["--verify", ...idAttr, "--trusted-pem", join(pki.dir, "ca.pem"), join(dir, "check.xml")]).status === 0;
      };
      const trust = trustListFromPem({ anchors: [pki.ca.certPem] });
      const target: ReferenceTarget = { kind: "id", id: "_p1", idAttributes: ["ID"] };
      const signedInfo = parseXmlStrict(signed).getElementsByTagNameNS(DSIG_NS, "SignedInfo")[0] as Element;
      expect(excC14nParameters(signedInfo)).to.deep.equal({ signedInfo: ["#default", "xsd"], content: ["#default", "xsd"] });
      expect(xmlsecAccepts(signed)).to.equal(true);
      const { document } = verifyEnveloped(signed, trust, target);
      expect(document.documentElement?.getAttribute("xmlns")).to.equal("urn:hl7-org:v3");
      // Rebinding a prefix used by no name breaks the signature for both, because it was listed.
      for (const changed of [signed.replace('xmlns="urn:hl7-org:v3"', 'xmlns="urn:evil"'), signed.replace('xmlns:xsd="http://www.w3.org/2001/XMLSchema"', 'xmlns:xsd="urn:evil"')]) {
        expect(changed).not.to.equal(signed);
        expect(xmlsecAccepts(changed)).to.equal(false);
        let code: string | undefined;
        try {
          verifyEnveloped(changed, trust, target);
        } catch (e) {
          code = isPasserelleError(e) ? e.code : String(e);
        }
        expect(code).to.equal(ErrorCode.SignatureInvalid);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
