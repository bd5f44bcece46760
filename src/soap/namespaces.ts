// Namespaces, WS-Addressing actions and ebXML/XDS identifiers of the SOAP transactions
// (REFERENCE.md "Transport", "XCA", "XDR"). The SAML module already names the SOAP and security
// namespaces; they are re-exported from there so each URI is written once.
export { HL7_NS, SOAP11_NS, SOAP12_NS, WSA_NS, WSSE_NS, XSI_NS } from "../saml/vocabulary";

export const XOP_NS = "http://www.w3.org/2004/08/xop/include";
export const XDS_NS = "urn:ihe:iti:xds-b:2007";
export const RIM_NS = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0";
export const RS_NS = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0";
export const QUERY_NS = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0";
export const LCM_NS = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0";
export const XML_NS = "http://www.w3.org/XML/1998/namespace";

/** WS-Addressing actions, request → response (REFERENCE.md "Transport" table). */
export const Actions = {
  xcpd: { request: "urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery", response: "urn:hl7-org:v3:PRPA_IN201306UV02:CrossGatewayPatientDiscovery" },
  xcaQuery: { request: "urn:ihe:iti:2007:CrossGatewayQuery", response: "urn:ihe:iti:2007:CrossGatewayQueryResponse" },
  xcaRetrieve: { request: "urn:ihe:iti:2007:CrossGatewayRetrieve", response: "urn:ihe:iti:2007:CrossGatewayRetrieveResponse" },
  xdr: { request: "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b", response: "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse" },
} as const;
export type Transaction = keyof typeof Actions;

/** The transaction a request action names, or undefined. */
export function transactionOfAction(action: string): Transaction | undefined {
  return (Object.keys(Actions) as Transaction[]).find((t) => Actions[t].request === action);
}

export const WSA_ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous";

/** ebXML registry statuses and severities (ebRS 3.0; IHE ITI TF-3 4.2.4). */
export const ResponseStatus = {
  success: "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success",
  failure: "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure",
  partialSuccess: "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess",
} as const;
export type ResponseStatusName = keyof typeof ResponseStatus;

export const ErrorSeverity = {
  error: "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error",
  warning: "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning",
} as const;

export const APPROVED_STATUS = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved";

/** XDS metadata UUIDs (IHE ITI TF-3 Table 4.2.5-1; REFERENCE.md "XCA"). */
export const Xds = {
  findDocumentsQuery: "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d",
  documentEntryType: "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1",
  submissionSetType: "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd",
  classCode: "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
  typeCode: "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
  formatCode: "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
  confidentialityCode: "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
  healthcareFacilityTypeCode: "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
  practiceSettingCode: "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
  eventCodeList: "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4",
  author: "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
  documentEntryPatientId: "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
  documentEntryUniqueId: "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
  submissionSetUniqueId: "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
  submissionSetPatientId: "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
  submissionSetSourceId: "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
  submissionSetContentType: "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
  submissionSetAuthor: "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
  externalIdentifierType: "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier",
  xfrmAssociation: "urn:ihe:iti:2007:AssociationType:XFRM",
  hasMemberAssociation: "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember",
} as const;

/** Document codes (REFERENCE.md "Document codes"; "XDR"). */
export const DocCodes = {
  loinc: "2.16.840.1.113883.6.1",
  psClass: "60591-5",
  epClass: "57833-6",
  edClass: "60593-1",
  edDiscardClass: "DISCARD-60593-1",
  psFormat: "urn:epSOS:ps:ps:2010",
  epFormat: "urn:epsos:ep:pre:2010",
  pdfFormat: "urn:ihe:iti:xds-sd:pdf:2008",
  edFormat: "urn:epSOS:ep:dis:2010",
  edDiscardFormat: "urn:eHDSI:ed:discard:2020",
  eventOpen: "urn:ihe:iti:xdw:2011:eventCode:open",
  eventClosed: "urn:ihe:iti:xdw:2011:eventCode:closed",
  xdwStatusSystem: "1.3.6.1.4.1.19376.1.2.3",
  atcSystem: "2.16.840.1.113883.6.73",
  edqmDoseFormSystem: "0.4.0.127.0.16.1.1.2.1",
  strengthSystem: "eHDSI_Strength_CodeSystem",
  substitutionSystem: "2.16.840.1.113883.5.1070",
  confidentialitySystem: "2.16.840.1.113883.5.25",
  countrySystem: "1.0.3166.1",
  formatCodesScheme: "eHDSI formatCodes",
  pdfFormatScheme: "IHE PCC",
  practiceSettingNotUsed: "Not Used",
  practiceSettingScheme: "eHDSI Practice Setting Codes-Not Used",
} as const;
