// The clinician of queued country-B jobs in tests: a doctor (ISCO 221) treating, with a two-factor login.
import type { JobHcpUser } from "../../src/exchange/queue/jobs";

export const TEST_REQUESTER: JobHcpUser = {
  nameId: "hcp-0001",
  subjectId: "Dr Anne Muller",
  role: "221",
  purposeOfUse: "TREATMENT",
  organization: "Centre Hospitalier de Luxembourg",
  organizationId: "urn:oid:1.3.182.2.12.10000734.100",
  facilityType: "Hospital",
  locality: "Luxembourg",
  permissions: ["PRD-006", "PRD-003"],
  authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:X509",
};
