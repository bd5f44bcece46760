// Pieces of a prescribed-medication entry shared by the eP item (substanceAdministration …3.2) and
// the eD's reference to it (supply …3.3 / entryRelationship REFR / substanceAdministration):
// status, dosage timing, dose, route, quantity of packages, substitution permission.
import type { Dosage, PrescriptionItem, PrescriptionStatus, Quantity } from "../../canonical/model";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { el, type XChild, type XElement } from "../../shared/xml";
import { binding } from "../../terminology/bindings";
import { CodeSystems } from "../../terminology/code-systems";
import type { DocumentKind } from "../../terminology/types";
import { transcode } from "../../terminology/transcode";
import type { DocumentContext } from "../context";
import { coded, eivlTs, fixedCode, isUid, ivlTs, pivlTs, pq } from "./datatypes";
import type { InstanceId } from "./ids";
import { textRef } from "./narrative";

/** v3 ActStatus of an item: completed once fully dispensed, else from the prescription status. */
export function itemStatusCode(status: PrescriptionStatus, item?: PrescriptionItem): string {
  if (item && remainingPackages(item) < 1) return "completed";
  switch (status) {
    case "active":
    case "partially-dispensed":
      return "active";
    case "dispensed":
      return "completed";
    case "cancelled":
      return "cancelled";
    case "expired":
      return "aborted";
  }
}

/**
 * PIVL_TS period of a dosage: FHIR repeat `frequency` per `period` → one dose every period/frequency
 * (3 per 1 d → every 8 h). Decimal division is done in the smaller unit when it is not exact.
 */
export function dosingPeriod(d: Dosage): Quantity | undefined {
  if (!d.period) return undefined;
  const f = d.frequency ?? 1;
  if (!Number.isInteger(f) || f < 1) {
    throw new PasserelleError(ErrorCode.DocumentInvalid, `dosage frequency must be a positive integer: ${f}`, { location: "dosage/frequency" });
  }
  if (f === 1) return d.period;
  const value = Number(d.period.value);
  const exact = value / f;
  const toHours: Record<string, number> = { d: 24, wk: 168 };
  if (!Number.isInteger(exact) && d.period.unit in toHours) {
    const hours = (value * (toHours[d.period.unit] ?? 1)) / f;
    return { value: formatDecimal(hours), unit: "h" };
  }
  return { value: formatDecimal(exact), unit: d.period.unit };
}

function formatDecimal(n: number): string {
  if (!Number.isFinite(n) || n <= 0) {
    throw new PasserelleError(ErrorCode.DocumentInvalid, `dosage period is not a positive number: ${n}`, { location: "dosage/period" });
  }
  return String(Number(n.toFixed(6)));
}

/**
 * The dosage part of substanceAdministration, in XSD order: effectiveTime (IVL_TS treatment
 * period, then PIVL_TS or EIVL_TS frequency), routeCode, doseQuantity. The first structured dosage
 * is coded; every dosage's text is in the narrative (split dosing has no single CDA form here).
 */
export function dosageParts(item: PrescriptionItem, ctx: DocumentContext, doc: DocumentKind): { times: XElement[]; route?: XElement; dose?: XElement } {
  const d = item.dosage[0];
  const times: XElement[] = [ivlTs("effectiveTime", item.period)];
  if (d) {
    const period = dosingPeriod(d);
    if (period) times.push(pivlTs("effectiveTime", period));
    else if (d.when && d.when.length > 0 && d.when[0]) times.push(eivlTs("effectiveTime", d.when[0]));
  }
  const routePivot = d?.route ? transcode(ctx.terminology, d.route, binding("medication.route", doc), doc) : undefined;
  const route = routePivot ? coded("routeCode", routePivot) : undefined;
  const dose = d?.dose ? pq("doseQuantity", d.dose) : undefined;
  return { times, route, dose };
}

/** Packages that may still be dispensed (a partially dispensed item offers only the rest). */
export function remainingPackages(item: PrescriptionItem): number {
  return item.packages - item.packagesDispensed;
}

