import { expect } from "chai";
import { DOMParser } from "@xmldom/xmldom";
import { isPasserelleError } from "../../src/shared/errors";
import { el } from "../../src/shared/xml";
import { buildRequestEnvelope, buildResponseEnvelope, parseEnvelope, transactionOf } from "../../src/soap/envelope";
import { buildFault, faultHttpStatus, faultSpecOf, type FaultSpec } from "../../src/soap/faults";
import { Actions, SOAP12_NS, WSA_NS, WSSE_NS } from "../../src/soap/namespaces";
import { dkEnvelope, sample } from "./samples";
import { readFileSync } from "node:fs";
import { ehdsiPath } from "../helpers/ehdsi";

const LIMITS = { maxBytes: 10 * 1024 * 1024 };

function failure(f: () => unknown): { code: string; reason: unknown; fault: FaultSpec | undefined; message: string } {
  try {
    f();
  } catch (e) {
    if (!isPasserelleError(e)) throw e;
    return { code: e.code, reason: e.details["reason"], fault: e.details["fault"] as FaultSpec | undefined, message: e.message };
  }
  throw new Error("expected a failure");
}

const minimal = (header: string, body = '<m:Ping xmlns:m="urn:test"/>') =>
  `<env:Envelope xmlns:env="${SOAP12_NS}" xmlns:wsa="${WSA_NS}"><env:Header>${header}</env:Header><env:Body>${body}</env:Body></env:Envelope>`;
const ADDRESSING = `<wsa:Action env:mustUnderstand="1">${Actions.xcpd.request}</wsa:Action><wsa:MessageID>urn:uuid:1</wsa:MessageID>`;

