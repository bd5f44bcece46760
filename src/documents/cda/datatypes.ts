// CDA R2 data type renderers (HL7 V3 Data Types R1 as constrained by CDA_Pharma.xsd
// coreschemas/datatypes-base.xsd). Pure functions: canonical values in, XElement out. Every CDA
// builder (PS, eP, eD, L1) renders CD/TS/IVL_TS/PN/AD/TEL/PQ/RTO/II through this module so that
// the XSD lexical rules are enforced in one place.
import type { Address, Coded, Concept, ContactPoint, HumanName, Identifier, Period, Quantity, Ratio } from "../../canonical/model";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { cleanXmlText, el, type XChild, type XElement } from "../../shared/xml";
import { codeSystemName } from "../../terminology/code-systems";
import type { PivotCoded } from "../../terminology/types";

export const HL7_NS = "urn:hl7-org:v3";
export const PHARM_NS = "urn:hl7-org:pharm";
export const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";

function invalid(message: string, location?: string): PasserelleError {
  return new PasserelleError(ErrorCode.DocumentInvalid, message, location ? { location } : {});
}

// ---- Coded elements (CD / CE) ------------------------------------------------------------------

/** A free-text attribute (displayName, codeSystemName): XSD `st` needs at least one character, so
 *  a value that is empty once non-XML characters are dropped is left out. */
export function textAttr(s: string | undefined): string | undefined {
  return s !== undefined && cleanXmlText(s).trim() !== "" ? s : undefined;
}

/** A code attribute: XSD `cs` is one or more non-space characters. */
export function codeAttr(code: string, location: string): string {
  if (!/^[^\s]+$/.test(code) || cleanXmlText(code) !== code) throw invalid(`code "${code}" is not a valid CDA code (no spaces or control characters)`, location);
  return code;
}

export interface CodedOptions {
  /** xsi:type to write (CD for observation values, CE where the template says so). */
  xsiType?: "CD" | "CE";
  /** ID of the narrative element this concept is shown in: `<originalText><reference value="#ID"/>`. */
  ref?: string;
}

/** `<translation>` for the source (national or friendly) code kept beside the pivot code. */
export function translation(source: Coded, name = "translation"): XElement {
  return el(name, {
    code: codeAttr(source.code, name),
    codeSystem: source.system,
    codeSystemName: textAttr(source.systemName ?? codeSystemName(source.system)),
    displayName: textAttr(source.display),
  });
}

/** originalText: a reference to the narrative (CDA R2 §4.3.5.1) when there is one, else the source's own text. */
function originalText(ref: string | undefined, text: string | undefined): XElement | undefined {
  if (ref) return el("originalText", {}, el("reference", { value: `#${ref}` }));
  if (text) return el("originalText", {}, text);
  return undefined;
}

/**
 * A coded element from its pivot form: the MVC code with English display name, the source code as
 * `<translation>` (eHDSI: "the original national code stays as translation"), or a nullFlavor with
 * originalText when there is no MVC code. CD content order (XSD): originalText, qualifier, translation.
 */
export function coded(name: string, pc: PivotCoded, options: CodedOptions = {}): XElement {
  const type = options.xsiType ? { "xsi:type": options.xsiType } : {};
  // A translation identical to the pivot code adds nothing.
  const keep = pc.translation && !(pc.kind === "code" && pc.translation.code === pc.code.code && pc.translation.system === pc.code.system);
  const children: XChild[] = [originalText(options.ref, pc.originalText), keep && pc.translation ? translation(pc.translation) : undefined];
  if (pc.kind === "code") {
    return el(
      name,
      {
        ...type,
        code: codeAttr(pc.code.code, name),
        codeSystem: pc.code.system,
        codeSystemName: textAttr(pc.code.systemName),
        displayName: textAttr(pc.code.display),
      },
      children,
    );
  }
  return el(name, { ...type, nullFlavor: pc.nullFlavor }, children);
}

/** A coded element, or nothing when transcoding says it is not emitted (usage O/NA with no value). */
export function codedIf(name: string, pc: PivotCoded | undefined, options: CodedOptions = {}): XElement | undefined {
  return pc ? coded(name, pc, options) : undefined;
}

/**
 * A coded element with no MVC binding (vital sign and result codes, body sites, ...): the source
 * code as given; a concept known only as text becomes nullFlavor="OTH" with that originalText.
 */
export function sourceCoded(name: string, concept: Concept | undefined, options: CodedOptions = {}): XElement {
  const type = options.xsiType ? { "xsi:type": options.xsiType } : {};
  const text = originalText(options.ref, concept?.text);
  const c = concept?.coding;
  if (!c) return el(name, { ...type, nullFlavor: concept?.text ? "OTH" : "UNK" }, text);
  return el(
    name,
    { ...type, code: codeAttr(c.code, name), codeSystem: c.system, codeSystemName: textAttr(c.systemName ?? codeSystemName(c.system)), displayName: textAttr(c.display) },
    text,
  );
}

