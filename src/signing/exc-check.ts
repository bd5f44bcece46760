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
// Parameters: an ec:InclusiveNamespaces PrefixList (exc-c14n §3, "the InclusiveNamespaces element
// ... as the child of the Transform or CanonicalizationMethod element") on the exc-c14n Transform
// applies to the signed element, on CanonicalizationMethod to SignedInfo; c14n.ts renders the listed
// prefixes. Any other parameter (or a malformed one) makes excC14nParameters() answer undefined and
// verify.ts gives the signature to xml-crypto, as before.
import { createHash, timingSafeEqual, verify as verifySignature, type X509Certificate } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { ErrorCode, PasserelleError, isPasserelleError } from "../shared/errors";
import { Algorithms, DSIG_NS } from "./algorithms";
import { canonicalizeDocument, parsePrefixList } from "./c14n";
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

/** The InclusiveNamespaces PrefixLists of the two exc-c14n steps (empty when absent). */
export interface ExcC14nParameters {
  /** CanonicalizationMethod's: applies to SignedInfo. */
  signedInfo: readonly string[];
  /** The exc-c14n Transform's: applies to the signed element. */
  content: readonly string[];
}

const hasChildElement = (e: Element): boolean => {
  for (let c = e.firstChild; c; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE) return true;
  return false;
};

/**
 * The PrefixList of an exc-c14n algorithm element: [] without parameter; the list when its only
 * child element is one ec:InclusiveNamespaces (exc-c14n §3: namespace = the algorithm URI) with a
 * PrefixList attribute and nothing else; undefined for anything else.
 */
function prefixListOf(algorithm: Element): string[] | undefined {
  if (!hasChildElement(algorithm)) return [];
  const children: Element[] = [];
  for (let c = algorithm.firstChild; c; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE) children.push(c as Element);
  const [inclusive] = children;
  if (children.length !== 1 || !inclusive || inclusive.namespaceURI !== Algorithms.excC14n || inclusive.localName !== "InclusiveNamespaces" || hasChildElement(inclusive)) return undefined;
  for (let i = 0; i < inclusive.attributes.length; i++) {
    const name = inclusive.attributes.item(i)?.name ?? "";
    if (name !== "PrefixList" && name !== "xmlns" && !name.startsWith("xmlns:")) return undefined;
  }
  return inclusive.hasAttribute("PrefixList") ? parsePrefixList(inclusive.getAttribute("PrefixList") ?? "") : undefined;
}

/**
 * What c14n.ts needs to check the signature, or undefined when an algorithm element carries a
 * parameter it does not take (anything but the InclusiveNamespaces of the two exc-c14n steps).
 * verify.ts has checked the algorithms and the transforms (enveloped-signature, then exc-c14n).
 */
export function excC14nParameters(signedInfo: Element): ExcC14nParameters | undefined {
  const reference = childElements(signedInfo, DSIG_NS, "Reference")[0];
  const transforms = reference ? childElements(reference, DSIG_NS, "Transforms").flatMap((t) => childElements(t, DSIG_NS, "Transform")) : [];
  const plain = [...childElements(signedInfo, DSIG_NS, "SignatureMethod"), ...(reference ? childElements(reference, DSIG_NS, "DigestMethod") : []), ...transforms.slice(0, -1)];
  if (plain.some(hasChildElement)) return undefined;
  const canonicalization = childElements(signedInfo, DSIG_NS, "CanonicalizationMethod")[0];
  const excTransform = transforms[transforms.length - 1];
  if (!canonicalization || !excTransform || excTransform.getAttribute("Algorithm") !== Algorithms.excC14n) return undefined;
  const signedInfoList = prefixListOf(canonicalization);
  const contentList = prefixListOf(excTransform);
  return signedInfoList && contentList ? { signedInfo: signedInfoList, content: contentList } : undefined;
}

/** c14n.ts refusals of the (re-serialised) input are signature failures here. */
function excC14n(xml: string, inclusivePrefixes: readonly string[], what: string): string {
  try {
    return canonicalizeDocument(xml, { inclusivePrefixes }).canonical;
  } catch (e) {
    if (isPasserelleError(e)) throw new PasserelleError(ErrorCode.SignatureInvalid, `${what} cannot be canonicalised: ${e.message}`, {}, { cause: e });
    throw e;
  }
}

/** Verifies digest and signature; returns the canonical bytes the Reference covers (the signed content). */
export function checkWithExcC14n(element: Element, signature: Element, parts: SignatureParts, parameters: ExcC14nParameters, signer: X509Certificate): string {
  const digestName = DIGESTS[parts.digestMethod];
  const hashName = SIGNATURES[parts.signatureMethod];
  // verify.ts has allowlisted the URIs and checked that the key is RSA; this guards the tables.
  if (!digestName || !hashName || signer.publicKey.asymmetricKeyType !== "rsa") {
    throw new PasserelleError(ErrorCode.AlgorithmRefused, "signature does not verify: no RSA key or algorithm outside the allowlist");
  }
  // XML-DSig §3.2 core validation: reference validation first, then signature validation (the same
  // order, hence the same reason for a message broken both ways, as the xml-crypto engine).
  const content = excC14n(isolateElement(element, signature), parameters.content, "the signed element");
  const digest = createHash(digestName).update(content, "utf8").digest();
  if (digest.length !== parts.digestValue.length || !timingSafeEqual(digest, parts.digestValue)) {
    throw new PasserelleError(ErrorCode.SignatureInvalid, "signature does not verify: a reference digest does not match");
  }
  const signedInfoC14n = excC14n(isolateElement(parts.signedInfo), parameters.signedInfo, "ds:SignedInfo");
  if (!verifySignature(hashName, Buffer.from(signedInfoC14n, "utf8"), signer.publicKey, parts.signatureValue)) {
    throw new PasserelleError(ErrorCode.SignatureInvalid, "signature does not verify: the signature value does not match SignedInfo with the signer's key");
  }
  return content;
}
