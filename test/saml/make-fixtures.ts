// Writes the SAML fixtures: test/saml/valid/*.xml (accepted) and test/saml/invalid/<attack>.xml, one
// attack per file, each refused by validateAssertions with the code listed in attacks.test.ts.
// Run: npx tsx test/saml/make-fixtures.ts   (the test PKI in test/saml/keys/ is made if missing)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signAssertion } from "../../src/saml/issue";
import { AT, assertionPair, envelope, MESSAGE_ID, OTHER_PATIENT, signingKey, type PairOptions } from "./fixtures";
import { ensureTestPki, SAML_TEST_DIR, type KeyName } from "./test-pki";

const SIGNATURE = /<ds:Signature[\s\S]*?<\/ds:Signature>/;

function signatureOf(xml: string): string {
  const m = SIGNATURE.exec(xml);
  if (!m) throw new Error("no signature");
  return m[0];
}

/** Changes an assertion and signs it again: a validly signed assertion that breaks an eHDSI rule. */
function resign(xml: string, change: (unsigned: string) => string, key: KeyName = "dk-saml"): string {
  const unsigned = xml.replace(SIGNATURE, "");
  const changed = change(unsigned);
  if (changed === unsigned) throw new Error("the change changed nothing");
  return signAssertion(changed, signingKey(key));
}

function must(xml: string, from: string | RegExp, to: string): string {
  const out = xml.replace(from, to);
  if (out === xml) throw new Error(`pattern ${String(from)} not found`);
  return out;
}

/** The exc-c14n Transform of the Reference (with its InclusiveNamespaces child). */
const EXC_C14N_TRANSFORM = /<ds:Transform Algorithm="http:\/\/www\.w3\.org\/2001\/10\/xml-exc-c14n#"(\/>|>[\s\S]*?<\/ds:Transform>)/;

const WRAPPER_OPEN = '<attack:Wrapper xmlns:attack="urn:example:attack">';
const WRAPPER_CLOSE = "</attack:Wrapper>";

