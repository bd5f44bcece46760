// Reading a verified assertion (the re-parsed content the signature covers, never the input DOM:
// DESIGN.md convention 5) into plain values. Shape problems are refused here; the eHDSI rules on the
// values are in rules.ts.
import type { Element } from "@xmldom/xmldom";
import { childElements } from "../signing/dom";
import { refuse } from "./refusal";
import { SAML_NS, type AssertionKind } from "./vocabulary";

/** One AttributeValue: its text, or the coded element it holds (hl7 Role, PurposeOfUse). */
export interface AttributeValue {
  readonly text: string;
  readonly coded?: { readonly localName: string; readonly code: string; readonly codeSystem: string | null; readonly displayName: string | null };
}

export interface RawAssertion {
  readonly kind: AssertionKind;
  readonly id: string;
  readonly issuer: string;
  readonly issueInstant: string;
  readonly nameId: string | undefined;
  readonly confirmationMethods: readonly string[];
  readonly notBefore: string | undefined;
  readonly notOnOrAfter: string | undefined;
  readonly audiences: readonly string[];
  readonly authnContextClassRefs: readonly string[];
  readonly adviceAssertionIdRefs: readonly string[];
  readonly attributes: ReadonlyMap<string, readonly AttributeValue[]>;
}

function only(parent: Element, localName: string, kind: AssertionKind, required: boolean): Element | undefined {
  const found = childElements(parent, SAML_NS, localName);
  if (found.length > 1) throw refuse("1001", kind, `more than one saml:${localName}`);
  if (found.length === 0 && required) throw refuse("1001", kind, `saml:${localName} is missing`);
  return found[0];
}

function text(e: Element | undefined): string | undefined {
  const t = e?.textContent?.trim();
  return t ? t : undefined;
}

function attributeValue(v: Element): AttributeValue {
  const elements: Element[] = [];
  for (let c = v.firstChild; c; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE) elements.push(c as Element);
  const [first] = elements;
  if (elements.length === 1 && first) {
    return {
      text: (first.getAttribute("code") ?? "").trim(),
      coded: { localName: first.localName ?? "", code: (first.getAttribute("code") ?? "").trim(), codeSystem: first.getAttribute("codeSystem"), displayName: first.getAttribute("displayName") },
    };
  }
  return { text: (v.textContent ?? "").trim() };
}

export function readAssertion(root: Element, kind: AssertionKind): RawAssertion {
  if (root.namespaceURI !== SAML_NS || root.localName !== "Assertion") throw refuse("1001", kind, "the signed element is not a saml:Assertion");
  if (root.getAttribute("Version") !== "2.0") throw refuse("1001", kind, "Version is not 2.0");
  const id = root.getAttribute("ID") ?? "";
  const issueInstant = root.getAttribute("IssueInstant") ?? "";
  const issuer = text(only(root, "Issuer", kind, true)) ?? "";

  const subject = only(root, "Subject", kind, true) as Element;
  const nameId = text(only(subject, "NameID", kind, false));
  const confirmationMethods = childElements(subject, SAML_NS, "SubjectConfirmation").map((c) => c.getAttribute("Method") ?? "");

  const conditions = only(root, "Conditions", kind, true) as Element;
  const audiences = childElements(conditions, SAML_NS, "AudienceRestriction").flatMap((r) => childElements(r, SAML_NS, "Audience").map((a) => text(a) ?? ""));

  const authnContextClassRefs = childElements(root, SAML_NS, "AuthnStatement").flatMap((s) =>
    childElements(s, SAML_NS, "AuthnContext").flatMap((c) => childElements(c, SAML_NS, "AuthnContextClassRef").map((r) => text(r) ?? "")),
  );
  const advice = only(root, "Advice", kind, false);
  const adviceAssertionIdRefs = advice ? childElements(advice, SAML_NS, "AssertionIDRef").map((r) => text(r) ?? "") : [];

  const attributes = new Map<string, AttributeValue[]>();
  for (const statement of childElements(root, SAML_NS, "AttributeStatement")) {
    for (const attribute of childElements(statement, SAML_NS, "Attribute")) {
      const name = attribute.getAttribute("Name") ?? "";
      if (attributes.has(name)) throw refuse("1001", kind, `attribute ${name} appears twice`);
      attributes.set(name, childElements(attribute, SAML_NS, "AttributeValue").map(attributeValue));
    }
  }
  return {
    kind,
    id,
    issuer,
    issueInstant,
    nameId,
    confirmationMethods,
    notBefore: conditions.getAttribute("NotBefore") ?? undefined,
    notOnOrAfter: conditions.getAttribute("NotOnOrAfter") ?? undefined,
    audiences,
    authnContextClassRefs,
    adviceAssertionIdRefs,
    attributes,
  };
}
