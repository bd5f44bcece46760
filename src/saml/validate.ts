// Validating the assertions of an inbound request (country A; issue 3, REFERENCE.md "SAML
// assertions"). In order:
//  1. the wsse:Security header: exactly one HCP assertion, at most one TRC and one NOK, picked by
//     Issuer/@NameQualifier (header.ts);
//  2. each assertion's signature by the signing core (src/signing/verify.ts: one enveloped
//     signature, Reference URI="#ID" held by exactly one element, allowlisted algorithms, certificate
//     checked against a trust list) with the signing trust of the partner the TLS peer is: a signer
//     trusted only for another partner is refused (the signer's country must be the peer's);
//  3. the rules on the verified content only (rules.ts): validity with 60 s skew, lifetime, audience,
//     two-factor AuthnContext, attributes, role, purpose, permissions, on-behalf-of; the TRC bound to
//     the HCP assertion (1002) and to the request's patient (4206);
//  4. replay: the message's WS-Addressing MessageID must not have been accepted before (replay.ts).
import type { Document, Element } from "@xmldom/xmldom";
import type { PartnerRegistry, RegisteredPartner } from "../exchange/partners/registry";
import { ErrorCode, isPasserelleError } from "../shared/errors";
import type { SignerIdentity } from "../signing/trust";
import { childElements } from "../signing/dom";
import { verifyEnvelopedIn } from "../signing/verify";
import { readSecurityHeader, type FoundAssertion } from "./header";
import { readAssertion } from "./read";
import { AssertionRefused, refuse } from "./refusal";
import type { ReplayCache } from "./replay";
import { checkHcp, checkTrc, checkTrcPatient, checkValidity, type HcpIdentity, type RulesPolicy, type TreatmentRelationship } from "./rules";
import { AssertionKinds, CLOCK_SKEW_MS, HCP_MAX_LIFETIME_MS, NEEDS_TRC, SAML_NS, type AssertionKind, type SamlService } from "./vocabulary";

export interface ValidateOptions {
  readonly service: SamlService;
  readonly registry: PartnerRegistry;
  /**
   * The partner the TLS client certificate identified (src/exchange/partners/peer.ts). Undefined only
   * in the offline checker: the partner is then the one whose signing trust accepts the HCP signer.
   */
  readonly peerCountry: string | undefined;
  /** The patient the request is about, CX form; required where a TRC is (ps, ep, ed). */
  readonly patientId?: string | undefined;
  /** Offline checker only: do not compare the TRC's patient with the request's. */
  readonly skipPatientCheck?: boolean;
  readonly at?: Date;
  /** Replay protection; undefined = not checked (offline checker). */
  readonly replay?: ReplayCache | undefined;
  readonly policy?: RulesPolicy;
}

export interface ValidatedAssertions {
  /** The partner whose signers signed the assertions (= the TLS peer when given). */
  readonly country: string;
  readonly messageId: string | undefined;
  readonly hcp: HcpIdentity;
  readonly trc: TreatmentRelationship | undefined;
  readonly signers: Readonly<Partial<Record<AssertionKind, SignerIdentity>>>;
  /** What was not checked (offline use); empty inbound. */
  readonly notChecked: readonly string[];
}

interface VerifiedAssertion {
  readonly root: Element;
  readonly signer: SignerIdentity;
  readonly partner: RegisteredPartner;
}

/**
 * A signing-core failure as an eHDSI refusal (1001), with the core's code as its cause. The core's
 * messages carry no signature value, digest or certificate, and it throws only PasserelleErrors for
 * what a partner sends: anything else is a fault of ours and goes up as it is.
 */
function signatureRefusal(e: unknown, kind: AssertionKind): AssertionRefused {
  if (e instanceof AssertionRefused) return e;
  if (isPasserelleError(e)) return refuse("1001", kind, `signature refused: ${e.message}`, e.code);
  throw e;
}

/**
 * Verifies one assertion's signature against the signing trust of `candidates` (the peer, or every
 * partner offline), in the envelope parsed once by readSecurityHeader (verifyEnvelopedIn does not
 * modify it).
 */
