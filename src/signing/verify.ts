// Verifying an enveloped XML-DSig signature (STACK.md "Verifying an XML signature safely"; DESIGN.md
// convention 5: return the verified node only, or throw). The same core serves document seals
// (Reference URI="" = the root element) and SAML assertions (Reference URI="#ID").
//  1. exactly one ds:Signature in the signed element, as its direct child, with one Reference that
//     points at that element (URI="" or "#ID", the ID held by exactly one element);
//  2. every algorithm on the allowlist (algorithms.ts), transforms exactly enveloped + exc-c14n, no
//     comment or markup inside DigestValue / SignatureValue / X509Certificate, each strictly base64
//     (base64.ts); the KeyInfo certificates parse whole (trust.ts parseCertificate);
//  3. the certificate comes out of KeyInfo here and is checked against the trust list (trust.ts); its
//     key must be RSA (the only signature methods allowed); xml-crypto, when it runs, gets it as
//     publicCert, with getCertFromKeyInfo returning null;
//  4. digest and signature value both verify (exc-check.ts; or a fresh SignedXml per check, where
//     anything but checkSignature() === true, a throw included, fails);
//  5. the result is the canonical content the digest covered (what getSignedReferences() returns
//     with xml-crypto), re-parsed; never the input DOM.
// Speed: the document is parsed once (or given parsed, verifyEnvelopedIn). The cryptography runs on the
// signed element alone, isolated in a document of its own with the namespace bindings in scope
// (isolate.ts explains why that is equivalent under exc-c14n): by our one-pass exc-c14n and
// node:crypto (exc-check.ts) when no algorithm carries a parameter but the exc-c14n InclusiveNamespaces
// PrefixList (c14n.ts implements it), by xml-crypto otherwise or when asked (options.engine, for
// cross-checks). Certificates parsed from KeyInfo are kept by their DER bytes
// (certificate-cache.ts) and checked against the trust list on every call.
// Messages never echo a SignatureValue, DigestValue or certificate: they go to partners and logs.
import type { Document, Element } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import { ErrorCode, PasserelleError, isPasserelleError } from "../shared/errors";
import { AllowedCanonicalizations, AllowedDigestMethods, AllowedSignatureMethods, AllowedTransforms, Algorithms, DSIG_NS, requireAllowedAlgorithm } from "./algorithms";
import { decodeBase64Strict } from "../shared/base64";
import { childElements, descendantElements, parseXmlStrict, pureText } from "./dom";
import { parseKeyInfoCertificate } from "./certificate-cache";
import { checkWithExcC14n, excC14nParameters, type SignatureParts } from "./exc-check";
import { isolateElement } from "./isolate";
import { checkSigner, type SignerIdentity, type TrustList } from "./trust";

/** Which element the signature must cover. */
export type ReferenceTarget =
  /** The whole document: Reference URI="" (a document seal). */
  | { kind: "document" }
  /** The element carrying `id` in one of `idAttributes` (default ID, Id, id): Reference URI="#id". */
  | { kind: "id"; id: string; idAttributes?: string[] };

export interface VerifyOptions {
  /** Time at which certificates must be valid (default: now). */
  at?: Date;
  /**
   * Who checks digest and signature value: "auto" (default: exc-check.ts unless an algorithm carries a
   * parameter other than an exc-c14n InclusiveNamespaces PrefixList, then xml-crypto) or "xml-crypto" always (tests cross-check the two). Every other rule
   * is applied the same either way.
   */
  engine?: "auto" | "xml-crypto";
}

export interface Verified {
  /** The signed element, re-parsed from what the signature covers (the ds:Signature removed). */
  document: Document;
  signer: SignerIdentity;
}

const DEFAULT_ID_ATTRIBUTES = ["ID", "Id", "id"];
const REQUIRED_TRANSFORMS = [Algorithms.envelopedSignature, Algorithms.excC14n];

/** Verifies the seal over a whole document (CDA): one enveloped signature, child of the root. */
export function verifyDocument(xml: string, trust: TrustList, options: VerifyOptions = {}): Verified {
  return verifyEnveloped(xml, trust, { kind: "document" }, options);
}

export function verifyEnveloped(xml: string, trust: TrustList, target: ReferenceTarget, options: VerifyOptions = {}): Verified {
  return verify(parseXmlStrict(xml, ErrorCode.SignatureInvalid), xml, trust, target, options);
}

/**
 * verifyEnveloped() on a document already parsed by parseXmlStrict() (e.g. a SOAP envelope read once
 * for its header, then each assertion verified by ID). The document is not modified.
 */
