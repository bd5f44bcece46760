// Dispensing rules of the embedded national store (pure): the status of a prescription from its
// items' dispensing state and validity, and the check of a dispensation against what remains.
import type { Dispensation, Prescription, PrescriptionStatus } from "../canonical/model";
import { ErrorCode, PasserelleError } from "../shared/errors";

/** The end of a validity date: a day ("2027-02-20") lasts until its end (UTC). */
function validityEnd(validUntil: string): number {
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(validUntil) ? `${validUntil}T23:59:59.999Z` : validUntil);
}

/**
 * Status with the store's dispensing state applied. Source states cancelled/dispensed are final; an
 * open prescription past its validity is expired; otherwise from the packages dispensed per item.
 */
export function currentStatus(p: Prescription, now: Date): PrescriptionStatus {
  if (p.status === "cancelled" || p.status === "dispensed") return p.status;
  const all = p.items.every((i) => i.packagesDispensed >= i.packages);
  if (all) return "dispensed";
  if (p.validUntil !== undefined && validityEnd(p.validUntil) < now.getTime()) return "expired";
  return p.items.some((i) => i.packagesDispensed > 0) ? "partially-dispensed" : "active";
}

/** Packages per prescription item asked by a dispensation (items of the same id are summed). */
export function packagesAsked(d: Dispensation): Map<string, number> {
  const asked = new Map<string, number>();
  d.items.forEach((item, i) => {
    if (!Number.isInteger(item.packages) || item.packages <= 0) {
      throw new PasserelleError(ErrorCode.DispensationInvalid, `items[${i}]: packages must be a positive whole number, got ${item.packages}`, {
        location: `items[${i}].packages`,
      });
    }
    asked.set(item.prescriptionItemId, (asked.get(item.prescriptionItemId) ?? 0) + item.packages);
  });
  if (asked.size === 0) throw new PasserelleError(ErrorCode.DispensationInvalid, "the dispensation has no item", { location: "items" });
  return asked;
}

/** Refuses a dispensation on a prescription that cannot be dispensed, or asking more than remains. */
export function checkDispensable(p: Prescription, status: PrescriptionStatus, asked: Map<string, number>): void {
  if (status === "dispensed" || status === "cancelled" || status === "expired") {
    throw new PasserelleError(ErrorCode.EpAlreadyDispensed, `prescription ${p.id} is ${status} and cannot be dispensed`, { prescriptionId: p.id, status });
  }
  for (const [itemId, packages] of asked) {
    const item = p.items.find((i) => i.id === itemId);
    if (!item) {
      throw new PasserelleError(ErrorCode.DispensationInvalid, `prescription ${p.id} has no item ${itemId}`, { prescriptionId: p.id, itemId });
    }
    const remaining = item.packages - item.packagesDispensed;
    if (packages > remaining) {
      throw new PasserelleError(
        ErrorCode.DispensationInvalid,
        `item ${itemId} of prescription ${p.id}: ${packages} package(s) dispensed but only ${remaining} of ${item.packages} remain`,
        { prescriptionId: p.id, itemId, asked: packages, remaining },
      );
    }
  }
}
