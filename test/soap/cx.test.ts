import { expect } from "chai";
import fc from "fast-check";
import { formatCx, parseCx, parseQueryList, quoteQueryValue, unquoteQueryValue } from "../../src/soap/cx";

describe("soap/cx", () => {
  it("parses the CX forms of the samples", () => {
    expect(parseCx("0410009234^^^&1.2.208.176.1.2&ISO")).to.deep.equal({ id: "0410009234", oid: "1.2.208.176.1.2" });
    expect(parseCx("X110571344|ABC123^^^&1.2.276.0.76.3.1.580.147&ISO")).to.deep.equal({ id: "X110571344|ABC123", oid: "1.2.276.0.76.3.1.580.147" });
    expect(parseCx("041082-995W^^^&2.16.17.710.811&ISO").id).to.equal("041082-995W");
  });

  it("refuses everything else", () => {
    for (const bad of ["", "123", "123^^^&1.2.3", "123^^^&1.2.3&DNS", "^^^&1.2.3&ISO", "12 3^^^&1.2.3&ISO", "123^^^&1.02.3&ISO", "123^^^&3.2&ISO", "123^^&1.2.3&ISO", "1&2^^^&1.2.3&ISO", "123^^^&1.2.3&ISO^x"]) {
      expect(() => parseCx(bad), bad).to.throw(/CX|identifier|OID|ISO/);
    }
  });

  it("formats what it parses (property)", () => {
    const id = fc.stringMatching(/^[A-Za-z0-9|.\-_]{1,20}$/);
    const oid = fc.array(fc.nat({ max: 99999 }), { minLength: 1, maxLength: 8 }).map((a) => `1.${a.join(".")}`);
    fc.assert(fc.property(id, oid, (i, o) => {
      const cx = { id: i, oid: o };
      expect(parseCx(formatCx(cx))).to.deep.equal(cx);
    }));
  });

  it("reads quoted stored-query values and lists", () => {
    expect(unquoteQueryValue("'0410009234^^^&1.2.208.176.1.2&ISO'")).to.equal("0410009234^^^&1.2.208.176.1.2&ISO");
    expect(unquoteQueryValue("'O''Brien'")).to.equal("O'Brien");
    expect(() => unquoteQueryValue("0410009234^^^&1.2.208&ISO")).to.throw(/not quoted/);
    expect(() => unquoteQueryValue("'a'b'")).to.throw(/unescaped/);
    expect(parseQueryList(["('60591-5^^2.16.840.1.113883.6.1')"])).to.deep.equal(["60591-5^^2.16.840.1.113883.6.1"]);
    expect(parseQueryList(["('a','b, c')", "('d')"])).to.deep.equal(["a", "b, c", "d"]);
    expect(() => parseQueryList(["('a)"])).to.throw(/unterminated/);
    expect(unquoteQueryValue(quoteQueryValue("it's"))).to.equal("it's");
  });
});
