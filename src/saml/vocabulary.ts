// The eHDSI SAML vocabulary (REFERENCE.md "SAML assertions"): namespaces, issuer name qualifiers,
// attribute names, value sets, and what each service requires.
export const SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
export const WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
export const WSA_NS = "http://www.w3.org/2005/08/addressing";
export const SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope";
export const SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/";
export const HL7_NS = "urn:hl7-org:v3";
export const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";

/** Issuer/@NameQualifier telling which assertion is which. */
export const AssertionKinds = {
  hcp: "urn:ehdsi:assertions:hcp",
  trc: "urn:ehdsi:assertions:trc",
  nok: "urn:ehdsi:assertions:nok",
} as const;
export type AssertionKind = keyof typeof AssertionKinds;

export const X_BORDER_AUDIENCE = "urn:ehdsi:assertions.audience:x-border";
export const SENDER_VOUCHES = "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches";
export const ATTRNAME_FORMAT_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";

export const Attributes = {
  subjectId: "urn:oasis:names:tc:xspa:1.0:subject:subject-id",
  role: "urn:oasis:names:tc:xacml:2.0:subject:role",
  purposeOfUse: "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse",
  organization: "urn:oasis:names:tc:xspa:1.0:subject:organization",
  organizationId: "urn:oasis:names:tc:xspa:1.0:subject:organization-id",
  facilityType: "urn:ehdsi:names:subject:healthcare-facility-type",
  locality: "urn:oasis:names:tc:xspa:1.0:environment:locality",
  permission: "urn:oasis:names:tc:xspa:1.0:subject:hl7:permission",
  homeCommunityId: "urn:ihe:iti:xca:2010:homeCommunityId",
  onBehalfOf: "urn:ehdsi:names:subject:on-behalf-of",
} as const;

export const PERMISSION_PREFIX = "urn:oasis:names:tc:xspa:1.0:subject:hl7:permission:";

/** The services a partner asks us for; each needs its permissions (REFERENCE.md "Permissions"). */
export const SAML_SERVICES = ["xcpd", "ps", "ep", "ed"] as const;
export type SamlService = (typeof SAML_SERVICES)[number];

export const REQUIRED_PERMISSIONS: Readonly<Record<SamlService, readonly string[]>> = {
  xcpd: ["PRD-006"],
  ps: ["PRD-003", "PRD-005", "PRD-010", "PRD-016"],
  ep: ["PRD-004", "PRD-010"],
  ed: ["PPD-046"],
};

/** A TRC assertion is required for XCA and XDR (PS, eP, eD), not for XCPD. */
export const NEEDS_TRC: Readonly<Record<SamlService, boolean>> = { xcpd: false, ps: true, ep: true, ed: true };

/** Lifetime limits (NotOnOrAfter - NotBefore) and the clock skew allowed on both bounds. */
export const HCP_MAX_LIFETIME_MS = 4 * 3600_000;
export const TRC_MAX_LIFETIME_MS = 2 * 3600_000;
export const CLOCK_SKEW_MS = 60_000;

export const PURPOSES_OF_USE = ["TREATMENT", "EMERGENCY"] as const;
export const PURPOSE_OF_USE_CODE_SYSTEM = "3bc18518-d305-46c2-a8d6-94bd59856e9e";

/** eHDSI healthcare facility types (HCP attribute urn:ehdsi:names:subject:healthcare-facility-type). */
export const FACILITY_TYPES = ["Hospital", "Resident Physician", "Pharmacy", "Other"] as const;

/**
 * AuthnContext classes that are two-factor (SAML 2.0 Authentication Context classes): a smart card
 * or a token/phone plus a secret. Single-factor classes (Password, SoftwarePKI, X509 with a key we
 * cannot see protected) are refused unless a policy adds them explicitly.
 */
export const TWO_FACTOR_AUTHN_CONTEXTS: readonly string[] = [
  "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
  "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
  "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
  "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered",
  "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
];

export const ISCO_CODE_SYSTEM = "2.16.840.1.113883.2.9.6.2.7";

/** MVC eHDSIHealthcareProfessionalRole (1.3.6.1.4.1.12559.11.10.1.3.1.42.1, MVC 8.1.0): ISCO-08 codes. */
export const HEALTHCARE_PROFESSIONAL_ROLES: Readonly<Record<string, string>> = {
  "22": "Health professionals",
  "221": "Medical doctors",
  "2211": "Generalist medical practitioners",
  "2212": "Specialist medical practitioners",
  "222": "Nursing and midwifery professionals",
  "2221": "Nursing professionals",
  "2222": "Midwifery professionals",
  "223": "Traditional and complementary medicine professionals",
  "224": "Paramedical practitioners",
  "225": "Veterinarians",
  "226": "Other health professionals",
  "2261": "Dentists",
  "2262": "Pharmacists",
  "2263": "Environmental and occupational health and hygiene professionals",
  "2264": "Physiotherapists",
  "2265": "Dieticians and nutritionists",
  "2266": "Audiologists and speech therapists",
  "2267": "Optometrists and ophthalmic opticians",
  "2269": "Health professionals not elsewhere classified",
  "32": "Health associate professionals",
  "321": "Medical and pharmaceutical technicians",
  "3211": "Medical imaging and therapeutic equipment technicians",
  "3212": "Medical and pathology laboratory technicians",
  "3213": "Pharmaceutical technicians and assistants",
  "3214": "Medical and dental prosthetic technicians",
  "322": "Nursing and midwifery associate professionals",
  "3221": "Nursing associate professionals",
  "3222": "Midwifery associate professionals",
  "323": "Traditional and complementary medicine associate professionals",
  "325": "Other health associate professionals",
  "3251": "Dental assistants and therapists",
  "3252": "Medical records and health information technicians",
  "3253": "Community health workers",
  "3254": "Dispensing opticians",
  "3255": "Physiotherapy technicians and assistants",
  "3256": "Medical assistants",
  "3257": "Environmental and occupational health inspectors and associates",
  "3258": "Ambulance workers",
  "3259": "Health associate professionals not elsewhere classified",
};

/**
 * Health associate professionals (ISCO group 32) act on behalf of a health professional: their HCP
 * assertion must name that professional's role (group 22) in on-behalf-of (eHDSI on-behalf-of rule).
 */
export function roleNeedsOnBehalfOf(code: string): boolean {
  return code.startsWith("32");
}

export function isHealthProfessionalRole(code: string): boolean {
  return code.startsWith("22") && code in HEALTHCARE_PROFESSIONAL_ROLES;
}