export function verifyEnvelopedIn(doc: Document, trust: TrustList, target: ReferenceTarget, options: VerifyOptions = {}): Verified {
  return verify(doc, undefined, trust, target, options);
}

function verify(doc: Document, xml: string | undefined, trust: TrustList, target: ReferenceTarget, options: VerifyOptions): Verified {
  const element = resolveTarget(doc, target);
  const signature = singleSignatureOf(element);
  const { certificates, parts } = checkSignatureStructure(signature, target);

  const [leaf, ...intermediates] = certificates.map((der, i) => parseKeyInfoCertificate(der, `ds:X509Certificate ${i + 1}`));
  if (!leaf) throw invalid("KeyInfo carries no X509Certificate");
  const signer = checkSigner(leaf, intermediates, trust, options.at ?? new Date());
  // An RSA SignatureMethod must not verify with another kind of key (node would check ECDSA).
  if (leaf.node.publicKey.asymmetricKeyType !== "rsa") throw invalid("the signer's key is not an RSA key (the signature methods allowed are RSA)");

  let signed: string;
  const parameters = (options.engine ?? "auto") === "auto" ? excC14nParameters(parts.signedInfo) : undefined;
  if (parameters) {
    signed = checkWithExcC14n(element, signature, parts, parameters, leaf.node);
  } else {
    // A document seal covers the root: its text is the document itself when we have it.
    const signedText = target.kind === "document" && xml !== undefined ? xml : isolateElement(element);
    signed = checkCryptographically(signedText, signature, leaf.node.toString(), target);
  }
  const document = parseXmlStrict(signed, ErrorCode.SignatureInvalid);
  const root = document.documentElement;
  if (!root || root.namespaceURI !== element.namespaceURI || root.localName !== element.localName) {
    throw invalid("the signed content is not the element expected");
  }
  return { document, signer };
}

