// Attack fixtures against the document seal, one per attack, each named after it (DESIGN.md
// convention 7). They are generated at test time from a real eHDSI sample so that each one is
// otherwise correctly signed: only the attack under test can make verification fail.
import { DOMParser, XMLSerializer, type Element } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import { ErrorCode } from "../../../src/shared/errors";
import { DSIG_NS } from "../../../src/signing/algorithms";
import { pemToBase64Der } from "../../../src/signing/keys";
import { signDocument } from "../../../src/signing/sign";
import { DAY, issue, type Issued } from "../pki";

export interface AttackContext {
  /** The unsigned sample document. */
  xml: string;
  ca: Issued;
  seal: Issued;
}

export interface Attack {
  name: string;
  expected: ErrorCode;
  /** What the error message must say: the attack is refused for its own reason, not by accident. */
  because: RegExp;
  make(ctx: AttackContext): string;
}

const SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1";
const RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const HMAC_SHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
export const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
export const SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256";
const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

function sealWith(xml: string, signer: Issued, chain: Issued[] = []): string {
  return signDocument(xml, { privateKeyPem: signer.keyPem, certificatePems: [signer.certPem, ...chain.map((c) => c.certPem)] });
}

/** A signature made by xml-crypto with chosen algorithms (what a careless or hostile signer sends). */
export function signWith(xml: string, o: { key: string | Buffer; certPem: string; signature: string; digest: string; xpath?: string; hmac?: boolean }): string {
  const signer = new SignedXml({
    privateKey: o.key,
    signatureAlgorithm: o.signature,
    canonicalizationAlgorithm: EXC_C14N,
    getKeyInfoContent: () => `<ds:X509Data><ds:X509Certificate>${pemToBase64Der(o.certPem)}</ds:X509Certificate></ds:X509Data>`,
  });
  if (o.hmac) signer.enableHMAC();
  signer.addReference({ xpath: o.xpath ?? "/*", uri: o.xpath ? undefined : "", isEmptyUri: !o.xpath, digestAlgorithm: o.digest, transforms: [ENVELOPED, EXC_C14N] });
  signer.computeSignature(xml, { prefix: "ds", location: { reference: "/*", action: "append" } });
  return signer.getSignedXml();
}

function dom(xml: string) {
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const root = doc.documentElement as Element;
  const signature = root.getElementsByTagNameNS(DSIG_NS, "Signature")[0] as Element;
  return { doc, root, signature };
}

const serialize = (node: Parameters<XMLSerializer["serializeToString"]>[0]) => new XMLSerializer().serializeToString(node);

/** Replaces the text of the one ds:`name` element of a signed document. */
function withDsText(signed: string, name: string, change: (text: string) => string): string {
  const pattern = new RegExp(`(<ds:${name}>)([^<]*)(</ds:${name}>)`);
  if (!pattern.test(signed)) throw new Error(`no ds:${name} in the fixture`);
  return signed.replace(pattern, (_m, open: string, text: string, close: string) => `${open}${change(text)}${close}`);
}

/** The KeyInfo certificate with the inner OCTET STRING tag of its subjectKeyIdentifier made a NULL tag. */
function corruptSubjectKeyIdentifier(b64: string): string {
  const der = Buffer.from(b64.replace(/\s+/g, ""), "base64");
  const at = der.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04]));
  if (at < 0 || der[at + 7] !== 0x04) throw new Error("no subjectKeyIdentifier in the fixture certificate");
  der[at + 7] = 0x05;
  return der.toString("base64");
}

/** One base64 character whose value differs from `c` in the low bits only (same 2 leading bits). */
function siblingBase64Char(c: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return alphabet[alphabet.indexOf(c) ^ 1] as string;
}

