// The four exchanges a national client may start (issue 6 "REST API"), as request bodies, checked
// and turned into exchange-queue jobs (src/exchange/queue/jobs.ts). Each names the partner country,
// carries the requester (requester.ts) and is refused at once when the requester lacks the service's
// eHDSI permissions.
import { z } from "zod";
import type { Dispensation } from "../../canonical/model";
import type { Job } from "../../exchange/queue/jobs";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import type { SamlService } from "../../saml/vocabulary";
import { checkPermissions, inputInvalid, requesterSchema } from "./requester";

const OID = z.string().regex(/^[0-2](\.(0|[1-9][0-9]*)){1,63}$/, "an OID");
// eslint-disable-next-line no-control-regex
const text = (max: number) => z.string().trim().min(1).max(max).regex(/^[^\u0000-\u001f\u007f]*$/, "no control characters");
const identifier = z.object({ system: OID, value: text(128) }).strict();
const country = z.string().regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2 country code, upper case");
const documentClass = z.enum(["ps", "ep"]);
const partnerExchange = { country, requester: requesterSchema };

const dispensedItem = z.looseObject({
  prescriptionItemId: text(128),
  product: z.looseObject({ name: text(512), ingredients: z.array(z.looseObject({})).max(50) }),
  packages: z.number().int().positive().max(1000),
  substituted: z.boolean(),
  substitutionCode: z.string().regex(/^[A-Z]{1,4}$/).optional(),
});
const dispensation = z.looseObject({
  id: text(128),
  prescriptionId: text(128),
  patient: z.looseObject({ ids: z.array(identifier).min(1), names: z.array(z.looseObject({})) }),
  dispenser: z.looseObject({}),
  time: z.iso.datetime({ offset: true }),
  items: z.array(dispensedItem).min(1).max(100),
});

export const OPERATIONS = {
  "patient-discovery": z
    .object({
      ...partnerExchange,
      identifiers: z.array(identifier).min(1).max(10),
      demographics: z
        .object({ givenName: text(128).optional(), familyName: text(128).optional(), birthDate: z.iso.date().optional(), gender: z.enum(["male", "female", "other", "unknown"]).optional() })
        .strict()
        .optional(),
    })
    .strict(),
  "document-list": z.object({ ...partnerExchange, patientId: identifier, documentClass }).strict(),
  "document-retrieve": z
    .object({
      ...partnerExchange,
      patientId: identifier,
      documentClass,
      homeCommunityId: z.string().regex(/^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/, "urn:oid:..."),
      repositoryUniqueId: OID,
      documentUniqueId: text(256),
      language: z.enum(["fr", "de", "en"]),
    })
    .strict(),
  dispensation: z.object({ ...partnerExchange, patientId: identifier, prescriptionId: text(128), dispensation }).strict(),
} as const;

export type Operation = keyof typeof OPERATIONS;
export const OPERATION_NAMES = Object.keys(OPERATIONS) as Operation[];

/** The eHDSI service whose permissions an operation needs (REFERENCE.md "Permissions"). */
function serviceOf(operation: Operation, body: { documentClass?: "ps" | "ep" }): SamlService {
  if (operation === "patient-discovery") return "xcpd";
  if (operation === "dispensation") return "ed";
  return body.documentClass === "ep" ? "ep" : "ps";
}

/** Validates a request body, checks the requester's rights, and returns the job to enqueue. */
export function jobOfRequest(operation: Operation, body: unknown, ownCountry: string): Job {
  const parsed = OPERATIONS[operation].safeParse(body);
  if (!parsed.success) throw inputInvalid(parsed.error);
  const b = parsed.data;
  if (b.country === ownCountry.toUpperCase()) throw new PasserelleError(ErrorCode.InputInvalid, `country ${b.country} is this gateway's own country: ask the national system`, { location: "country" });
  checkPermissions(b.requester, serviceOf(operation, b as { documentClass?: "ps" | "ep" }));
  switch (operation) {
    case "patient-discovery": {
      const d = b as z.infer<(typeof OPERATIONS)["patient-discovery"]>;
      return { type: "xcpd-discover", country: d.country, requester: d.requester, identifiers: d.identifiers, ...(d.demographics ? { demographics: d.demographics } : {}) };
    }
    case "document-list": {
      const d = b as z.infer<(typeof OPERATIONS)["document-list"]>;
      return { type: "xca-query", country: d.country, requester: d.requester, patientId: d.patientId, documentClass: d.documentClass };
    }
    case "document-retrieve": {
      const d = b as z.infer<(typeof OPERATIONS)["document-retrieve"]>;
      const { country: c, requester, patientId, documentClass: dc, homeCommunityId, repositoryUniqueId, documentUniqueId, language } = d;
      return { type: "xca-retrieve", country: c, requester, patientId, documentClass: dc, homeCommunityId, repositoryUniqueId, documentUniqueId, language };
    }
    case "dispensation": {
      const d = b as z.infer<(typeof OPERATIONS)["dispensation"]>;
      if (d.dispensation.prescriptionId !== d.prescriptionId) {
        throw new PasserelleError(ErrorCode.InputInvalid, "dispensation.prescriptionId differs from prescriptionId", { location: "dispensation.prescriptionId" });
      }
      return { type: "xdr-submit", country: d.country, requester: d.requester, patientId: d.patientId, prescriptionId: d.prescriptionId, dispensation: d.dispensation as unknown as Dispensation };
    }
  }
}
