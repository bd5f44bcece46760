// ebXML Registry Information Model 3.0 pieces shared by XCA and XDR (IHE ITI TF-3 §4.2 metadata):
// Slots, localized names, Classifications, ExternalIdentifiers, and the RegistryErrorList with the
// response status. Writers produce rim:/rs: prefixed elements (the prefixes are declared by the
// message that holds them: see RIM_PREFIXES); readers work on any prefix.
import { createHash } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { el, type XElement } from "../shared/xml";
import { ErrorSeverity, ResponseStatus, RIM_NS, RS_NS, Xds, type ResponseStatusName } from "./namespaces";
import { attrOf, childElements, elementChildren, readFailure } from "./xml-read";

export const RIM_PREFIXES = { "xmlns:rim": RIM_NS, "xmlns:rs": RS_NS } as const;

export function slot(name: string, values: Array<string | number>): XElement {
  return el("rim:Slot", { name }, el("rim:ValueList", {}, values.map((v) => el("rim:Value", {}, String(v)))));
}

export function localized(kind: "Name" | "Description", value: string): XElement {
  return el(`rim:${kind}`, {}, el("rim:LocalizedString", { value }));
}

/**
 * A stable urn:uuid for a registry object, derived from what it stands for (so the same document gives
 * the same entryUUID in every answer while it is unchanged). RFC 9562 §5.8 (version 8) layout over a
 * SHA-256 digest.
 */
export function stableUuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export interface CodeDisplay {
  code: string;
  display: string;
}

export function classification(args: { scheme: string; object: string; node: string; codingScheme?: string; display?: string; slots?: XElement[] }): XElement {
  return el(
    "rim:Classification",
    { classificationScheme: args.scheme, classifiedObject: args.object, id: stableUuid(args.object, args.scheme, args.node, args.codingScheme ?? ""), nodeRepresentation: args.node },
    args.codingScheme !== undefined ? slot("codingScheme", [args.codingScheme]) : undefined,
    args.slots,
    args.display !== undefined ? localized("Name", args.display) : undefined,
  );
}

export function externalIdentifier(args: { scheme: string; object: string; value: string; name: string }): XElement {
  return el(
    "rim:ExternalIdentifier",
    { id: stableUuid(args.object, args.scheme), identificationScheme: args.scheme, objectType: Xds.externalIdentifierType, registryObject: args.object, value: args.value },
    localized("Name", args.name),
  );
}

// ---- errors and status ------------------------------------------------------------------------

export interface RegistryErrorInput {
  /** An eHDSI / XDS error code, e.g. 4202, ERROR_PS_NOT_FOUND, XDSRegistryError. */
  errorCode: string;
  /** Human-readable context. */
  codeContext: string;
  location?: string;
  severity?: "error" | "warning";
}

export function registryErrorList(errors: RegistryErrorInput[]): XElement | undefined {
  if (errors.length === 0) return undefined;
  const highest = errors.some((e) => (e.severity ?? "error") === "error") ? ErrorSeverity.error : ErrorSeverity.warning;
  return el(
    "rs:RegistryErrorList",
    { highestSeverity: highest },
    errors.map((e) => el("rs:RegistryError", { errorCode: e.errorCode, codeContext: e.codeContext, location: e.location ?? "", severity: ErrorSeverity[e.severity ?? "error"] })),
  );
}

/** ITI TF-3 4.2.4: Success without errors; Failure when errors and no result; PartialSuccess when both. */
export function statusFor(errors: RegistryErrorInput[], resultCount: number): ResponseStatusName {
  const failed = errors.some((e) => (e.severity ?? "error") === "error");
  if (!failed) return "success";
  return resultCount > 0 ? "partialSuccess" : "failure";
}

export function statusUri(status: ResponseStatusName): string {
  return ResponseStatus[status];
}

// ---- reading ----------------------------------------------------------------------------------

export function readSlots(owner: Element): Map<string, string[]> {
  const slots = new Map<string, string[]>();
  for (const s of childElements(owner, RIM_NS, "Slot")) {
    const name = attrOf(s, "name");
    if (!name) throw readFailure("structure", "a rim:Slot has no name", "Slot/@name");
    if (slots.has(name)) throw readFailure("structure", `slot ${name} appears twice`, `Slot[@name='${name}']`);
    const list = childElements(s, RIM_NS, "ValueList")[0];
    slots.set(name, list ? childElements(list, RIM_NS, "Value").map((v) => (v.textContent ?? "").trim()) : []);
  }
  return slots;
}

export function readLocalized(owner: Element, kind: "Name" | "Description"): string | undefined {
  const holder = childElements(owner, RIM_NS, kind)[0];
  const ls = holder ? childElements(holder, RIM_NS, "LocalizedString")[0] : undefined;
  return attrOf(ls, "value");
}

export interface ReadClassification {
  scheme: string | undefined;
  node: string | undefined;
  codingScheme: string | undefined;
  name: string | undefined;
  slots: Map<string, string[]>;
}

export function readClassifications(owner: Element): ReadClassification[] {
  return childElements(owner, RIM_NS, "Classification").map((c) => {
    const slots = readSlots(c);
    return { scheme: attrOf(c, "classificationScheme"), node: c.getAttribute("nodeRepresentation") ?? undefined, codingScheme: slots.get("codingScheme")?.[0], name: readLocalized(c, "Name"), slots };
  });
}

export function readExternalIdentifiers(owner: Element): Map<string, string> {
  const ids = new Map<string, string>();
  for (const x of childElements(owner, RIM_NS, "ExternalIdentifier")) {
    const scheme = attrOf(x, "identificationScheme");
    const value = attrOf(x, "value");
    if (scheme && value !== undefined) ids.set(scheme, value);
  }
  return ids;
}

export interface ReadRegistryError {
  errorCode: string;
  codeContext: string;
  location: string | undefined;
  severity: "error" | "warning";
}

/** The rs:RegistryError children of a RegistryErrorList child of `owner` (if any). */
export function readRegistryErrors(owner: Element): ReadRegistryError[] {
  const list = childElements(owner, RS_NS, "RegistryErrorList")[0];
  if (!list) return [];
  return elementChildren(list).map((e) => ({
    errorCode: attrOf(e, "errorCode") ?? "",
    codeContext: e.getAttribute("codeContext") ?? "",
    location: attrOf(e, "location"),
    severity: attrOf(e, "severity") === ErrorSeverity.warning ? "warning" : "error",
  }));
}

export function readStatus(owner: Element): ResponseStatusName {
  const uri = attrOf(owner, "status");
  const found = (Object.keys(ResponseStatus) as ResponseStatusName[]).find((k) => ResponseStatus[k] === uri);
  if (!found) throw readFailure("structure", `unknown response status ${JSON.stringify(uri)}`, "@status");
  return found;
}
