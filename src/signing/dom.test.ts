// parseXmlStrict refuses what XML 1.0 does not allow, before the DOM parser can be lenient about it.
import { expect } from "chai";
import { ErrorCode, isPasserelleError } from "../shared/errors";
import { parseXmlStrict } from "./dom";

function refusal(xml: string): string {
  try {
    parseXmlStrict(xml, ErrorCode.SignatureInvalid);
  } catch (e) {
    expect(isPasserelleError(e, ErrorCode.SignatureInvalid), String(e)).to.equal(true);
    return (e as Error).message;
  }
  return expect.fail(`${JSON.stringify(xml)} was parsed`);
}

describe("signing: parseXmlStrict and XML 1.0 §2.2 Char", () => {
  it("refuses every character outside Char, wherever it stands, naming it and its offset", () => {
    const outside = ["\u0000", "\u0001", "\u0008", "\u000B", "\u000C", "\u001F", "\uD800", "\uDFFF", "\uFFFE", "\uFFFF"];
    for (const c of outside) {
      const hex = c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      for (const xml of [`<a${c}b="1"/>`, `<a b="1"${c}/>`, `<a>x${c}y</a>`, `<a b="${c}"/>`, `<a><!--${c}--></a>`]) {
        expect(refusal(xml), JSON.stringify(xml)).to.match(new RegExp(`U\\+${hex} at offset \\d+ is not allowed in XML \\(XML 1\\.0 §2\\.2 Char\\)`));
      }
    }
    expect(refusal('<a b="1"\u0000c="2"/>')).to.contain("at offset 8");
  });

  it("accepts tab, LF, CR, private-use and astral characters (a surrogate pair is one Char)", () => {
    const doc = parseXmlStrict('<a b="\t">\r\n\uE000 \u{1F600}</a>');
    expect(doc.documentElement?.textContent).to.equal("\n\uE000 \u{1F600}");
  });

  it("still refuses a DOCTYPE and markup errors", () => {
    expect(refusal('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).to.match(/DOCTYPE|not well-formed/);
    expect(refusal("<a><b></a>")).to.match(/not well-formed/);
  });
});
