// Shared pieces of the SAML tests: a fixed clock, the partner registry (DK and FI, with the test
// PKI of keys.ts), a national user, and the SOAP header carrying assertions.
import { PartnerRegistry } from "../../src/exchange/partners/registry";
import { checkPartnerInput } from "../../src/exchange/partners/repository";
import { issueHcpAssertion, issueTrcAssertion, type HcpUser } from "../../src/saml/issue";
import { signingKeyFromPem, type SigningKey } from "../../src/signing/keys";
import { testKey, type KeyName } from "./test-pki";

/** The clock of every fixture: inside the test PKI's validity. */
export const AT = new Date("2026-11-27T10:00:00.000Z");
export const ISSUED_AT = new Date(AT.getTime() - 5 * 60_000);
export const PATIENT = "2712345678901^^^&1.3.182.2.12.10000734.6.1&ISO";
export const OTHER_PATIENT = "1999123456789^^^&1.3.182.2.12.10000734.6.1&ISO";
export const DK_HOME_COMMUNITY = "urn:oid:1.2.208.176.7.2.1";
export const MESSAGE_ID = "urn:uuid:5f7e1c1e-6a4b-4d8e-9a43-2b9d1c3f0a11";

export function signingKey(name: KeyName): SigningKey {
  const { certPem, keyPem } = testKey(name);
  return signingKeyFromPem(keyPem, certPem, name);
}

export function testRegistry(): PartnerRegistry {
  const dkCa = testKey("dk-signing-ca").certPem;
  const fiCa = testKey("fi-signing-ca").certPem;
  return new PartnerRegistry([
    checkPartnerInput({ country: "DK", homeCommunityId: DK_HOME_COMMUNITY, endpoints: {}, tls: { ca: [dkCa] }, signing: { ca: [dkCa] } }),
    checkPartnerInput({ country: "FI", homeCommunityId: "urn:oid:1.2.246.556.12.4.1000.990.1", endpoints: {}, tls: { ca: [fiCa] }, signing: { ca: [fiCa] } }),
  ]);
}

export const DOCTOR: HcpUser = {
  nameId: "dk-hp-0042",
  subjectId: "Dr Karen Holm",
  role: "221",
  purposeOfUse: "TREATMENT",
  organization: "Rigshospitalet",
  organizationId: "urn:oid:1.2.208.176.1.1.99",
  facilityType: "Hospital",
  locality: "Copenhagen",
  permissions: ["PRD-003", "PRD-004", "PRD-005", "PRD-006", "PRD-010", "PRD-016", "PPD-046"],
  authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
};

export interface PairOptions {
  user?: Partial<HcpUser>;
  hcpKey?: KeyName;
  trcKey?: KeyName;
  at?: Date;
  hcpLifetimeMs?: number;
  patientId?: string;
  hcpId?: string;
  trcHcpId?: string;
}

/** A DK HCP assertion and a TRC bound to it, signed (by default with DK's test signer). */
export function assertionPair(o: PairOptions = {}): { hcp: string; trc: string; hcpId: string; trcId: string } {
  const at = o.at ?? ISSUED_AT;
  const hcp = issueHcpAssertion({ ...DOCTOR, ...o.user }, {
    key: signingKey(o.hcpKey ?? "dk-saml"),
    issuer: "urn:idp:DK:countryB",
    homeCommunityId: DK_HOME_COMMUNITY,
    at,
    ...(o.hcpLifetimeMs ? { lifetimeMs: o.hcpLifetimeMs } : {}),
    id: o.hcpId ?? "_hcp-1a2b3c4d",
  });
  const trc = issueTrcAssertion(
    { hcp: { id: o.trcHcpId ?? hcp.id, nameId: hcp.content.nameId }, patientId: o.patientId ?? PATIENT, purposeOfUse: "TREATMENT" },
    { key: signingKey(o.trcKey ?? "dk-saml"), issuer: "urn:initgw:DK:countryB", at, id: "_trc-5e6f7a8b" },
  );
  return { hcp: hcp.xml, trc: trc.xml, hcpId: hcp.id, trcId: trc.id };
}

/** A SOAP 1.2 envelope whose header carries the assertions verbatim (signed XML is never re-serialised). */
export function envelope(assertions: readonly string[], messageId: string = MESSAGE_ID, action = "urn:ihe:iti:2007:CrossGatewayQuery"): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">',
    "<soap:Header>",
    `<wsa:Action soap:mustUnderstand="1">${action}</wsa:Action>`,
    `<wsa:MessageID>${messageId}</wsa:MessageID>`,
    '<wsa:To soap:mustUnderstand="1">https://passerelle.lu.example:8443/ncp/xca</wsa:To>',
    '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">',
    ...assertions,
    "</wsse:Security>",
    "</soap:Header>",
    '<soap:Body><query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"/></soap:Body>',
    "</soap:Envelope>",
    "",
  ].join("\n");
}
