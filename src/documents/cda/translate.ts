// Country-B translation of a pivot CDA (REFERENCE.md "Friendly vs pivot": country B translates the
// pivot's display names into its language, keeping the original in <translation>).
//
// For every coded element (an element with @code and @codeSystem, outside <translation>):
//  - a designation in the target language exists: displayName becomes it, and the pivot code with
//    its original (English) display is added as a <translation> child (after any existing one, as
//    the CD content model orders originalText, qualifier, translation);
//  - none: the element is left as it is (English) and listed in `untranslated`;
//  - target "en": the pivot is English already; only a missing displayName is filled in.
// Section titles, and the document title, become the designation of their code.
// The narrative text (section/text) is country A's and is not touched; languageCode is left as is.
// A pivot's enveloped ds:Signature would no longer verify after the change: it is removed, and the
// result says so (the caller keeps the signed pivot as received).
import { XMLSerializer, type Document, type Element, type Node } from "@xmldom/xmldom";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { removeEnvelopedSignatures } from "../../signing/dom";
import { catalogueLanguage, displayIn } from "../../terminology/catalogue";
import type { Terminology } from "../../terminology/types";
import { CDA_NAMESPACES, readCda } from "./cda-reader";

export interface TranslationResult {
  xml: string;
  language: "en" | "fr" | "de";
  /** Coded elements whose displayName was rendered in the target language. */
  translated: number;
  /** Codes with no designation in the target language (left in English), each once. */
  untranslated: { code: string; codeSystem: string }[];
  /** Section and document titles replaced. */
  titles: number;
  signatureRemoved: boolean;
}

function elementChildren(e: Node): Element[] {
  return Array.from(e.childNodes).filter((c) => c.nodeType === 1) as Element[];
}

// Coded elements whose data type admits no <translation> child (CDA R2 XSD: EIVL.event has empty
// content; a qualifier's name is CV): left untouched so the document stays schema-valid.
const NO_TRANSLATION_CHILD = new Set(["event", "name"]);

function codedElements(root: Element, out: Element[] = []): Element[] {
  for (const c of elementChildren(root)) {
    if (c.localName === "translation") continue; // originals, kept as they are
    if (c.hasAttribute("code") && c.hasAttribute("codeSystem") && !NO_TRANSLATION_CHILD.has(c.localName ?? "")) out.push(c);
    codedElements(c, out);
  }
  return out;
}

function childNamed(e: Element, name: string): Element | undefined {
  return elementChildren(e).find((c) => c.localName === name && c.namespaceURI === CDA_NAMESPACES.hl7);
}

function setText(e: Element, text: string): void {
  while (e.firstChild) e.removeChild(e.firstChild);
  e.appendChild(e.ownerDocument!.createTextNode(text));
}

/** Translate a pivot CDA (string) into fr, de or en display names. */
export function translateCda(xml: string, terminology: Terminology, language: string): TranslationResult {
  const lang = catalogueLanguage(language);
  if (!lang) throw new PasserelleError(ErrorCode.InputInvalid, `Translation language "${language}" is not one of en, fr, de`, { location: "language" });
  const doc: Document = readCda(xml, { code: ErrorCode.DocumentInvalid });
  const root = doc.documentElement!;
  const untranslated = new Map<string, { code: string; codeSystem: string }>();
  let translated = 0;

  for (const e of codedElements(root)) {
    const code = e.getAttribute("code")!;
    const system = e.getAttribute("codeSystem")!;
    const shown = displayIn(terminology, system, code, lang);
    const original = e.getAttribute("displayName");
    if (lang === "en" || shown?.language !== lang) {
      if (lang !== "en") untranslated.set(`${system}|${code}`, { code, codeSystem: system });
      if (!original && shown) e.setAttribute("displayName", shown.text);
      continue;
    }
    const t = doc.createElementNS(CDA_NAMESPACES.hl7, "translation");
    t.setAttribute("code", code);
    t.setAttribute("codeSystem", system);
    const systemName = e.getAttribute("codeSystemName");
    if (systemName) t.setAttribute("codeSystemName", systemName);
    t.setAttribute("displayName", original ?? displayIn(terminology, system, code, "en")?.text ?? code);
    e.appendChild(t);
    e.setAttribute("displayName", shown.text);
    translated++;
  }

  // Titles: each section's title (and the document's) from its code's designation.
  let titles = 0;
  const retitle = (owner: Element): void => {
    const code = childNamed(owner, "code");
    const title = childNamed(owner, "title");
    if (!code || !title) return;
    const shown = displayIn(terminology, code.getAttribute("codeSystem") ?? "", code.getAttribute("code") ?? "", lang);
    if (shown?.language === lang && lang !== "en") {
      setText(title, shown.text);
      titles++;
    }
  };
  retitle(root);
  const sections = (n: Element): void => {
    for (const c of elementChildren(n)) {
      if (c.localName === "section" && c.namespaceURI === CDA_NAMESPACES.hl7) retitle(c);
      sections(c);
    }
  };
  sections(root);

  const signatureRemoved = removeEnvelopedSignatures(doc) > 0;

  return {
    xml: new XMLSerializer().serializeToString(doc), language: lang, translated,
    untranslated: [...untranslated.values()], titles, signatureRemoved,
  };
}