describe("soap/envelope: reading requests", () => {
  it("reads the dk-templates XCPD, XCA query and XCA retrieve envelopes (placeholders filled)", () => {
    const cases = [
      { xml: dkEnvelope("xcpd", "request.xml"), action: Actions.xcpd.request, body: "PRPA_IN201305UV02", assertions: 1 },
      { xml: dkEnvelope("xca", "query", "request-ps.xml"), action: Actions.xcaQuery.request, body: "AdhocQueryRequest", assertions: 2 },
      { xml: dkEnvelope("xca", "query", "request-ep.xml"), action: Actions.xcaQuery.request, body: "AdhocQueryRequest", assertions: 2 },
      { xml: dkEnvelope("xca", "retrieve", "request-ps.xml"), action: Actions.xcaRetrieve.request, body: "RetrieveDocumentSetRequest", assertions: 2 },
      { xml: dkEnvelope("xca", "retrieve", "request-ep.xml"), action: Actions.xcaRetrieve.request, body: "RetrieveDocumentSetRequest", assertions: 2 },
    ];
    for (const c of cases) {
      const r = parseEnvelope(c.xml, LIMITS);
      expect(r.addressing.action).to.equal(c.action);
      expect(r.addressing.messageId).to.equal("urn:uuid:6f2c4f0e-9d1b-4c36-8a8e-0d3f1c2b5a77");
      expect(r.body.localName).to.equal(c.body);
      expect(r.security?.localName).to.equal("Security");
      expect(r.security!.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:assertion", "Assertion").length).to.equal(c.assertions);
    }
  });

  it("reads the openncp full envelope with To, ReplyTo and a signed assertion", () => {
    const r = parseEnvelope(sample("openncp", "incomingMsg.xml"), LIMITS);
    expect(r.addressing).to.deep.equal({
      action: Actions.xcaRetrieve.request,
      messageId: "uuid:C3F5A03D-1A0C-4F62-ADC7-F3C007CD50CF",
      to: "http://tianiapp04t:8081/SpiritProxy/RspGW/VLERCOM201_19_DocRetrieve_Proxy",
      replyTo: "http://www.w3.org/2005/08/addressing/anonymous",
      relatesTo: undefined,
    });
    expect(r.body.localName).to.equal("RetrieveDocumentSetRequest");
  });

  it("reads the real eHDSI security header wrapped in an envelope", () => {
    const header = readFileSync(ehdsiPath("saml", "openncp_soap_header.xml"), "utf8");
    const xml = `<soapenv:Envelope xmlns:soapenv="${SOAP12_NS}">${header.replace(/^<\?xml[^?]*\?>/, "")}<soapenv:Body><x:Q xmlns:x="urn:q"/></soapenv:Body></soapenv:Envelope>`;
    const r = parseEnvelope(xml, LIMITS);
    expect(r.addressing.action).to.equal(Actions.xcaQuery.request);
    expect(r.addressing.to).to.match(/XCA_Service$/);
    expect(r.security?.namespaceURI).to.equal(WSSE_NS);
  });

  it("refuses a DOCTYPE, an entity bomb and an external entity before parsing", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` + minimal(ADDRESSING, "<x>&lol2;</x>");
    expect(failure(() => parseEnvelope(bomb, LIMITS))).to.include({ code: "INPUT_INVALID", reason: "doctype" });
    const xxe = `<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + minimal(ADDRESSING, "<x>&x;</x>");
    expect(failure(() => parseEnvelope(xxe, LIMITS))).to.include({ reason: "doctype" });
  });

  it("refuses a message over the caller's limit without parsing it (100 MB)", () => {
    const big = minimal(ADDRESSING, `<x>${"a".repeat(100 * 1024 * 1024)}</x>`);
    expect(failure(() => parseEnvelope(big, LIMITS))).to.include({ code: "INPUT_TOO_LARGE", reason: "too-large" });
  });

  it("refuses deep nesting, malformed XML, control characters", () => {
    const deep = minimal(ADDRESSING, "<a>".repeat(5000) + "</a>".repeat(5000));
    expect(failure(() => parseEnvelope(deep, LIMITS))).to.include({ reason: "too-deep" });
    expect(failure(() => parseEnvelope(minimal(ADDRESSING, "<a><b></a>"), LIMITS))).to.include({ reason: "not-well-formed" });
    expect(failure(() => parseEnvelope(minimal(ADDRESSING, "<a>\u0001</a>"), LIMITS))).to.include({ reason: "control-character" });
  });

  it("says precisely what is not SOAP 1.2", () => {
    expect(failure(() => parseEnvelope("<PRPA_IN201305UV02 xmlns='urn:hl7-org:v3'/>", LIMITS))).to.deep.include({ reason: "not-soap", fault: { code: "Sender" } });
    const soap11 = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>`;
    expect(failure(() => parseEnvelope(soap11, LIMITS)).fault).to.deep.equal({ code: "VersionMismatch" });
    const wrongNs = minimal(ADDRESSING).replace(SOAP12_NS, "http://www.w3.org/2003/05/soap-envelope/");
    expect(failure(() => parseEnvelope(wrongNs, LIMITS)).message).to.match(/not a SOAP 1.2 Envelope/);
    const twoBodies = minimal(ADDRESSING).replace("</env:Envelope>", "<env:Body/></env:Envelope>");
    expect(failure(() => parseEnvelope(twoBodies, LIMITS)).reason).to.equal("not-soap");
    expect(failure(() => parseEnvelope(minimal(ADDRESSING, ""), LIMITS)).reason).to.equal("body");
  });

  it("requires Action and MessageID, once each", () => {
    const noAction = failure(() => parseEnvelope(minimal("<wsa:MessageID>urn:uuid:1</wsa:MessageID>"), LIMITS));
    expect(noAction.fault).to.deep.equal({ code: "Sender", subcode: { ns: WSA_NS, local: "MessageAddressingHeaderRequired" }, problemHeader: { ns: WSA_NS, local: "Action" } });
    const noId = failure(() => parseEnvelope(minimal(`<wsa:Action>${Actions.xcpd.request}</wsa:Action>`), LIMITS));
    expect(noId.fault?.problemHeader?.local).to.equal("MessageID");
    const twice = failure(() => parseEnvelope(minimal(ADDRESSING + `<wsa:Action>x</wsa:Action>`), LIMITS));
    expect(twice.fault?.subcode?.local).to.equal("InvalidAddressingHeader");
  });

  it("answers only on the request's connection: a non-anonymous ReplyTo is refused", () => {
    const replyTo = `<wsa:ReplyTo><wsa:Address>https://attacker.example/collect</wsa:Address></wsa:ReplyTo>`;
    const f = failure(() => parseEnvelope(minimal(ADDRESSING + replyTo), LIMITS));
    expect(f.fault?.subcode?.local).to.equal("OnlyAnonymousAddressSupported");
  });

  it("faults on a mustUnderstand header it does not understand, and accepts one it does", () => {
    const foreign = `<t:Trace xmlns:t="urn:trace" env:mustUnderstand="true">x</t:Trace>`;
    const f = failure(() => parseEnvelope(minimal(ADDRESSING + foreign), LIMITS));
    expect(f.fault).to.deep.equal({ code: "MustUnderstand", notUnderstood: [{ ns: "urn:trace", local: "Trace" }] });
    const forOthers = `<t:Trace xmlns:t="urn:trace" env:mustUnderstand="true" env:role="http://www.w3.org/2003/05/soap-envelope/role/none">x</t:Trace>`;
    expect(parseEnvelope(minimal(ADDRESSING + forOthers), LIMITS).addressing.action).to.equal(Actions.xcpd.request);
    const optional = `<t:Trace xmlns:t="urn:trace" env:mustUnderstand="false">x</t:Trace>`;
    expect(parseEnvelope(minimal(ADDRESSING + optional), LIMITS).addressing.messageId).to.equal("urn:uuid:1");
  });
});

