// Strict decoding of xs:base64Binary values: those of a signature (XML-DSig §4.3.3 DigestValue, §4.4
// SignatureValue, §4.5.4 X509Certificate) and inline documents of SOAP messages (XOP 1.0 §3.2). Node's decoder skips any character
// outside the alphabet and ignores stray padding bits, so "Yg?=" and "Yh==" both read as "Yg==": a
// value must decode from exactly one spelling. Allowed: A–Z a–z 0–9 + / in groups of four, "=" padding
// at the end only, with the bits padding hides equal to zero (XML Schema Part 2 §3.2.16 base64Binary:
// B16 before "=", B04 before "=="), and XML whitespace (space, tab, CR, LF: the line breaks of
// RFC 2045 that signers emit) anywhere.
import { ErrorCode, PasserelleError } from "../shared/errors";

const XML_WHITESPACE = /[ \t\r\n]+/g;
const BASE64_GROUPS = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;

/** How a caller's domain reports a value that is not base64 (default: SIGNATURE_INVALID). */
export type Base64Failure = (message: string, what: string) => Error;

const signatureInvalid: Base64Failure = (message, what) => new PasserelleError(ErrorCode.SignatureInvalid, message, { location: what });

/** Decodes `text` (the content of `what`) or throws `fail(...)`, without echoing the value. */
export function decodeBase64Strict(text: string, what: string, fail: Base64Failure = signatureInvalid): Buffer {
  const compact = text.replace(XML_WHITESPACE, "");
  if (compact.length === 0) throw fail(`${what} is empty`, what);
  if (!BASE64_GROUPS.test(compact)) {
    const bad = compact.search(/[^A-Za-z0-9+/=]/);
    const reason =
      bad >= 0
        ? `character U+${compact.charCodeAt(bad).toString(16).toUpperCase().padStart(4, "0")} (position ${bad}) is outside the base64 alphabet`
        : compact.length % 4 !== 0
          ? `its length (${compact.length} characters without whitespace) is not a multiple of 4`
          : "its padding is wrong (misplaced '=' or non-zero padding bits)";
    throw fail(`${what} is not base64: ${reason}`, what);
  }
  return Buffer.from(compact, "base64");
}