function resolveTarget(doc: Document, target: ReferenceTarget): Element {
  if (target.kind === "document") return doc.documentElement as Element;
  if (!target.id || /['"\s]/.test(target.id)) throw invalid(`unusable ID ${JSON.stringify(target.id)}`);
  const attributes = target.idAttributes ?? DEFAULT_ID_ATTRIBUTES;
  const holders = elementsWithId(doc, target.id, attributes);
  if (holders.length !== 1) throw invalid(`ID ${target.id} is held by ${holders.length} elements (exactly one expected)`);
  return holders[0] as Element;
}

/** Every element of the document where one of `attributes` (any namespace) equals `id`. */
function elementsWithId(doc: Document, id: string, attributes: string[]): Element[] {
  const found: Element[] = [];
  const walk = (e: Element): void => {
    for (let i = 0; i < e.attributes.length; i++) {
      const a = e.attributes.item(i);
      if (a && attributes.includes(a.localName ?? a.name) && a.value === id) found.push(e);
    }
    for (let c = e.firstChild; c; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE) walk(c as Element);
  };
  walk(doc.documentElement as Element);
  return found;
}

function singleSignatureOf(element: Element): Element {
  const all = descendantElements(element, DSIG_NS, "Signature");
  const direct = childElements(element, DSIG_NS, "Signature");
  if (all.length !== 1 || direct.length !== 1) {
    throw invalid(`expected exactly one ds:Signature as a child of the signed element, found ${all.length} (${direct.length} direct)`);
  }
  return direct[0] as Element;
}

function only(parent: Element, localName: string): Element {
  const found = childElements(parent, DSIG_NS, localName);
  if (found.length !== 1) throw invalid(`expected exactly one ds:${localName} in ds:${parent.localName}, found ${found.length}`);
  return found[0] as Element;
}

/** Checks the shape and algorithms of the signature before any cryptography; returns the KeyInfo certificates and the values. */
function checkSignatureStructure(signature: Element, target: ReferenceTarget): { certificates: Buffer[]; parts: SignatureParts } {
  if (childElements(signature, DSIG_NS, "Object").length > 0) throw invalid("ds:Object is not allowed in an enveloped signature");
  const signedInfo = only(signature, "SignedInfo");
  requireAllowedAlgorithm("CanonicalizationMethod", only(signedInfo, "CanonicalizationMethod").getAttribute("Algorithm"));
  const signatureMethod = only(signedInfo, "SignatureMethod").getAttribute("Algorithm");
  requireAllowedAlgorithm("SignatureMethod", signatureMethod);
  const reference = only(signedInfo, "Reference");

  const uri = reference.getAttribute("URI");
  const expectedUri = target.kind === "document" ? "" : `#${target.id}`;
  if (!reference.hasAttribute("URI") || uri !== expectedUri) {
    throw invalid(`Reference URI ${JSON.stringify(uri)} does not point at the signed element (expected ${JSON.stringify(expectedUri)})`);
  }
  const transforms = childElements(only(reference, "Transforms"), DSIG_NS, "Transform").map((t) => t.getAttribute("Algorithm"));
  for (const t of transforms) requireAllowedAlgorithm("Transform", t);
  if (transforms.length !== REQUIRED_TRANSFORMS.length || transforms.some((t, i) => t !== REQUIRED_TRANSFORMS[i])) {
    throw new PasserelleError(ErrorCode.AlgorithmRefused, `transforms must be exactly enveloped-signature then exc-c14n, got ${transforms.join(", ")}`, { location: "ds:Transforms" });
  }
  const digestMethod = only(reference, "DigestMethod").getAttribute("Algorithm");
  requireAllowedAlgorithm("DigestMethod", digestMethod);
  const digestValue = decodeBase64Strict(pureText(only(reference, "DigestValue"), ErrorCode.SignatureInvalid, "ds:DigestValue"), "ds:DigestValue");
  const signatureValue = decodeBase64Strict(pureText(only(signature, "SignatureValue"), ErrorCode.SignatureInvalid, "ds:SignatureValue"), "ds:SignatureValue");

  const x509Data = only(only(signature, "KeyInfo"), "X509Data");
  const certificates = childElements(x509Data, DSIG_NS, "X509Certificate").map((c) => decodeBase64Strict(pureText(c, ErrorCode.SignatureInvalid, "ds:X509Certificate"), "ds:X509Certificate"));
  if (certificates.length === 0) throw invalid("KeyInfo/X509Data carries no X509Certificate");
  return { certificates, parts: { signedInfo, signatureMethod: signatureMethod as string, digestMethod: digestMethod as string, digestValue, signatureValue } };
}

/** Only the allowlisted algorithms are registered on the verifier (defence in depth). */
function restrict<T>(table: Record<string, T>, allowed: ReadonlySet<string>): Record<string, T> {
  return Object.fromEntries(Object.entries(table).filter(([uri]) => allowed.has(uri)));
}

function checkCryptographically(xml: string, signature: Element, signerPem: string, target: ReferenceTarget): string {
  const verifier = new SignedXml({
    publicCert: signerPem,
    getCertFromKeyInfo: () => null,
    idAttribute: target.kind === "id" ? target.idAttributes?.[0] : undefined,
  });
  if (target.kind === "id" && target.idAttributes) verifier.idAttributes = [...target.idAttributes];
  const transforms = new Set([...AllowedCanonicalizations, ...AllowedTransforms]);
  verifier.CanonicalizationAlgorithms = restrict(verifier.CanonicalizationAlgorithms, transforms) as typeof verifier.CanonicalizationAlgorithms;
  verifier.HashAlgorithms = restrict(verifier.HashAlgorithms, AllowedDigestMethods) as typeof verifier.HashAlgorithms;
  verifier.SignatureAlgorithms = restrict(verifier.SignatureAlgorithms, AllowedSignatureMethods) as typeof verifier.SignatureAlgorithms;

  let valid: boolean;
  try {
    verifier.loadSignature(signature as unknown as Parameters<typeof verifier.loadSignature>[0]);
    valid = verifier.checkSignature(xml) === true;
  } catch (e) {
    if (isPasserelleError(e)) throw e;
    throw invalid(`signature does not verify: ${withoutValues((e as Error).message)}`, e);
  }
  if (!valid) throw invalid("signature does not verify: a reference digest does not match");
  const signed = verifier.getSignedReferences();
  if (signed.length !== 1 || !signed[0]) throw invalid(`expected one signed reference, got ${signed.length}`);
  return signed[0];
}

/**
 * xml-crypto's failure messages, told without the values they carry (the whole SignatureValue, digests,
 * a Reference serialised with its DigestValue): a known message gets our wording, any other has its
 * base64 runs cut to a short prefix.
 */
function withoutValues(message: string): string {
  if (/^invalid signature: the signature value [\s\S]* is incorrect$/.test(message)) return "the signature value does not match SignedInfo with the signer's key";
  return message.replace(/[A-Za-z0-9+/]{16,}={0,2}/g, (run) => `${run.slice(0, 8)}…`);
}

function invalid(message: string, cause?: unknown): PasserelleError {
  return new PasserelleError(ErrorCode.SignatureInvalid, message, {}, cause === undefined ? undefined : { cause });
}