function verifyAssertion(envelope: Document, found: FoundAssertion, candidates: readonly RegisteredPartner[], registry: PartnerRegistry, at: Date): VerifiedAssertion {
  let untrusted: unknown;
  for (const partner of candidates) {
    try {
      const verified = verifyEnvelopedIn(envelope, partner.signingTrust, { kind: "id", id: found.id, idAttributes: ["ID"] }, { at });
      const root = verified.document.documentElement as Element;
      const issuer = childElements(root, SAML_NS, "Issuer")[0];
      if (root.getAttribute("ID") !== found.id || issuer?.getAttribute("NameQualifier") !== AssertionKinds[found.kind]) {
        throw refuse("1001", found.kind, "the signed content is not the assertion found in the header");
      }
      return { root, signer: verified.signer, partner };
    } catch (e) {
      if (!isPasserelleError(e, ErrorCode.SignerUntrusted)) throw signatureRefusal(e, found.kind);
      untrusted = e;
    }
  }
  // Name the partner that would have trusted the signer, so the operator sees a country mismatch.
  const others = registry.all().filter((p) => !candidates.includes(p));
  for (const other of others) {
    try {
      verifyEnvelopedIn(envelope, other.signingTrust, { kind: "id", id: found.id, idAttributes: ["ID"] }, { at });
      throw refuse("1001", found.kind, `signed by a certificate trusted for partner ${other.partner.country}, not for the TLS peer ${candidates.map((c) => c.partner.country).join(", ")}`);
    } catch (e) {
      if (e instanceof AssertionRefused) throw e;
    }
  }
  throw signatureRefusal(untrusted ?? refuse("1001", found.kind, "no partner trusts a signing certificate"), found.kind);
}

export async function validateAssertions(xml: string, o: ValidateOptions): Promise<ValidatedAssertions> {
  const at = o.at ?? new Date();
  const header = readSecurityHeader(xml);
  const notChecked: string[] = [];

  let candidates: RegisteredPartner[];
  if (o.peerCountry !== undefined) {
    const peer = o.registry.get(o.peerCountry);
    if (!peer) throw refuse("1001", "message", `the TLS peer ${o.peerCountry} is not a registered partner`);
    candidates = [peer];
  } else {
    candidates = o.registry.all();
    notChecked.push("TLS peer (offline: the partner is the one trusting the HCP signer)");
  }

  const hcpVerified = verifyAssertion(header.document, header.hcp, candidates, o.registry, at);
  const partner = hcpVerified.partner;
  const hcp = checkHcp(readAssertion(hcpVerified.root, "hcp"), at, o.service, o.policy);
  if (hcp.homeCommunityId !== undefined && hcp.homeCommunityId !== partner.partner.homeCommunityId) {
    throw refuse("1001", "hcp", `homeCommunityId ${hcp.homeCommunityId} is not partner ${partner.partner.country}'s (${partner.partner.homeCommunityId})`);
  }
  const signers: Partial<Record<AssertionKind, SignerIdentity>> = { hcp: hcpVerified.signer };

  let trc: TreatmentRelationship | undefined;
  if (header.trc) {
    const v = verifyAssertion(header.document, header.trc, [partner], o.registry, at);
    trc = checkTrc(readAssertion(v.root, "trc"), at, hcp);
    signers.trc = v.signer;
  } else if (NEEDS_TRC[o.service]) {
    throw refuse("1001", "trc", `a TRC assertion is required for ${o.service}`);
  }
  if (trc) {
    if (o.patientId !== undefined) checkTrcPatient(trc, o.patientId);
    else if (o.skipPatientCheck) notChecked.push("TRC patient against the request's patient (no patient given)");
    else if (NEEDS_TRC[o.service]) throw refuse("4206", "trc", "the request names no patient to compare with the TRC");
  }

  if (header.nok) {
    const v = verifyAssertion(header.document, header.nok, [partner], o.registry, at);
    checkValidity(readAssertion(v.root, "nok"), at, HCP_MAX_LIFETIME_MS);
    signers.nok = v.signer;
  }

  if (o.replay) {
    if (!header.messageId) throw refuse("1001", "message", "WS-Addressing MessageID is missing (needed for replay protection)");
    const until = Math.max(hcp.notOnOrAfter.getTime(), trc?.notOnOrAfter.getTime() ?? 0) + CLOCK_SKEW_MS;
    if (!(await o.replay.firstUse(header.messageId, partner.partner.country, new Date(until), at))) {
      throw refuse("1001", "message", "replayed: this WS-Addressing MessageID was already accepted");
    }
  } else {
    notChecked.push("replay (no cache)");
  }

  return { country: partner.partner.country, messageId: header.messageId, hcp, trc, signers, notChecked };
}
