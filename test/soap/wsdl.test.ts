import { expect } from "chai";
import type { Element } from "@xmldom/xmldom";
import { Actions } from "../../src/soap/namespaces";
import { servedWsdl } from "../../src/soap/wsdl";
import { readXml } from "../../src/soap/xml-read";

const WSDL = "http://schemas.xmlsoap.org/wsdl/";
const WSAM = "http://www.w3.org/2007/05/addressing/metadata";
const SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/";

function actions(xml: string): Array<[string | null, string | null]> {
  const doc = readXml(xml, { maxBytes: 1e6 });
  const ops = Array.from(doc.getElementsByTagNameNS(WSDL, "portType")[0]!.getElementsByTagNameNS(WSDL, "operation"));
  return ops.map((op: Element) => [op.getElementsByTagNameNS(WSDL, "input")[0]!.getAttributeNS(WSAM, "Action"), op.getElementsByTagNameNS(WSDL, "output")[0]!.getAttributeNS(WSAM, "Action")]);
}

describe("soap/wsdl", () => {
  it("each WSDL declares the eHDSI request and response actions of its transactions", () => {
    expect(actions(servedWsdl("xcpd", "https://x/ncp/xcpd"))).to.deep.equal([[Actions.xcpd.request, Actions.xcpd.response]]);
    expect(actions(servedWsdl("xca", "https://x/ncp/xca"))).to.deep.equal([
      [Actions.xcaQuery.request, Actions.xcaQuery.response],
      [Actions.xcaRetrieve.request, Actions.xcaRetrieve.response],
    ]);
    expect(actions(servedWsdl("xdr", "https://x/ncp/xdr"))).to.deep.equal([[Actions.xdr.request, Actions.xdr.response]]);
  });

  it("serves the real address, escaped", () => {
    const xml = servedWsdl("xca", 'https://ncp.example.lu:8443/ncp/xca?a=1&b="2"');
    const doc = readXml(xml, { maxBytes: 1e6 });
    expect(doc.getElementsByTagNameNS(SOAP12, "address")[0]!.getAttribute("location")).to.equal('https://ncp.example.lu:8443/ncp/xca?a=1&b="2"');
    expect(doc.getElementsByTagNameNS(SOAP12, "binding")[0]!.getAttribute("style")).to.equal("document");
  });
});
