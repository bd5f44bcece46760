// The cryptographic check of an enveloped signature with our own exclusive c14n (c14n.ts) and
// node:crypto, for the one shape verify.ts lets through: transforms exactly enveloped-signature then
// exc-c14n, exc-c14n SignedInfo, RSA PKCS#1 v1.5 with SHA-256/512, one Reference to `element`
// (verify.ts has checked all of that, the Reference target and the signer's certificate before).
//  - XML-DSig §4.4.3.3/§6.6.4 enveloped-signature: the signed node-set is `element` without the
//    ds:Signature that holds the transform (its direct child here);
//  - exc-c14n of that node-set = c14n.ts on the element isolated in a document of its own
//    (isolate.ts: Exclusive XML Canonicalization 1.0 §1.1/§3);
//  - XML-DSig §3.2 core validation: the Reference digest over those bytes, then SignatureValue over
//    the exc-c14n of SignedInfo (isolated the same way).
// An InclusiveNamespaces PrefixList (exc-c14n §3, inclusive treatment of the listed prefixes) is not
// handled by c14n.ts: verify.ts gives such signatures to xml-crypto instead (usesOnlyPlainExcC14n).
import { createHash, timingSafeEqual, verify as verifySignature, type X509Certificate } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { ErrorCode, PasserelleError, isPasserelleError } from "../shared/errors";
import { Algorithms, DSIG_NS } from "./algorithms";
import { canonicalizeDocument } from "./c14n";
import { childElements } from "./dom";
import { isolateElement } from "./isolate";

const DIGESTS: Record<string, string> = { [Algorithms.sha256]: "sha256", [Algorithms.sha512]: "sha512" };
const SIGNATURES: Record<string, string> = { [Algorithms.rsaSha256]: "sha256", [Algorithms.rsaSha512]: "sha512" };

export interface SignatureParts {
  signedInfo: Element;
  signatureMethod: string;
  digestMethod: string;
  /** Decoded (strict base64) DigestValue and SignatureValue. */
  digestValue: Buffer;
  signatureValue: Buffer;
}

/** True when no algorithm element of SignedInfo carries a parameter (InclusiveNamespaces, HMACOutputLength...). */
export function usesOnlyPlainExcC14n(signedInfo: Element): boolean {
  const hasChildElement = (e: Element): boolean => {
    for (let c = e.firstChild; c; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE) return true;
    return false;
  };
  const reference = childElements(signedInfo, DSIG_NS, "Reference")[0];
  const transforms = reference ? childElements(reference, DSIG_NS, "Transforms").flatMap((t) => childElements(t, DSIG_NS, "Transform")) : [];
  const algorithmElements = [
    ...childElements(signedInfo, DSIG_NS, "CanonicalizationMethod"),
    ...childElements(signedInfo, DSIG_NS, "SignatureMethod"),
    ...(reference ? childElements(reference, DSIG_NS, "DigestMethod") : []),
    ...transforms,
  ];
  return !algorithmElements.some(hasChildElement);
}

/** c14n.ts refusals of the (re-serialised) input are signature failures here. */
function excC14n(xml: string, what: string): string {
  try {
    return canonicalizeDocument(xml).canonical;
  } catch (e) {
    if (isPasserelleError(e)) throw new PasserelleError(ErrorCode.SignatureInvalid, `${what} cannot be canonicalised: ${e.message}`, {}, { cause: e });
    throw e;
  }
}

/** Verifies digest and signature; returns the canonical bytes the Reference covers (the signed content). */
export function checkWithExcC14n(element: Element, signature: Element, parts: SignatureParts, signer: X509Certificate): string {
  const digestName = DIGESTS[parts.digestMethod];
  const hashName = SIGNATURES[parts.signatureMethod];
  // verify.ts has allowlisted the URIs and checked that the key is RSA; this guards the tables.
  if (!digestName || !hashName || signer.publicKey.asymmetricKeyType !== "rsa") {
    throw new PasserelleError(ErrorCode.AlgorithmRefused, "signature does not verify: no RSA key or algorithm outside the allowlist");
  }
  const signedInfoC14n = excC14n(isolateElement(parts.signedInfo), "ds:SignedInfo");
  if (!verifySignature(hashName, Buffer.from(signedInfoC14n, "utf8"), signer.publicKey, parts.signatureValue)) {
    throw new PasserelleError(ErrorCode.SignatureInvalid, "signature does not verify: the signature value does not match SignedInfo with the signer's key");
  }
  const content = excC14n(isolateElement(element, signature), "the signed element");
  const digest = createHash(digestName).update(content, "utf8").digest();
  if (digest.length !== parts.digestValue.length || !timingSafeEqual(digest, parts.digestValue)) {
    throw new PasserelleError(ErrorCode.SignatureInvalid, "signature does not verify: the reference digest does not match the signed element");
  }
  return content;
}