/**
 * Quantity of packages: entryRelationship COMP / supply RQO (eHDSI eP, IHE PRE). A pharmacy abroad
 * may dispense what remains: the remaining packages while some do; the prescribed number once the
 * item is fully dispensed (its statusCode is then completed).
 */
export function prescribedQuantity(item: PrescriptionItem, validity?: { start?: string; end?: string }): XElement {
  if (!Number.isInteger(item.packages) || item.packages < 1) {
    throw new PasserelleError(ErrorCode.DocumentInvalid, `number of packages must be a positive integer: ${item.packages}`, {
      location: `item ${item.id}/packages`,
    });
  }
  if (!Number.isInteger(item.packagesDispensed) || item.packagesDispensed < 0) {
    throw new PasserelleError(ErrorCode.DocumentInvalid, `packages dispensed must be a whole number >= 0: ${item.packagesDispensed}`, {
      location: `item ${item.id}/packagesDispensed`,
    });
  }
  const remaining = remainingPackages(item);
  const children: XChild[] = [
    validity && (validity.start || validity.end) ? ivlTs("effectiveTime", validity) : undefined,
    el("independentInd", { value: "false" }),
    el("quantity", { value: String(remaining >= 1 ? remaining : item.packages), unit: "1" }),
  ];
  return el("entryRelationship", { typeCode: "COMP" }, el("supply", { classCode: "SPLY", moodCode: "RQO" }, children));
}

/**
 * Substitution permission: entryRelationship SUBJ / observation SUBST (ActClass) whose value is
 * from eHDSISubstitutionCode (2.16.840.1.113883.5.1070): N when not allowed, G (generic) when it is.
 */
export function substitutionPermission(item: PrescriptionItem, ctx: DocumentContext, doc: DocumentKind): XElement | undefined {
  const code = item.substitutionAllowed ? "G" : "N";
  const display = item.substitutionAllowed ? "generic" : "none";
  const system = CodeSystems.substanceAdminSubstitution;
  const pivot = transcode(ctx.terminology, { coding: { code, system: system.oid, systemName: system.name, display } }, binding("substitution.code", doc), doc);
  if (!pivot) return undefined;
  return el("entryRelationship", { typeCode: "SUBJ", inversionInd: "true" }, substitutionObservation(coded("value", pivot, { xsiType: "CE" })));
}

/** `code` SUBST (v3 ActClass 2.16.840.1.113883.5.6) of the substitution acts and observations. */
export function substitutionCode(): XElement {
  return fixedCode("code", "SUBST", "2.16.840.1.113883.5.6", "Substitution", "ActClass");
}

/** observation SUBST whose value is a substanceAdminSubstitution code: the eP's permission, the eD's kind of substitution. */
export function substitutionObservation(value: XElement): XElement {
  return el("observation", { classCode: "OBS", moodCode: "EVN" }, substitutionCode(), value);
}

/** Patient medication instructions (IHE PCC 1.3.6.1.4.1.19376.1.5.3.1.4.3), pointing into the narrative. */
export function patientInstructions(ref: string): XElement {
  return el(
    "entryRelationship",
    { typeCode: "SUBJ", inversionInd: "true" },
    el(
      "act",
      { classCode: "ACT", moodCode: "INT" },
      el("templateId", { root: "2.16.840.1.113883.10.20.1.49" }),
      el("templateId", { root: "1.3.6.1.4.1.19376.1.5.3.1.4.3" }),
      fixedCode("code", "PINSTRUCT", "1.3.6.1.4.1.19376.1.5.3.2", "Patient Medication Instructions", "IHEActCode"),
      textRef(ref),
      el("statusCode", { code: "completed" }),
    ),
  );
}

/**
 * An id of the model as a CDA II: "root^extension" (XDS uniqueId form, as parseEDispensation gives
 * the document id) is split; a bare value is an extension under the gateway's document id root
 * (our own prescription and item ids, as the eP writes them).
 */
export function modelIdToIi(value: string, ctx: DocumentContext): InstanceId {
  const caret = value.indexOf("^");
  if (caret > 0) {
    const root = value.slice(0, caret);
    if (isUid(root) && caret < value.length - 1) return { root, extension: value.slice(caret + 1) };
  }
  return { root: ctx.documentIdRoot, extension: value };
}
