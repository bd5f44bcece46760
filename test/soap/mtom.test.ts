import { expect } from "chai";
import fc from "fast-check";
import { isPasserelleError } from "../../src/shared/errors";
import { parseResponseEnvelope } from "../../src/soap/envelope";
import { binaryContent, buildMtom, newContentId, parseContentType, readSoapTransport, xopInclude } from "../../src/soap/mtom";
import { Actions, XDS_NS } from "../../src/soap/namespaces";
import { el, serialize } from "../../src/shared/xml";
import { buildResponseEnvelope } from "../../src/soap/envelope";
import { MTOM_SAMPLES, sample, sampleBytes, unescapeWrappedLiteral } from "./samples";

const LIMITS = { maxBytes: 10 * 1024 * 1024 };

function reason(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    if (isPasserelleError(e)) return e.details["reason"];
    throw e;
  }
  throw new Error("expected a failure");
}

function documents(body: Buffer, contentType: string) {
  const t = readSoapTransport(body, contentType, LIMITS);
  const env = parseResponseEnvelope(t.envelope, LIMITS);
  const docs = Array.from(env.body.getElementsByTagNameNS(XDS_NS, "Document")).map((d) => binaryContent(d, t.attachments));
  return { t, env, docs };
}

describe("soap/mtom: Content-Type", () => {
  it("reads quoted and unquoted parameters, escaped quotes and a trailing semicolon", () => {
    expect(parseContentType('Multipart/Related; type="application/xop+xml";boundary=abc; start="<a;b>"')).to.deep.equal({
      type: "multipart/related",
      params: { type: "application/xop+xml", boundary: "abc", start: "<a;b>" },
    });
    expect(parseContentType("application/octet-stream;").params).to.deep.equal({});
    expect(parseContentType('text/plain; x="a\\"b"').params["x"]).to.equal('a"b');
    expect(reason(() => parseContentType("nonsense"))).to.equal("content-type");
    expect(reason(() => parseContentType('a/b; x="open'))).to.equal("content-type");
  });
});

describe("soap/mtom: the sample framings", () => {
  it("multi-mtom.txt (CRLF, preamble line, start by Content-ID): two documents resolved from cid: parts", () => {
    const { t, env, docs } = documents(sampleBytes("mtom", "multi-mtom.txt"), MTOM_SAMPLES["multi-mtom.txt"]);
    expect(t.mtom).to.equal(true);
    expect([...t.attachments.keys()]).to.deep.equal(["http://tempuri.org/1/638509440267508087", "http://tempuri.org/2/638509440267508087"]);
    expect(env.addressing.action).to.equal(Actions.xcaRetrieve.response);
    expect(docs.map((d) => d.toString("utf8"))).to.deep.equal([
      '<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3"><realmCode code="US" /></ClinicalDocument>',
      '<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3"><realmCode code="US" /></ClinicalDocument>',
    ]);
  });

  it("mtom-non-xml.txt (LF-only framing, lower-case headers, non-XML attachment bytes kept as they are)", () => {
    const { t, docs } = documents(sampleBytes("mtom", "mtom-non-xml.txt"), MTOM_SAMPLES["mtom-non-xml.txt"]);
    expect(t.attachments.get("1.urn:uuid:83e0fc9b-b6b3-4c40-a4fe-de080e941f82")?.contentType).to.equal("application/octet-stream;");
    const raw = sample("mtom", "mtom-non-xml.txt");
    const expected = raw.slice(raw.indexOf("<?xml"), raw.lastIndexOf("\n--a1109b32"));
    expect(docs[0]!.toString("utf8")).to.equal(expected);
    expect(docs[0]!.toString("utf8")).to.match(/<\/ClinicalDocument>\n$/);
  });

  it("mtom-without-multipart.txt (a package with the root part only, closed without a final line break)", () => {
    const { t, env } = documents(sampleBytes("mtom", "mtom-without-multipart.txt"), MTOM_SAMPLES["mtom-without-multipart.txt"]);
    expect(t.attachments.size).to.equal(0);
    expect(env.body.localName).to.equal("RetrieveDocumentSetResponse");
    // its Document is empty: zero bytes of inline base64
    const doc = env.body.getElementsByTagNameNS(XDS_NS, "Document")[0]!;
    expect(binaryContent(doc, t.attachments).length).to.equal(0);
  });

  it("mtom.txt (stored as an escaped string literal; unescaped here): start part by Content-ID", () => {
    const { docs, env } = documents(unescapeWrappedLiteral(sample("mtom", "mtom.txt")), MTOM_SAMPLES["mtom.txt"]);
    expect(env.addressing.relatesTo).to.equal("urn:uuid:c3734e97-69ba-48e4-a102-03a5e1219fa4");
    expect(docs[0]!.toString("utf8")).to.equal('<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3"><realmCode code="US" /></ClinicalDocument>');
  });

  it("the start part is the first part when Content-Type names none", () => {
    const ct = MTOM_SAMPLES["multi-mtom.txt"].replace(/start="[^"]*";/, "");
    const t = readSoapTransport(sampleBytes("mtom", "multi-mtom.txt"), ct, LIMITS);
    expect(t.envelope).to.match(/^<s:Envelope/);
  });

  it("a plain SOAP body with inline base64", () => {
    const env = buildResponseEnvelope({ action: Actions.xcaRetrieve.response, relatesTo: "urn:uuid:1" }, el("xdsb:RetrieveDocumentSetResponse", { "xmlns:xdsb": XDS_NS }, el("xdsb:Document", {}, Buffer.from("héllo").toString("base64"))));
    const { t, docs } = documents(Buffer.from(env), "application/soap+xml; charset=utf-8; action=\"urn:ihe:iti:2007:CrossGatewayRetrieveResponse\"");
    expect(t.mtom).to.equal(false);
    expect(docs[0]!.toString("utf8")).to.equal("héllo");
  });
});

