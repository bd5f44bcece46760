// isolateElement(): the exclusive canonical form of an element taken out of its document (our c14n.ts
// on the isolated text) equals the exclusive canonical form of the same element inside the whole
// document computed by libxml2 (python3-lxml, an independent implementation), with and without an
// InclusiveNamespaces PrefixList. The cases are the context an element can inherit: bindings declared on
// ancestors, a default namespace, a redeclared prefix, xmlns="" undeclarations, xml:* attributes (not
// imported by exc-c14n), and the characters a serializer can lose (CR in text, TAB/LF/CR in attributes).
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import type { Element } from "@xmldom/xmldom";
import { canonicalizeDocument } from "./c14n";
import { parseXmlStrict } from "./dom";
import { isolateElement, namespacesInScope } from "./isolate";

const PYTHON = process.env.PASSERELLE_PYTHON ?? "/usr/bin/python3";

/** libxml2's exc-c14n (no comments) of the first element with @ID=id, in its document. */
function lxmlExcC14n(xml: string, id: string, prefixes: string[]): string {
  const script = [
    "import sys, json",
    "from lxml import etree",
    "a = json.load(sys.stdin)",
    "root = etree.fromstring(a['xml'].encode('utf-8'), etree.XMLParser(resolve_entities=False, no_network=True))",
    "el = root.xpath('//*[@ID=$id]', id=a['id'])[0]",
    "sys.stdout.write(etree.tostring(el, method='c14n', exclusive=True, with_comments=False, inclusive_ns_prefixes=a['prefixes'] or None).decode('utf-8'))",
  ].join("\n");
  return execFileSync(PYTHON, ["-c", script], { input: JSON.stringify({ xml, id, prefixes }), encoding: "utf8" });
}

function byId(xml: string, id: string): Element {
  const doc = parseXmlStrict(xml);
  const found: Element[] = [];
  const walk = (e: Element): void => {
    if (e.getAttribute("ID") === id) found.push(e);
    for (let c = e.firstChild; c; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE) walk(c as Element);
  };
  walk(doc.documentElement as Element);
  expect(found).to.have.length(1);
  return found[0] as Element;
}

const CASES: { name: string; xml: string }[] = [
  {
    name: "prefix declared on the envelope, used by the element and an attribute",
    xml: `<env:E xmlns:env="urn:env" xmlns:s="urn:s" xmlns:x="urn:x" xmlns:unused="urn:unused"><env:H><s:A ID="t" x:k="v"><s:B>b</s:B></s:A></env:H></env:E>`,
  },
  {
    name: "default namespace from an ancestor, undeclared below",
    xml: `<r xmlns="urn:d" xmlns:p="urn:p"><w><a ID="t"><b/><c xmlns=""><d/></c><p:e/></a></w></r>`,
  },
  {
    name: "a prefix redeclared on the way down (the nearest binding wins)",
    xml: `<p:r xmlns:p="urn:far"><p:w xmlns:p="urn:near"><q:a xmlns:q="urn:q" ID="t"><p:b/></q:a></p:w></p:r>`,
  },
  {
    name: "the element redeclares an ancestor's prefix itself",
    xml: `<p:r xmlns:p="urn:outer"><p:a xmlns:p="urn:own" ID="t"><p:b/></p:a></p:r>`,
  },
  {
    name: "xml:lang and xml:space on an ancestor are not imported, on the element they stay",
    xml: `<r xml:lang="fr" xml:space="preserve"><a ID="t" xml:base="urn:b"><b xml:lang="de">x</b></a></r>`,
  },
  {
    name: "CR, TAB and LF kept in text and attributes, CDATA, comments and PIs",
    xml: `<r xmlns:s="urn:s"><s:a ID="t" v="1&#9;2&#10;3&#13;4 &lt;&amp;&quot;&gt;">x&#13;y<![CDATA[<z>&#13;]]><!-- c --><?pi data?>\n\tw &amp; &lt; &gt;</s:a></r>`,
  },
  {
    name: "a QName in an attribute value, whose prefix only the PrefixList makes visible",
    xml: `<soap:E xmlns:soap="urn:soap" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:H><saml2:A xmlns:saml2="urn:saml" ID="t"><saml2:V xsi:type="xsd:string">v</saml2:V></saml2:A></soap:H></soap:E>`,
  },
];

describe("signing: isolateElement (exc-c14n of an element does not depend on where it sits)", () => {
  for (const c of CASES) {
    it(`${c.name}: our c14n of the isolated element = libxml2's exc-c14n in context`, () => {
      const isolated = isolateElement(byId(c.xml, "t"));
      expect(canonicalizeDocument(isolated).canonical).to.equal(lxmlExcC14n(c.xml, "t", []));
    });
  }

  it("keeps every in-scope binding, so a PrefixList canonicalises the same (libxml2 both ways)", () => {
    for (const c of CASES) {
      const isolated = isolateElement(byId(c.xml, "t"));
      for (const prefixes of [["xsd"], ["xsd", "xsi", "soap", "p", "unused"], ["#default"]]) {
        expect(lxmlExcC14n(isolated, "t", prefixes), `${c.name} ${prefixes.join(" ")}`).to.equal(lxmlExcC14n(c.xml, "t", prefixes));
      }
    }
  });

  it("lists the bindings in scope, nearest first, and leaves the input document alone", () => {
    const xml = CASES[2]?.xml as string;
    const element = byId(xml, "t");
    expect(Object.fromEntries(namespacesInScope(element))).to.deep.equal({ q: "urn:q", p: "urn:near" });
    const before = element.ownerDocument?.documentElement?.toString();
    isolateElement(element);
    expect(element.ownerDocument?.documentElement?.toString()).to.equal(before);
    expect(element.parentNode).not.to.equal(null);
  });
});
