// Strict base64Binary decoding of signature values (base64.ts): exactly one spelling per value.
import { expect } from "chai";
import fc from "fast-check";
import { ErrorCode, isPasserelleError } from "./errors";
import { decodeBase64Strict } from "./base64";

function refusal(text: string): string {
  try {
    decodeBase64Strict(text, "ds:SignatureValue");
  } catch (e) {
    expect(isPasserelleError(e, ErrorCode.SignatureInvalid), String(e)).to.equal(true);
    return (e as Error).message;
  }
  return expect.fail(`${JSON.stringify(text)} was decoded`);
}

describe("signing: strict base64 (decodeBase64Strict)", () => {
  it("decodes what Node encodes, any length, with XML whitespace (RFC 2045 line breaks, CRLF, tabs) anywhere", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.constantFrom("\n", "\r\n", " ", "\t"), fc.nat(80), (bytes, ws, step) => {
        const b64 = Buffer.from(bytes).toString("base64");
        const wrapped = step > 0 ? b64.replace(new RegExp(`.{1,${step}}`, "g"), `$&${ws}`) : b64;
        expect(decodeBase64Strict(`${ws}${wrapped}`, "ds:DigestValue").equals(Buffer.from(bytes))).to.equal(true);
      }),
    );
  });

  it("refuses characters outside the alphabet, naming the first one and not the value", () => {
    expect(refusal("Yg?=")).to.match(/character U\+003F \(position 2\) is outside the base64 alphabet/);
    expect(refusal("YWJj\u00A0ZGVm")).to.match(/U\+00A0/); // a no-break space is not XML whitespace
    expect(refusal("YW-_")).to.match(/U\+002D/); // base64url is another alphabet
    expect(refusal("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo*")).not.to.contain("QUJDREVGR0hJ");
  });

  it("refuses wrong lengths, misplaced padding and non-zero padding bits", () => {
    expect(refusal("Yg=")).to.match(/length \(3 .*\) is not a multiple of 4/);
    expect(refusal("YWJ")).to.match(/not a multiple of 4/);
    expect(refusal("Yg==YWJj")).to.match(/padding is wrong/);
    expect(refusal("Y===")).to.match(/padding is wrong/);
    expect(refusal("Yh==")).to.match(/padding is wrong/); // "Yg==" with a bit set under the padding
    expect(refusal("YWK=")).to.match(/padding is wrong/); // "YWI="
    expect(decodeBase64Strict("Yg==", "x").toString()).to.equal("b");
    expect(decodeBase64Strict("YWI=", "x").toString()).to.equal("ab");
  });

  it("refuses an empty value", () => {
    expect(refusal(" \n ")).to.match(/is empty/);
  });
});
