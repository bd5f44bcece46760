// Sealing a document: an enveloped XML-DSig signature over the whole document (issue 2 "Signing";
// REFERENCE.md "Signature"): Reference URI="" with transforms enveloped-signature + exc-c14n,
// SHA-256 digest, RSA-SHA256 signature, exc-c14n SignedInfo, the certificate(s) in KeyInfo/X509Data.
//
// Placement: ds:Signature is appended as the last child of the root element. The CDA schema
// (POCD_MT000040.ClinicalDocument is a closed sequence ending in `component`, no xs:any anywhere in
// CDA_Pharma.xsd) has no place for a foreign element, so no enveloped placement can be XSD-valid
// (xmllint: "Element '{http://www.w3.org/2000/09/xmldsig#}Signature': This element is not
// expected"). The last child is where eHDSI gateways put the seal; verifyDocument() returns the
// signed content without the signature, which is the schema-valid document. Validate before signing.
//
// Speed: the digest input is computed by c14n.ts in one pass over the text and the signature is
// inserted into the text as is (no DOM, no re-serialisation); the SignedInfo is written directly in
// its canonical form. Processing instructions outside the root element are dropped: libxmlsec1
// includes them in a URI="" digest and xml-crypto does not, so keeping them would make the two disagree.
import { createHash, createPrivateKey, createSign, type KeyObject } from "node:crypto";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { DSIG_NS, EmittedAlgorithms } from "./algorithms";
import { canonicalizeDocument } from "./c14n";
import { pemToBase64Der, type SigningKey } from "./keys";

/** The canonical (exc-c14n) SignedInfo for a whole-document reference with the given digest. */
export function canonicalSignedInfo(digestB64: string): string {
  const a = EmittedAlgorithms;
  const [enveloped, excC14n] = a.transforms;
  return (
    `<ds:SignedInfo xmlns:ds="${DSIG_NS}">` +
    `<ds:CanonicalizationMethod Algorithm="${a.canonicalization}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${a.signature}"></ds:SignatureMethod>` +
    `<ds:Reference URI=""><ds:Transforms>` +
    `<ds:Transform Algorithm="${enveloped}"></ds:Transform><ds:Transform Algorithm="${excC14n}"></ds:Transform>` +
    `</ds:Transforms><ds:DigestMethod Algorithm="${a.digest}"></ds:DigestMethod>` +
    `<ds:DigestValue>${digestB64}</ds:DigestValue></ds:Reference></ds:SignedInfo>`
  );
}

/** Parsed private keys, so that PEM parsing is paid once per key rather than once per document. */
const parsedKeys = new WeakMap<SigningKey, KeyObject>();

function privateKeyOf(key: SigningKey): KeyObject {
  let parsed = parsedKeys.get(key);
  if (!parsed) {
    parsed = createPrivateKey(key.privateKeyPem);
    parsedKeys.set(key, parsed);
  }
  return parsed;
}

export function signDocument(xml: string, key: SigningKey): string {
  const doc = canonicalizeDocument(xml);
  if (doc.hasElement(DSIG_NS, "Signature")) throw new PasserelleError(ErrorCode.DocumentInvalid, "document is already signed");

  const digest = createHash("sha256").update(doc.canonical, "utf8").digest("base64");
  const signedInfo = canonicalSignedInfo(digest);
  const signatureValue = createSign("RSA-SHA256").update(signedInfo, "utf8").sign(privateKeyOf(key), "base64");
  const certificates = key.certificatePems.map((pem) => `<ds:X509Certificate>${pemToBase64Der(pem)}</ds:X509Certificate>`).join("");
  // Inside ds:Signature (which declares ds), the exc-c14n of SignedInfo is exactly `signedInfo`.
  const signature =
    `<ds:Signature xmlns:ds="${DSIG_NS}">${signedInfo.replace(` xmlns:ds="${DSIG_NS}"`, "")}` +
    `<ds:SignatureValue>${signatureValue}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data>${certificates}</ds:X509Data></ds:KeyInfo></ds:Signature>`;

  const { text, rootCloseAt } = doc;
  if (doc.rootSelfClosing) {
    return `${text.slice(0, rootCloseAt)}>${signature}</${doc.rootQName}>${text.slice(rootCloseAt).replace(/^\s*\/>/, "")}`;
  }
  return text.slice(0, rootCloseAt) + signature + text.slice(rootCloseAt);
}
