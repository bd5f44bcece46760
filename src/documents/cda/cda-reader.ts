// Safe reading of a received CDA document (the country-A side of XDR eDispensation): a size limit,
// no DOCTYPE (hence no entity expansion, XXE or billion laughs), namespace-aware XPath over
// @xmldom/xmldom. And the reverse of datatypes.ts for the few types a parser needs back: II, CD,
// PQ, TS, PN, AD, TEL. Every failure is a PasserelleError with the code the caller chooses.
import { DOMParser, type Document, type Element, type Node } from "@xmldom/xmldom";
import xpath from "xpath";
import type { Address, Coded, ContactPoint, HumanName, Identifier, Quantity } from "../../canonical/model";
import { PasserelleError, type ErrorCode } from "../../shared/errors";

export const CDA_NAMESPACES = { hl7: "urn:hl7-org:v3", pharm: "urn:hl7-org:pharm" } as const;
const select = xpath.useNamespaces(CDA_NAMESPACES);

export interface ReadOptions {
  /** Largest accepted document in bytes (default 5 MB; eDispensations are a few tens of KB). */
  maxBytes?: number;
  /** The error code for every failure (e.g. DISPENSATION_INVALID). */
  code: ErrorCode;
}

export const DEFAULT_MAX_CDA_BYTES = 5 * 1024 * 1024;

/** Parse a CDA document safely; the root must be hl7:ClinicalDocument. */
export function readCda(xml: string, options: ReadOptions): Document {
  const fail = (message: string, location?: string) => new PasserelleError(options.code, message, location ? { location } : {});
  const max = options.maxBytes ?? DEFAULT_MAX_CDA_BYTES;
  const size = Buffer.byteLength(xml, "utf8");
  if (size > max) throw fail(`document is ${size} bytes, over the limit of ${max}`);
  // No DTD at all: internal subsets declare entities (expansion attacks), external ones fetch files.
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) throw fail("document has a DOCTYPE declaration, which is refused");
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") throw new Error(message);
      },
    }).parseFromString(xml, "text/xml");
  } catch (e) {
    throw fail(`not well-formed XML: ${(e as Error).message.split("\n")[0]}`);
  }
  const root = doc.documentElement;
  if (!root || root.localName !== "ClinicalDocument" || root.namespaceURI !== CDA_NAMESPACES.hl7) {
    const found = root ? `{${root.namespaceURI ?? ""}}${root.localName}` : "nothing";
    throw fail(`root element is ${found}, not a CDA ClinicalDocument in ${CDA_NAMESPACES.hl7}`, "/");
  }
  return doc;
}

/** Elements matching a namespace-prefixed XPath (hl7:, pharm:) from a context node. */
export function all(context: Node, expr: string): Element[] {
  const r = select(expr, context as unknown as Parameters<typeof select>[1]);
  return Array.isArray(r) ? (r as unknown as Node[]).filter((n) => n.nodeType === 1).map((n) => n as Element) : [];
}

export function first(context: Node, expr: string): Element | undefined {
  return all(context, expr)[0];
}

/** An attribute value, undefined when absent or blank. */
export function attr(e: Element | undefined, name: string): string | undefined {
  const v = e?.getAttribute(name);
  return v === null || v === undefined || v.trim() === "" ? undefined : v.trim();
}

/** Text content with whitespace runs collapsed (pretty-printed names span lines). */
export function text(e: Element | undefined): string | undefined {
  const t = e?.textContent?.replace(/\s+/g, " ").trim();
  return t ? t : undefined;
}

/** An element's path from the root, for error locations: /ClinicalDocument/component/... */
export function pathOf(e: Element): string {
  const parts: string[] = [];
  let n: Node | null = e;
  while (n && n.nodeType === 1) {
    const el = n as Element;
    const siblings = el.parentNode ? Array.from(el.parentNode.childNodes).filter((c) => c.nodeType === 1 && (c as Element).localName === el.localName) : [];
    const index = siblings.length > 1 ? `[${siblings.indexOf(el) + 1}]` : "";
    parts.unshift(`${el.localName}${index}`);
    n = el.parentNode;
  }
  return `/${parts.join("/")}`;
}

/** II → Identifier (root as system); undefined for a nullFlavor or missing root. */
export function readIi(e: Element | undefined): Identifier | undefined {
  const root = attr(e, "root");
  if (!e || !root || attr(e, "nullFlavor")) return undefined;
  return { system: root, value: attr(e, "extension") ?? "" };
}