/** A fixed code (template-defined, e.g. `CONC`, LOINC section codes): no transcoding involved. */
export function fixedCode(name: string, code: string, system: string, display?: string, systemName?: string): XElement {
  return el(name, { code, codeSystem: system, codeSystemName: textAttr(systemName ?? codeSystemName(system)), displayName: textAttr(display) });
}

// ---- Time (TS, IVL_TS) ---------------------------------------------------------------------------

const ISO_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * ISO 8601 (FHIR date / dateTime) → HL7 TS literal. Partial dates keep their precision
 * (1968 → 1968, 1968-10 → 196810); date-times keep their offset (…T11:18:54+02:00 →
 * 20240603111854+0200, Z → +0000). XSD `ts`: a date alone never carries an offset.
 */
export function toTs(iso: string, location = "date"): string {
  const d = ISO_DATE.exec(iso);
  if (d) {
    const [, y, m, day] = d;
    checkCalendar(iso, Number(y), m ? Number(m) : 1, day ? Number(day) : 1, location);
    return `${y}${m ?? ""}${day ?? ""}`;
  }
  const t = ISO_DATE_TIME.exec(iso);
  if (!t) throw invalid(`not an ISO 8601 date or date-time: "${iso}"`, location);
  const [, y, mo, day, h, mi, s, zone] = t;
  checkCalendar(iso, Number(y), Number(mo), Number(day), location);
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) throw invalid(`time out of range: "${iso}"`, location);
  const base = `${y}${mo}${day}${h}${mi}${s ?? "00"}`;
  if (!zone) return base;
  if (zone === "Z") return `${base}+0000`;
  return base + zone.replace(":", "");
}

function checkCalendar(iso: string, y: number, m: number, d: number, location: string): void {
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) {
    throw invalid(`not a calendar date: "${iso}"`, location);
  }
}