describe("soap/mtom: hostile packages", () => {
  const body = sampleBytes("mtom", "multi-mtom.txt");
  const ct = MTOM_SAMPLES["multi-mtom.txt"];
  it("refuses a missing boundary, a boundary absent from the body, a missing close, a wrong package type", () => {
    expect(reason(() => readSoapTransport(body, 'multipart/related; type="application/xop+xml"', LIMITS))).to.equal("boundary");
    expect(reason(() => readSoapTransport(body, 'multipart/related; type="application/xop+xml"; boundary=nothere', LIMITS))).to.equal("framing");
    const unclosed = Buffer.from(body.toString("latin1").replace(/--\r\n$/, "\r\n"), "latin1");
    expect(reason(() => readSoapTransport(unclosed, ct, LIMITS))).to.equal("framing");
    expect(reason(() => readSoapTransport(body, ct.replace("application/xop+xml", "text/plain"), LIMITS))).to.equal("content-type");
    expect(reason(() => readSoapTransport(body, undefined, LIMITS))).to.equal("content-type");
    expect(reason(() => readSoapTransport(body, "application/json", LIMITS))).to.equal("content-type");
  });

  it("refuses an xop:Include whose cid: part is missing, and a start part that is not there", () => {
    const missing = Buffer.from(body.toString("latin1").replace("cid:http://tempuri.org/2/", "cid:http://tempuri.org/9/"), "latin1");
    expect(reason(() => documents(missing, ct))).to.equal("xop");
    expect(reason(() => readSoapTransport(body, ct.replace("<http://tempuri.org/0>", "<nope>"), LIMITS))).to.equal("root-part");
  });

  it("refuses more parts than the limit, and an oversized body before reading it", () => {
    const b = "xyz";
    const parts = Array.from({ length: 100 }, (_, i) => `--${b}\r\nContent-Type: application/octet-stream\r\nContent-ID: <p${i}>\r\n\r\nx\r\n`).join("");
    const many = Buffer.from(`--${b}\r\nContent-Type: application/xop+xml; type="application/soap+xml"\r\n\r\n<e/>\r\n${parts}--${b}--`);
    expect(reason(() => readSoapTransport(many, `multipart/related; type="application/xop+xml"; boundary=${b}`, { maxBytes: 1e6, maxParts: 10 }))).to.equal("part-limit");
    expect(reason(() => readSoapTransport(Buffer.alloc(2048), ct, { maxBytes: 1024 }))).to.equal("too-large");
    expect(reason(() => readSoapTransport(Buffer.alloc(100 * 1024 * 1024, 0x41), ct, { maxBytes: 10 * 1024 * 1024 }))).to.equal("too-large");
  });

  it("keeps the boundary string inside content when it does not start a line", () => {
    const b = "bnd";
    const payload = `x --${b} y\r\n---${b}z`;
    const pkg = Buffer.from(`--${b}\r\nContent-Type: application/xop+xml\r\nContent-ID: <r>\r\n\r\n<e/>\r\n--${b}\r\nContent-Type: application/octet-stream\r\nContent-ID: <a>\r\n\r\n${payload}\r\n--${b}--\r\n`);
    const t = readSoapTransport(pkg, `multipart/related; type="application/xop+xml"; boundary=${b}`, LIMITS);
    expect(t.attachments.get("a")?.body.toString()).to.equal(payload);
  });

  it("refuses inline text that is not base64 and an element mixing text with xop:Include", () => {
    const bad = buildResponseEnvelope({ action: "a", relatesTo: "r" }, el("xdsb:R", { "xmlns:xdsb": XDS_NS }, el("xdsb:Document", {}, "not base64!")));
    expect(reason(() => documents(Buffer.from(bad), "application/soap+xml"))).to.equal("encoding");
    const mixed = buildResponseEnvelope({ action: "a", relatesTo: "r" }, el("xdsb:R", { "xmlns:xdsb": XDS_NS }, el("xdsb:Document", {}, "QUJD", xopInclude("a@b"))));
    expect(reason(() => documents(Buffer.from(mixed), "application/soap+xml"))).to.equal("xop");
    expect(reason(() => readSoapTransport(Buffer.from("<e/>"), "application/soap+xml; charset=iso-8859-1", LIMITS))).to.equal("charset");
    expect(reason(() => readSoapTransport(Buffer.from([0x3c, 0x65, 0xff, 0x2f, 0x3e]), "application/soap+xml", LIMITS))).to.equal("charset");
  });
});

