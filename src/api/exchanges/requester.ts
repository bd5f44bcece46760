// The caller's HCP identity, sent by the national client with every exchange (issue 6 "REST API";
// REFERENCE.md "SAML assertions"): validated here as strictly as a partner's HCP assertion would be,
// before anything is queued, since the HCP assertion issued from it when the job runs must pass the
// partner's checks. Refuses what the user may not ask: the eHDSI permissions of the service
// (REFERENCE.md "Permissions": XCPD PRD-006; PS PRD-003+005+010+016; eP PRD-004+010; eD PPD-046).
import { z } from "zod";
import type { JobHcpUser } from "../../exchange/queue/jobs";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import {
  FACILITY_TYPES,
  HEALTHCARE_PROFESSIONAL_ROLES,
  PURPOSES_OF_USE,
  REQUIRED_PERMISSIONS,
  TWO_FACTOR_AUTHN_CONTEXTS,
  isHealthProfessionalRole,
  roleNeedsOnBehalfOf,
  type SamlService,
} from "../../saml/vocabulary";

// eslint-disable-next-line no-control-regex
const printable = (max: number) => z.string().trim().min(1).max(max).regex(/^[^\u0000-\u001f\u007f]*$/, "no control characters");
/** ISCO-08 codes of the eHDSI healthcare professional role value set (MVC 1.3.6.1.4.1.12559.11.10.1.3.1.42.1). */
const ISCO = z.enum(Object.keys(HEALTHCARE_PROFESSIONAL_ROLES) as [string, ...string[]]);

export const requesterSchema = z
  .object({
    nameId: printable(256),
    nameIdFormat: printable(256).optional(),
    subjectId: printable(256),
    role: ISCO,
    purposeOfUse: z.enum(PURPOSES_OF_USE),
    organization: printable(256),
    organizationId: z.string().regex(/^urn:(oid:[0-2](\.(0|[1-9][0-9]*))+|hl7ii:[^\s]{1,240})$/, "urn:oid:... or urn:hl7ii:..."),
    facilityType: z.enum(FACILITY_TYPES),
    locality: printable(256),
    permissions: z.array(z.string().regex(/^(PRD|PPD)-[0-9]{3}$/, "PRD-nnn or PPD-nnn")).max(64),
    onBehalfOf: ISCO.optional(),
    authnContext: z.enum(TWO_FACTOR_AUTHN_CONTEXTS as [string, ...string[]]),
    authnInstant: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((u, ctx) => {
    // eHDSI on-behalf-of rule: a health associate professional (ISCO 32xx) acts for a health professional (22xx).
    if (roleNeedsOnBehalfOf(u.role) && !(u.onBehalfOf && isHealthProfessionalRole(u.onBehalfOf))) {
      ctx.addIssue({ code: "custom", path: ["onBehalfOf"], message: "an ISCO 32xx role must name the health professional role (22xx) it acts for" });
    }
  });

/** Validates and returns the requester; INPUT_INVALID naming the first bad field. */
export function parseRequester(value: unknown): JobHcpUser {
  const r = requesterSchema.safeParse(value);
  if (!r.success) throw inputInvalid(r.error, "requester");
  return r.data;
}

/** INSUFFICIENT_RIGHTS (eHDSI 4703) when the user lacks a permission the service needs. */
export function checkPermissions(user: JobHcpUser, service: SamlService): void {
  const missing = REQUIRED_PERMISSIONS[service].filter((p) => !user.permissions.includes(p));
  if (missing.length > 0) {
    throw new PasserelleError(ErrorCode.InsufficientRights, `the requester may not ask for ${service.toUpperCase()}: missing permission(s) ${missing.join(", ")}`, { location: "requester.permissions", missing });
  }
}

/** A zod error as INPUT_INVALID, with the path of its first issue as location. */
export function inputInvalid(error: z.ZodError, prefix?: string): PasserelleError {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join(".");
  return new PasserelleError(ErrorCode.InputInvalid, `${path || "body"}: ${issue?.message ?? "invalid"}`, { location: path || "body" });
}