export const ATTACKS: Attack[] = [
  {
    // XSW: tampered content in the root, the original signed document moved inside it, signature kept.
    name: "signature-wrapped",
    expected: ErrorCode.SignatureInvalid,
    because: /digest/,
    make: ({ xml, seal }) => {
      const { doc, root, signature } = dom(sealWith(xml, seal));
      root.removeChild(signature);
      const original = root.cloneNode(true);
      const title = root.getElementsByTagName("title")[0] as Element;
      title.textContent = "Tampered summary";
      root.appendChild(original);
      root.appendChild(signature);
      return serialize(doc);
    },
  },
  {
    // XSW: the signed document moved under a new root that the receiver would read.
    name: "signature-wrapped-in-new-root",
    expected: ErrorCode.SignatureInvalid,
    because: /exactly one ds:Signature as a child/,
    make: ({ xml, seal }) => {
      const signed = sealWith(xml, seal).replace(/^<\?xml[^>]*\?>/, "");
      return `<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Tampered</title>${signed}</ClinicalDocument>`;
    },
  },
  {
    name: "two-signatures",
    expected: ErrorCode.SignatureInvalid,
    because: /exactly one ds:Signature/,
    make: ({ xml, seal }) => {
      const { doc, root, signature } = dom(sealWith(xml, seal));
      root.appendChild(signature.cloneNode(true));
      return serialize(doc);
    },
  },
  {
    name: "sha1-digest",
    expected: ErrorCode.AlgorithmRefused,
    because: /SHA-1/,
    make: ({ xml, seal }) => signWith(xml, { key: seal.keyPem, certPem: seal.certPem, signature: RSA_SHA256, digest: SHA1 }),
  },
  {
    name: "sha1-signature",
    expected: ErrorCode.AlgorithmRefused,
    because: /SHA-1/,
    make: ({ xml, seal }) => signWith(xml, { key: seal.keyPem, certPem: seal.certPem, signature: RSA_SHA1, digest: SHA256 }),
  },
  {
    // Key confusion: an HMAC keyed with the (public) certificate.
    name: "hmac-signature",
    expected: ErrorCode.AlgorithmRefused,
    because: /HMAC/,
    make: ({ xml, seal }) => signWith(xml, { key: Buffer.from(seal.certPem), certPem: seal.certPem, signature: HMAC_SHA1, digest: SHA256, hmac: true }),
  },
  {
    name: "xslt-transform",
    expected: ErrorCode.AlgorithmRefused,
    because: /XSLT/,
    make: ({ xml, seal }) =>
      sealWith(xml, seal).replace(`<ds:Transform Algorithm="${EXC_C14N}">`, '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116">'),
  },
  {
    name: "xpath-transform",
    expected: ErrorCode.AlgorithmRefused,
    because: /XPath/,
    make: ({ xml, seal }) =>
      sealWith(xml, seal).replace(`<ds:Transform Algorithm="${EXC_C14N}">`, '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">'),
  },
  {
    // A valid signature by a trusted key, but over one element only, not the document.
    name: "reference-elsewhere",
    expected: ErrorCode.SignatureInvalid,
    because: /Reference URI/,
    make: ({ xml, seal }) => {
      const marked = xml.replace("<structuredBody", '<structuredBody ID="signed-part"');
      return signWith(marked, { key: seal.keyPem, certPem: seal.certPem, signature: RSA_SHA256, digest: SHA256, xpath: "//*[@ID='signed-part']" });
    },
  },
  {
    name: "comment-in-digest",
    expected: ErrorCode.SignatureInvalid,
    because: /only text/,
    make: ({ xml, seal }) => sealWith(xml, seal).replace(/<ds:DigestValue>(.{10})/, "<ds:DigestValue>$1<!---->"),
  },
  {
    name: "untrusted-ca",
    expected: ErrorCode.SignerUntrusted,
    because: /does not chain to a trusted CA/,
    make: ({ xml }) => {
      const otherCa = issue({ cn: "Some Other CA", ca: true });
      return sealWith(xml, issue({ cn: "Passerelle Test Seal", issuer: otherCa }), [otherCa]);
    },
  },
  {
    // Same subject (and issuer name) as the trusted CA, but its own key.
    name: "self-signed-with-trusted-subject",
    expected: ErrorCode.SignerUntrusted,
    because: /does not chain to a trusted CA/,
    make: ({ xml, ca }) => sealWith(xml, issue({ cn: ca.cert.subject.getField("CN").value as string, keyUsage: { digitalSignature: true, nonRepudiation: true } })),
  },
  {
    name: "expired-certificate",
    expected: ErrorCode.SignerUntrusted,
    because: /not valid at/,
    make: ({ xml, ca }) => sealWith(xml, issue({ cn: "Passerelle Test Seal", issuer: ca, notBefore: new Date(Date.now() - 800 * DAY), notAfter: new Date(Date.now() - DAY) })),
  },
  {
    // XML 1.0 §2.2: a NUL cannot appear in XML; the DOM parser read it between attributes as a
    // separator, so the signature verified over a document other parsers refuse.
    name: "nul-between-attributes",
    expected: ErrorCode.SignatureInvalid,
    because: /U\+0000 at offset \d+ is not allowed in XML \(XML 1\.0 §2\.2 Char\)/,
    make: ({ xml, seal }) => {
      const signed = sealWith(xml, seal);
      const at = signed.indexOf(' Algorithm="');
      return `${signed.slice(0, at)}\u0000${signed.slice(at + 1)}`;
    },
  },
  {
    name: "nul-in-signed-text",
    expected: ErrorCode.SignatureInvalid,
    because: /U\+0000 at offset \d+ is not allowed in XML/,
    make: ({ xml, seal }) => sealWith(xml, seal).replace(/(<title>[^<]*?) /, "$1\u0000"),
  },
  {
    name: "vertical-tab-in-signed-text",
    expected: ErrorCode.SignatureInvalid,
    because: /U\+000B at offset \d+ is not allowed in XML/,
    make: ({ xml, seal }) => sealWith(xml, seal).replace(/(<title>[^<]*?) /, "$1\u000B"),
  },
  {
    // Node's decoder skips "?": the digest would read the same bytes.
    name: "non-base64-digest",
    expected: ErrorCode.SignatureInvalid,
    because: /ds:DigestValue is not base64: character U\+003F/,
    make: ({ xml, seal }) => withDsText(sealWith(xml, seal), "DigestValue", (t) => t.replace(/=$/, "?=")),
  },
  {
    // "…Yg?=" for "…Yg==": same bytes for a lenient decoder.
    name: "non-base64-signature-value",
    expected: ErrorCode.SignatureInvalid,
    because: /ds:SignatureValue is not base64: character U\+003F/,
    make: ({ xml, seal }) => withDsText(sealWith(xml, seal), "SignatureValue", (t) => t.replace(/==$/, "?=")),
  },
  {
    // Another spelling of the same signature value (non-zero bits under the padding).
    name: "signature-value-with-padding-bits",
    expected: ErrorCode.SignatureInvalid,
    because: /ds:SignatureValue is not base64: its padding is wrong/,
    make: ({ xml, seal }) => withDsText(sealWith(xml, seal), "SignatureValue", (t) => t.replace(/(.)==$/, (_m, c: string) => `${siblingBase64Char(c)}==`)),
  },
  {
    name: "non-base64-keyinfo-certificate",
    expected: ErrorCode.SignatureInvalid,
    because: /ds:X509Certificate is not base64: character U\+002A/,
    make: ({ xml, seal }) => withDsText(sealWith(xml, seal), "X509Certificate", (t) => `${t.slice(0, 20)}*${t.slice(20)}`),
  },
  {
    // A valid spelling of a wrong signature value: xml-crypto's message carried the whole value.
    name: "tampered-signature-value",
    expected: ErrorCode.SignatureInvalid,
    because: /signature value does not match SignedInfo/,
    make: ({ xml, seal }) => withDsText(sealWith(xml, seal), "SignatureValue", (t) => `${t.slice(0, 10)}${siblingBase64Char(t.charAt(10))}${t.slice(11)}`),
  },
  {
    // The ASN.1 parser threw a plain Error from the certificate's extensions.
    name: "corrupted-keyinfo-certificate",
    expected: ErrorCode.SignatureInvalid,
    because: /ds:X509Certificate 1 \(CN=Passerelle Test Seal.*\): an extension cannot be read/,
    make: ({ xml, seal }) => withDsText(sealWith(xml, seal), "X509Certificate", corruptSubjectKeyIdentifier),
  },
  {
    name: "ca-certificate-as-signer",
    expected: ErrorCode.SignerUntrusted,
    because: /is a CA certificate \(basicConstraints cA=TRUE\)/,
    make: ({ xml, ca }) => sealWith(xml, issue({ cn: "Passerelle Test Sub-CA", issuer: ca, ca: true, keyUsage: null })),
  },
  {
    name: "signer-without-signing-key-usage",
    expected: ErrorCode.SignerUntrusted,
    because: /key usage/,
    make: ({ xml, ca }) => sealWith(xml, issue({ cn: "Passerelle Test Seal", issuer: ca, keyUsage: { keyCertSign: true } })),
  },
];