export function buildFixtures(): { valid: Record<string, string>; invalid: Record<string, string> } {
  const base = assertionPair();
  const env = (hcp: string, trc: string | undefined = base.trc, messageId = `urn:uuid:${Math.abs(hash(hcp + (trc ?? ""))).toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`) =>
    envelope(trc ? [hcp, trc] : [hcp], messageId);
  const pair = (o: PairOptions) => {
    const p = assertionPair(o);
    return env(p.hcp, p.trc);
  };
  const hcpSig = signatureOf(base.hcp);
  const forgedRole = (xml: string) => must(xml, 'code="221"', 'code="2262"');

  const invalid: Record<string, string> = {
    // signature wrapping
    "assertion-moved": env(`${forgedRole(must(base.hcp, `ID="${base.hcpId}"`, 'ID="_forged-hcp"'))}${WRAPPER_OPEN}${base.hcp}${WRAPPER_CLOSE}`),
    "duplicated-id": env(`${forgedRole(base.hcp.replace(SIGNATURE, ""))}${WRAPPER_OPEN}${base.hcp}${WRAPPER_CLOSE}`),
    "second-signature": env(base.hcp.replace(hcpSig, hcpSig + hcpSig)),
    "signature-moved-to-subject": env(must(base.hcp.replace(hcpSig, ""), "</saml2:Subject>", `${hcpSig}</saml2:Subject>`)),
    "comment-in-digest-value": env(must(base.hcp, /<ds:DigestValue>(.{10})/, "<ds:DigestValue>$1<!-- wrapped -->")),
    "extra-signed-info": env(must(base.hcp, /(<ds:SignedInfo>[\s\S]*?<\/ds:SignedInfo>)/, "$1$1")),
    "tampered-after-signing": env(forgedRole(base.hcp)),
    "reference-uri-elsewhere": env(must(base.hcp, `URI="#${base.hcpId}"`, `URI="#${base.trcId}"`)),
    "two-hcp-assertions": env(`${base.hcp}${assertionPair({ hcpId: "_hcp-second" }).hcp}`),
    "doctype-entity": env(base.hcp).replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE soap:Envelope [<!ENTITY role "2262">]>'),
    // signer certificate
    "self-signed-with-partner-subject": pair({ hcpKey: "impostor-saml", trcKey: "impostor-saml" }),
    "untrusted-ca": pair({ hcpKey: "rogue-saml", trcKey: "rogue-saml" }),
    "expired-certificate": pair({ hcpKey: "dk-saml-expired", trcKey: "dk-saml-expired" }),
    "signer-of-another-partner": pair({ hcpKey: "fi-saml", trcKey: "fi-saml" }),
    // algorithms
    "sha1-digest": env(must(base.hcp, "http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1")),
    "rsa-sha1-signature": env(must(base.hcp, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")),
    "hmac-signature-method": env(must(base.hcp, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")),
    "xslt-transform": env(must(base.hcp, EXC_C14N_TRANSFORM, '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"><xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"/></ds:Transform>')),
    "xpath-transform": env(must(base.hcp, EXC_C14N_TRANSFORM, '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>not(ancestor-or-self::saml2:Subject)</ds:XPath></ds:Transform>')),
    // time
    "expired-assertion": pair({ at: new Date(AT.getTime() - 5 * 3600_000) }),
    "future-assertion": pair({ at: new Date(AT.getTime() + 10 * 60_000) }),
    "hcp-lifetime-over-4h": env(resign(base.hcp, (x) => must(x, /NotOnOrAfter="[^"]+"/, `NotOnOrAfter="${new Date(AT.getTime() + 5 * 3600_000).toISOString()}"`))),
    "trc-lifetime-over-2h": env(base.hcp, resign(base.trc, (x) => must(x, /NotOnOrAfter="[^"]+"/, `NotOnOrAfter="${new Date(AT.getTime() + 3 * 3600_000).toISOString()}"`))),
    // TRC binding
    "trc-bound-to-another-hcp": pair({ trcHcpId: "_hcp-of-someone-else" }),
    "trc-for-another-patient": pair({ patientId: OTHER_PATIENT }),
    "missing-trc": envelope([base.hcp], "urn:uuid:7a8b9c0d-1e2f-4a3b-8c4d-5e6f70819203"),
    // replay: the valid request again, same MessageID
    "replayed-message": envelope([base.hcp, base.trc], MESSAGE_ID),
    // eHDSI rules on attributes
    "unknown-role": env(resign(base.hcp, (x) => must(x, 'code="221"', 'code="9999"'))),
    "missing-permission": pair({ user: { permissions: ["PRD-003", "PRD-005", "PRD-010"] } }),
    "purpose-not-allowed": env(resign(base.hcp, (x) => must(x, /code="TREATMENT"/, 'code="RESEARCH"'))),
    "single-factor-authn": env(resign(base.hcp, (x) => must(x, "ac:classes:SmartcardPKI", "ac:classes:Password"))),
    "wrong-audience": env(resign(base.hcp, (x) => must(x, "urn:ehdsi:assertions.audience:x-border", "urn:example:audience"))),
    "nurse-without-on-behalf-of": env(resign(base.hcp, (x) => must(x, 'code="221"', 'code="3221"'))),
  };
  const valid = {
    "ps-request": envelope([base.hcp, base.trc], MESSAGE_ID),
    "xcpd-request": envelope([base.hcp], "urn:uuid:0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", "urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery"),
  };
  return { valid, invalid };
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

if (process.argv[1] && /make-fixtures\.ts$/.test(process.argv[1])) {
  ensureTestPki();
  const { valid, invalid } = buildFixtures();
  for (const [dir, files] of [["valid", valid], ["invalid", invalid]] as const) {
    mkdirSync(join(SAML_TEST_DIR, dir), { recursive: true });
    for (const [name, xml] of Object.entries(files)) writeFileSync(join(SAML_TEST_DIR, dir, `${name}.xml`), xml);
  }
  console.log(`wrote ${Object.keys(valid).length} valid and ${Object.keys(invalid).length} attack fixtures`);
}