describe("soap/envelope: dispatch by Action", () => {
  it("names the transaction of a served action, and faults with wsa:ActionNotSupported otherwise", () => {
    const query = parseEnvelope(dkEnvelope("xca", "query", "request-ps.xml"), LIMITS);
    expect(transactionOf(query, ["xcaQuery", "xcaRetrieve"], "/ncp/xca")).to.equal("xcaQuery");
    const f = failure(() => transactionOf(query, ["xcpd"], "/ncp/xcpd"));
    expect(f.fault).to.deep.equal({ code: "Sender", subcode: { ns: WSA_NS, local: "ActionNotSupported" }, problemHeader: { ns: WSA_NS, local: "Action" } });
    expect(f.reason).to.equal("unknown-action");
    const odd = parseEnvelope(minimal(`<wsa:Action>urn:example:Unknown</wsa:Action><wsa:MessageID>urn:uuid:1</wsa:MessageID>`), LIMITS);
    expect(failure(() => transactionOf(odd, ["xcpd", "xcaQuery", "xcaRetrieve", "xdr"], "/ncp")).message).to.match(/urn:example:Unknown is not served/);
  });
});

describe("soap/envelope: writing", () => {
  it("answers with the response action, a new urn:uuid MessageID and RelatesTo = the request's", () => {
    const xml = buildResponseEnvelope({ action: Actions.xcpd.response, relatesTo: "urn:uuid:req-1" }, el("x:Answer", { "xmlns:x": "urn:x" }, "ok"));
    const doc = new DOMParser().parseFromString(xml, "text/xml");
    const get = (local: string) => doc.getElementsByTagNameNS(WSA_NS, local)[0];
    expect(get("Action")?.textContent).to.equal(Actions.xcpd.response);
    expect(get("Action")?.getAttributeNS(SOAP12_NS, "mustUnderstand")).to.equal("true");
    expect(get("MessageID")?.textContent).to.match(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(get("RelatesTo")?.textContent).to.equal("urn:uuid:req-1");
    const other = buildResponseEnvelope({ action: Actions.xcpd.response, relatesTo: "urn:uuid:req-1" }, el("x:A", { "xmlns:x": "urn:x" }));
    expect(other).to.not.include(get("MessageID")!.textContent!);
  });

  it("builds a request that our own reader accepts, with signed assertions embedded byte for byte", () => {
    const assertion = `<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x1"   Version="2.0"><saml2:Issuer>a &amp; b</saml2:Issuer></saml2:Assertion>`;
    const xml = buildRequestEnvelope({ action: Actions.xcaQuery.request, to: "https://ncp.example/xca", body: el("q:Q", { "xmlns:q": "urn:q" }), signedAssertions: [`<?xml version="1.0"?>${assertion}`] });
    expect(xml).to.include(assertion);
    const r = parseEnvelope(xml, LIMITS);
    expect(r.addressing.action).to.equal(Actions.xcaQuery.request);
    expect(r.addressing.to).to.equal("https://ncp.example/xca");
    expect(r.security?.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:assertion", "Assertion").length).to.equal(1);
    expect(() => buildRequestEnvelope({ action: "a", to: "b", body: el("q"), signedAssertions: ["<a><b></a>"] })).to.throw(/well-formed|mismatch|not/i);
  });
});

describe("soap/faults", () => {
  it("writes a SOAP 1.2 fault with code, subcode, reason in a language, detail and NotUnderstood", () => {
    const spec: FaultSpec = { code: "Sender", subcode: { ns: WSA_NS, local: "ActionNotSupported" }, problemHeader: { ns: WSA_NS, local: "Action" } };
    const xml = buildFault(spec, { reason: "unknown action urn:x", relatesTo: "urn:uuid:r", detail: [el("p:CorrelationId", { "xmlns:p": "urn:passerelle" }, "c-1")] });
    const doc = new DOMParser().parseFromString(xml, "text/xml");
    const one = (ns: string, local: string) => doc.getElementsByTagNameNS(ns, local);
    expect(one(SOAP12_NS, "Value")[0]?.textContent).to.equal("env:Sender");
    expect(one(SOAP12_NS, "Value")[1]?.textContent).to.equal("wsa:ActionNotSupported");
    expect(one(SOAP12_NS, "Text")[0]?.getAttribute("xml:lang")).to.equal("en");
    expect(one(SOAP12_NS, "Text")[0]?.textContent).to.equal("unknown action urn:x");
    expect(one(WSA_NS, "ProblemHeaderQName")[0]?.textContent).to.equal("wsa:Action");
    expect(one("urn:passerelle", "CorrelationId")[0]?.textContent).to.equal("c-1");
    expect(one(WSA_NS, "RelatesTo")[0]?.textContent).to.equal("urn:uuid:r");
    expect(faultHttpStatus(spec)).to.equal(400);

    const mu = buildFault({ code: "MustUnderstand", notUnderstood: [{ ns: "urn:trace", local: "Trace" }] }, { reason: "not understood" });
    const muDoc = new DOMParser().parseFromString(mu, "text/xml");
    const nu = muDoc.getElementsByTagNameNS(SOAP12_NS, "NotUnderstood")[0]!;
    const [prefix, local] = nu.getAttribute("qname")!.split(":");
    expect(local).to.equal("Trace");
    expect(nu.lookupNamespaceURI(prefix!)).to.equal("urn:trace");
    expect(faultHttpStatus({ code: "MustUnderstand" })).to.equal(500);
  });

  it("maps errors to faults without leaking internals", () => {
    expect(faultSpecOf(new Error("db password wrong at line 3")).reason).to.not.include("password");
    expect(faultSpecOf(new Error("x")).spec.code).to.equal("Receiver");
    const f = failure(() => parseEnvelope("<a", LIMITS));
    expect(f.code).to.equal("INPUT_INVALID");
    try {
      parseEnvelope("<a", LIMITS);
    } catch (e) {
      expect(faultSpecOf(e).spec.code).to.equal("Sender");
    }
  });
});