/** An instant (e.g. ctx.now()) as a TS in UTC: YYYYMMDDHHMMSS+0000. */
export function instantTs(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}+0000`;
}

/** `<name value="TS"/>`, or `<name nullFlavor="UNK"/>` when the date is not known. */
export function ts(name: string, iso: string | undefined, attrs: Record<string, string> = {}): XElement {
  if (!iso) return el(name, { ...attrs, nullFlavor: "UNK" });
  return el(name, { ...attrs, value: toTs(iso, name) });
}

/**
 * IVL_TS with low/high. A missing bound is `nullFlavor="UNK"` on low (unknown start) and omitted
 * on high (still ongoing), as the Wave 8 samples do; no bound at all gives `nullFlavor="UNK"`.
 */
export function ivlTs(name: string, period: Period | undefined, options: { xsiType?: boolean } = {}): XElement {
  const type = options.xsiType === false ? {} : { "xsi:type": "IVL_TS" };
  if (!period || (!period.start && !period.end)) return el(name, { ...type, nullFlavor: "UNK" });
  return el(
    name,
    type,
    period.start ? el("low", { value: toTs(period.start, `${name}/low`) }) : el("low", { nullFlavor: "UNK" }),
    period.end ? el("high", { value: toTs(period.end, `${name}/high`) }) : undefined,
  );
}

// ---- Names, addresses, telecom --------------------------------------------------------------------

/** PN: prefix, given names, family, suffix; a name known only as text is written as text. */
export function personName(n: HumanName | undefined, name = "name"): XElement {
  if (!n) return el(name, { nullFlavor: "UNK" });
  const given = n.given ?? [];
  const parts: XChild[] = [
    (n.prefix ?? []).map((p) => el("prefix", {}, p)),
    given.map((g) => el("given", {}, g)),
    n.family ? el("family", {}, n.family) : undefined,
    (n.suffix ?? []).map((s) => el("suffix", {}, s)),
  ];
  const structured = (n.prefix?.length ?? 0) + given.length + (n.family ? 1 : 0) + (n.suffix?.length ?? 0) > 0;
  if (structured) return el(name, {}, parts);
  if (n.text) return el(name, {}, n.text);
  return el(name, { nullFlavor: "UNK" });
}

const ADDRESS_USE: Record<NonNullable<Address["use"]>, string | undefined> = {
  home: "H",
  work: "WP",
  temp: "TMP",
  old: "OLD",
  billing: undefined,
};

/** AD: street lines, postal code, city, state, country (ISO 3166-1 alpha-2, as eHDSI asks). */
export function address(a: Address | undefined, name = "addr"): XElement {
  if (!a) return el(name, { nullFlavor: "UNK" });
  const children: XChild[] = [
    a.lines.map((l) => el("streetAddressLine", {}, l)),
    a.postalCode ? el("postalCode", {}, a.postalCode) : undefined,
    a.city ? el("city", {}, a.city) : undefined,
    a.state ? el("state", {}, a.state) : undefined,
    a.country ? el("country", {}, a.country) : undefined,
  ];
  const empty = a.lines.length === 0 && !a.postalCode && !a.city && !a.state && !a.country;
  return el(name, { use: a.use ? ADDRESS_USE[a.use] : undefined, nullFlavor: empty ? "UNK" : undefined }, children);
}

const TELECOM_USE: Record<NonNullable<ContactPoint["use"]>, string> = {
  home: "H",
  work: "WP",
  temp: "TMP",
  old: "OLD",
  mobile: "MC",
};

/** The TEL URL for a contact point: tel:/fax:/mailto:, http(s) as given (RFC 3966 / RFC 6068). */
export function telecomUrl(c: ContactPoint): string {
  const v = c.value.trim();
  if (/^(tel|fax|mailto|https?):/i.test(v)) return v.replace(/\s+/g, "");
  switch (c.system) {
    case "phone":
    case "sms":
    case "pager":
      return `tel:${v.replace(/[\s.]+/g, "")}`;
    case "fax":
      return `fax:${v.replace(/[\s.]+/g, "")}`;
    case "email":
      return `mailto:${v}`;
    case "url":
      return v;
    default:
      throw invalid(`contact point of system "${c.system}" has no TEL URL scheme`, "telecom");
  }
}

export function telecom(c: ContactPoint, name = "telecom"): XElement {
  const use = c.use === "mobile" || c.system === "sms" ? "MC" : c.use ? TELECOM_USE[c.use] : undefined;
  return el(name, { use, value: telecomUrl(c) });
}

/** Contact points that can be written as TEL (system "other" is dropped: it has no URL scheme). */
export function telecoms(list: ContactPoint[] | undefined, name = "telecom"): XElement[] {
  return (list ?? []).filter((c) => c.system !== "other" && c.value.trim() !== "").map((c) => telecom(c, name));
}

// ---- Quantities ------------------------------------------------------------------------------------

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const UCUM_UNIT = /^[!-~]+$/; // UCUM case-sensitive codes: printable ASCII, no spaces

/** Check a quantity against XSD `real` and the UCUM lexical form (no spaces). */
export function checkQuantity(q: Quantity, location: string): void {
  if (!DECIMAL.test(q.value)) throw invalid(`quantity value is not a decimal: "${q.value}"`, location);
  if (!UCUM_UNIT.test(q.unit)) throw invalid(`quantity unit is not a UCUM code: "${q.unit}"`, location);
}

/** PQ: `<name value= unit=/>` with a UCUM unit ("1" when dimensionless). */
export function pq(name: string, q: Quantity, options: { xsiType?: boolean } = {}): XElement {
  checkQuantity(q, name);
  return el(name, { "xsi:type": options.xsiType ? "PQ" : undefined, value: q.value, unit: q.unit });
}

/** RTO<PQ,PQ> (strength, e.g. 500 mg / 1 tablet): numerator and denominator in the HL7 namespace. */
export function rto(name: string, r: Ratio, options: { xsiType?: boolean } = {}): XElement {
  return el(
    name,
    { "xsi:type": options.xsiType ? "RTO_PQ_PQ" : undefined },
    pq("numerator", r.numerator, { xsiType: true }),
    pq("denominator", r.denominator, { xsiType: true }),
  );
}

// ---- Identifiers ------------------------------------------------------------------------------------

const OID = /^[0-2](\.(0|[1-9][0-9]*))*$/;
const UUID = /^[0-9a-zA-Z]{8}-[0-9a-zA-Z]{4}-[0-9a-zA-Z]{4}-[0-9a-zA-Z]{4}-[0-9a-zA-Z]{12}$/;

export function isUid(root: string): boolean {
  return OID.test(root) || UUID.test(root);
}

/** II: root (an OID or UUID, XSD `uid`) and extension. */
export function ii(id: Identifier | { root: string; extension?: string }, name = "id"): XElement {
  const root = "system" in id ? id.system : id.root;
  const extension = "system" in id ? id.value : id.extension;
  if (!isUid(root)) throw invalid(`identifier root is not an OID or UUID: "${root}"`, name);
  return el(name, { root, extension });
}

// ---- Dosage timing (PIVL_TS, EIVL_TS) -------------------------------------------------------------

/** PIVL_TS: a dose every `period` (e.g. 8 h), in the intersected (`operator="A"`) position. */
export function pivlTs(name: string, period: Quantity, institutionSpecified = false): XElement {
  return el(name, { "xsi:type": "PIVL_TS", institutionSpecified: String(institutionSpecified), operator: "A" }, pq("period", period));
}

/** v3 TimingEvent codes: the enumeration EIVL.event/@code admits (coreschemas/voc.xsd). */
export const TIMING_EVENTS: ReadonlySet<string> = new Set(["AC", "ACD", "ACM", "ACV", "HS", "IC", "ICD", "ICM", "ICV", "PC", "PCD", "PCM", "PCV", "CM", "CD", "CV"]);

/** EIVL_TS: a dose tied to an event (v3 TimingEvent 2.16.840.1.113883.5.139: ACM, HS, ...). */
export function eivlTs(name: string, event: string): XElement {
  if (!TIMING_EVENTS.has(event)) throw invalid(`not a v3 TimingEvent code: "${event}"`, name);
  return el(name, { "xsi:type": "EIVL_TS", operator: "A" }, el("event", { code: event, codeSystem: "2.16.840.1.113883.5.139" }));
}