/** CD/CE → Coded; undefined when it has no code (nullFlavor). */
export function readCoded(e: Element | undefined): Coded | undefined {
  const code = attr(e, "code");
  const system = attr(e, "codeSystem");
  if (!e || !code || !system) return undefined;
  const c: Coded = { code, system };
  const systemName = attr(e, "codeSystemName");
  const display = attr(e, "displayName");
  if (systemName) c.systemName = systemName;
  if (display) c.display = display;
  return c;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function isDecimal(v: string): boolean {
  return DECIMAL.test(v);
}

/** PQ → Quantity; undefined for a nullFlavor or no value. Throws on a non-numeric value. */
export function readPq(e: Element | undefined, code: ErrorCode): Quantity | undefined {
  if (!e || attr(e, "nullFlavor")) return undefined;
  const value = attr(e, "value");
  if (value === undefined) return undefined;
  if (!isDecimal(value)) throw new PasserelleError(code, `${pathOf(e)}/@value is not a number: "${value}"`, { location: `${pathOf(e)}/@value`, value });
  return { value, unit: attr(e, "unit") ?? "1" };
}

const TS = /^(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})(\d{2})?(?:\.\d+)?)?([+-]\d{4})?$/;

/** HL7 TS → ISO 8601 with the same precision (20240911134356+0200 → 2024-09-11T13:43:56+02:00). */
export function tsToIso(value: string, code: ErrorCode, location: string): string {
  const m = TS.exec(value);
  if (!m) throw new PasserelleError(code, `${location} is not an HL7 timestamp: "${value}"`, { location, value });
  const [, y, mo, d, h, mi, s, zone] = m;
  if (!mo) return y!;
  if (!d) return `${y}-${mo}`;
  if (!h) return `${y}-${mo}-${d}`;
  const offset = zone ? `${zone.slice(0, 3)}:${zone.slice(3)}` : "";
  return `${y}-${mo}-${d}T${h}:${mi}:${s ?? "00"}${offset}`;
}

/** PN → HumanName (prefix, given, family, suffix; or text for an unstructured name). */
export function readName(e: Element | undefined): HumanName | undefined {
  if (!e || attr(e, "nullFlavor")) return undefined;
  const parts = (local: string) => all(e, `hl7:${local}`).map(text).filter((t): t is string => !!t);
  const name: HumanName = { given: parts("given") };
  const family = parts("family");
  if (family.length > 0) name.family = family.join(" ");
  const prefix = parts("prefix");
  const suffix = parts("suffix");
  if (prefix.length > 0) name.prefix = prefix;
  if (suffix.length > 0) name.suffix = suffix;
  if (!name.family && name.given.length === 0 && !name.prefix && !name.suffix) {
    const t = text(e);
    if (!t) return undefined;
    name.text = t;
  }
  return name;
}

const ADDRESS_USE: Record<string, Address["use"]> = { H: "home", HP: "home", HV: "home", WP: "work", TMP: "temp", OLD: "old" };

/** AD → Address; nullFlavored parts are left out; undefined when nothing is left. */
export function readAddress(e: Element | undefined): Address | undefined {
  if (!e || attr(e, "nullFlavor")) return undefined;
  const part = (local: string) => {
    const p = first(e, `hl7:${local}`);
    return p && !attr(p, "nullFlavor") ? text(p) : undefined;
  };
  const lines = all(e, "hl7:streetAddressLine").filter((l) => !attr(l, "nullFlavor")).map(text).filter((t): t is string => !!t);
  const street = [part("streetName"), part("houseNumber")].filter(Boolean).join(" ");
  if (lines.length === 0 && street) lines.push(street);
  const a: Address = { lines };
  const set = <K extends keyof Address>(k: K, v: Address[K] | undefined) => {
    if (v !== undefined) a[k] = v;
  };
  set("postalCode", part("postalCode"));
  set("city", part("city"));
  set("state", part("state"));
  set("country", part("country"));
  const use = attr(e, "use");
  if (use && ADDRESS_USE[use]) a.use = ADDRESS_USE[use];
  return lines.length === 0 && !a.postalCode && !a.city && !a.state && !a.country ? undefined : a;
}

const TELECOM_USE: Record<string, ContactPoint["use"]> = { H: "home", HP: "home", WP: "work", MC: "mobile", TMP: "temp", OLD: "old" };

/** TEL → ContactPoint by URL scheme (tel:, fax:, mailto:, http(s):). */
export function readTelecom(e: Element): ContactPoint | undefined {
  const value = attr(e, "value");
  if (!value || attr(e, "nullFlavor")) return undefined;
  const m = /^([a-z]+):(.*)$/i.exec(value);
  const scheme = m?.[1]?.toLowerCase();
  let c: ContactPoint;
  if (scheme === "tel") c = { system: "phone", value: m![2]! };
  else if (scheme === "fax") c = { system: "fax", value: m![2]! };
  else if (scheme === "mailto") c = { system: "email", value: m![2]! };
  else if (scheme === "http" || scheme === "https") c = { system: "url", value };
  else c = { system: "other", value };
  const use = attr(e, "use");
  if (use && TELECOM_USE[use]) c.use = TELECOM_USE[use];
  return c;
}

export function readTelecoms(parent: Element | undefined): ContactPoint[] {
  if (!parent) return [];
  return all(parent, "hl7:telecom").map(readTelecom).filter((c): c is ContactPoint => !!c);
}
