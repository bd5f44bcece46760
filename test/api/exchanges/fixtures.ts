import { DEMO_COUNTRY_ENV } from "../../../src/national/demo";
// Requesters and request bodies of the exchanges API tests.
import type { JobHcpUser } from "../../../src/exchange/queue/jobs";

export const DOCTOR: JobHcpUser = {
  nameId: "be-hcp-4711",
  subjectId: "Dr Lea Janssens",
  role: "2211",
  purposeOfUse: "TREATMENT",
  organization: "AZ Sint-Jan Brugge",
  organizationId: "urn:oid:2.16.56.1.1",
  facilityType: "Hospital",
  locality: "Brugge",
  permissions: ["PRD-006", "PRD-003", "PRD-004", "PRD-005", "PRD-010", "PRD-016"],
  authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
};

/** A pharmacist whose national permissions cover ePrescriptions and dispensations, not Patient Summaries. */
export const PHARMACIST: JobHcpUser = {
  ...DOCTOR,
  nameId: "be-pharm-12",
  subjectId: "Tom Peeters",
  role: "2262",
  organization: "Apotheek Centrum",
  facilityType: "Pharmacy",
  permissions: ["PRD-006", "PRD-004", "PRD-010", "PPD-046"],
};

export const LU_PATIENT = { system: "1.3.182.2.12.10000734.6.1", value: "1937010112347" };

export const retrieveBody = (requester: JobHcpUser = DOCTOR, language = "fr") => ({
  country: "LU",
  requester,
  patientId: LU_PATIENT,
  documentClass: "ps",
  homeCommunityId: "urn:oid:1.3.182.10.4",
  repositoryUniqueId: "1.3.182.10.4.1",
  documentUniqueId: "1.3.182.10.7^PS-1",
  language,
});

export const listBody = (requester: JobHcpUser = DOCTOR, documentClass = "ps") => ({ country: "LU", requester, patientId: LU_PATIENT, documentClass });

/** Configuration of the demo Belgian gateway (src/national/demo/BE/). */
export const BE_ENV = DEMO_COUNTRY_ENV.BE!;