describe("soap/mtom: writing", () => {
  it("round-trips an MTOM answer with binary attachments through the reader", () => {
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x0d, 0x0a, 0x00, 0xff, 0x2d, 0x2d]);
    const xml = Buffer.from('<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"/>');
    const ids = [newContentId(), newContentId()];
    const bodyEl = el("xdsb:RetrieveDocumentSetResponse", { "xmlns:xdsb": XDS_NS }, el("xdsb:Document", {}, xopInclude(ids[0]!)), el("xdsb:Document", {}, xopInclude(ids[1]!)));
    const envelope = buildResponseEnvelope({ action: Actions.xcaRetrieve.response, relatesTo: "urn:uuid:1" }, bodyEl);
    const out = buildMtom(envelope, [
      { contentId: ids[0]!, contentType: "text/xml", bytes: xml },
      { contentId: ids[1]!, contentType: "application/pdf", bytes: pdf },
    ]);
    const ct = parseContentType(out.contentType);
    expect(ct.type).to.equal("multipart/related");
    expect(ct.params["type"]).to.equal("application/xop+xml");
    expect(ct.params["start-info"]).to.equal("application/soap+xml");
    expect(out.body.toString("latin1")).to.include(`--${ct.params["boundary"]}--\r\n`);
    const { docs } = documents(out.body, out.contentType);
    expect(docs[0]!.equals(xml)).to.equal(true);
    expect(docs[1]!.equals(pdf)).to.equal(true);
    expect(serialize(xopInclude("a b@c"), { declaration: false })).to.include('href="cid:a%20b@c"');
  });

  it("any attachment bytes survive the package (property: CR, LF, dashes and boundary-like runs included)", () => {
    const nasty = fc.constantFrom(...["\r\n", "\n", "--", "\r\n--", "\n--MIMEBoundary_", "\r", "\u0000"].map((s) => Buffer.from(s, "latin1")));
    const chunk = fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), nasty);
    const bytes = fc.array(chunk, { maxLength: 12 }).map((cs) => Buffer.concat(cs));
    fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 4 }), (contents) => {
        const ids = contents.map(() => newContentId());
        const bodyEl = el("xdsb:R", { "xmlns:xdsb": XDS_NS }, ids.map((id) => el("xdsb:Document", {}, xopInclude(id))));
        const out = buildMtom(buildResponseEnvelope({ action: "a", relatesTo: "r" }, bodyEl), contents.map((c, i) => ({ contentId: ids[i]!, contentType: "application/octet-stream", bytes: c })));
        const { docs } = documents(out.body, out.contentType);
        expect(docs.map((d) => d.toString("hex"))).to.deep.equal(contents.map((c) => c.toString("hex")));
      }),
      { numRuns: 300 },
    );
  });
});
