import { expect } from "chai";
import type { DocumentContext } from "../context";
import { contentHash, documentId, entryId, stableJson } from "./ids";

const ctx = { documentIdRoot: "1.3.182.10.7" } as DocumentContext;

describe("CDA ids", () => {
  it("serialises content with sorted keys, like JSON.stringify otherwise", () => {
    const a = { b: [1, { y: "2", x: null }], a: "é\"", u: undefined };
    expect(stableJson(a)).to.equal('{"a":"é\\"","b":[1,{"x":null,"y":"2"}]}');
    expect(JSON.parse(stableJson(a))).to.deep.equal(JSON.parse(JSON.stringify(a)));
    expect(contentHash({ x: 1, y: 2 })).to.equal(contentHash({ y: 2, x: 1 }));
  });

  it("derives a document id from kind, record id and content", () => {
    const id = documentId(ctx, "ps", "rec-1", { a: 1 });
    expect(id.root).to.equal("1.3.182.10.7");
    expect(id.extension).to.match(/^[0-9a-f]{40}$/);
    expect(documentId(ctx, "ps", "rec-1", { a: 1 })).to.deep.equal(id);
    expect(documentId(ctx, "ps", "rec-1", { a: 2 }).extension).to.not.equal(id.extension);
    expect(documentId(ctx, "ps-l1", "rec-1", { a: 1 }).extension).to.not.equal(id.extension);
    expect(documentId(ctx, "ps", "rec-2", { a: 1 }).extension).to.not.equal(id.extension);
  });

  it("puts entry ids under their own arc and refuses a root that is not an OID", () => {
    expect(entryId(ctx, "ps", "allergy.1")).to.deep.equal({ root: "1.3.182.10.7.1", extension: "ps.allergy.1" });
    expect(() => documentId({ documentIdRoot: "urn:oid:1.2" } as DocumentContext, "ps", "x", {})).to.throw(/not an OID/);
  });
});
