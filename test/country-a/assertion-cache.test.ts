// The verdict cache of reused assertions (src/country-a/assertion-cache.ts) through validateRequest:
// a reused HCP + TRC pair with a new MessageID is served from the cache; a replayed MessageID, an
// expired assertion, another service or patient, a changed registry, a tampered byte: never.
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Element } from "@xmldom/xmldom";
import { AssertionCache } from "../../src/country-a/assertion-cache";
import { validateRequest, type CountryAResponders } from "../../src/country-a/inbound";
import { PartnerRegistry } from "../../src/exchange/partners/registry";
import type { Partner } from "../../src/exchange/partners/model";
import { generateDevPki } from "../../src/ops/dev-pki";
import { issueHcpAssertion, issueTrcAssertion } from "../../src/saml/issue";
import { MemoryReplayCache } from "../../src/saml/replay";
import { el } from "../../src/shared/xml";
import { loadSigningKey } from "../../src/signing/keys";
import { buildRequestEnvelope, parseEnvelope } from "../../src/soap/envelope";
import { Actions, XDS_NS } from "../../src/soap/namespaces";
import { cx, harness, PATIENTS, type Harness } from "./harness";

describe("assertion verdict cache", function () {
  this.timeout(60_000);
  let h: Harness;
  let r: CountryAResponders;
  let cache: AssertionCache;
  let now: Date;
  const dir = mkdtempSync(join(tmpdir(), "passerelle-assertion-cache-"));
  generateDevPki({ dir, country: "DK" });
  const key = loadSigningKey(dir, "saml");
  const partner = { country: "DK", homeCommunityId: "urn:oid:1.2.208.176.7.2.1", endpoints: {}, certificates: [{ usage: "signing", kind: "pinned", pem: readFileSync(join(dir, "saml.pem"), "utf8") }, { usage: "tls", kind: "ca", pem: readFileSync(join(dir, "ca.pem"), "utf8") }] } as unknown as Partner;
  const patient = cx(PATIENTS.sophie);
  const hcp = issueHcpAssertion(
    { nameId: "doctor-1@DK", subjectId: "Dr Test", role: "221", purposeOfUse: "TREATMENT", organization: "Hospital", organizationId: "urn:oid:1.2.208.176.1.1", facilityType: "Hospital", locality: "Copenhagen", permissions: ["PRD-003", "PRD-005", "PRD-010", "PRD-016"], authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI" },
    { key, issuer: "urn:idp:DK:countryB", lifetimeMs: 3600_000 },
  );
  const trc = issueTrcAssertion({ hcp: hcp.content, patientId: patient, purposeOfUse: "TREATMENT" }, { key, issuer: "urn:initgw:DK:countryB", lifetimeMs: 3600_000 });

  function request(assertions = [hcp.xml, trc.xml]) {
    const envelope = buildRequestEnvelope({
      action: Actions.xcaRetrieve.request, to: "https://ncp.lu.test/ncp/xca", messageId: `urn:uuid:${randomUUID()}`, signedAssertions: assertions,
      body: el("xdsb:RetrieveDocumentSetRequest", { "xmlns:xdsb": XDS_NS }, el("xdsb:DocumentRequest", {}, el("xdsb:RepositoryUniqueId", {}, "1"), el("xdsb:DocumentUniqueId", {}, "2"))),
    });
    const parsed = parseEnvelope(envelope, { maxBytes: 1e6 });
    return { envelope, country: "DK", messageId: parsed.addressing.messageId, security: parsed.security as Element };
  }

  before(async () => {
    h = await harness();
    now = new Date();
    cache = new AssertionCache();
    r = {
      ports: { ...h.ports, clock: () => now }, registry: new PartnerRegistry([partner]), replay: new MemoryReplayCache(), homeCommunityId: "urn:oid:1.3.182.2.12.10000734",
      repositoryUniqueId: "1.3.182.2.12.10000734", documentChecks: () => h.checks, assertionCache: cache,
    };
  });

  it("validates fully once, then serves the reused assertions from the cache (new MessageIDs)", async () => {
    const first = await validateRequest(r, request(), "ps", "EHDSI-22", { cx: patient });
    expect(first.ok, JSON.stringify(first)).to.equal(true);
    expect(cache.hits).to.equal(0);
    const second = await validateRequest(r, request(), "ps", "EHDSI-22", { cx: patient });
    expect(second.ok).to.equal(true);
    expect(cache.hits).to.equal(1);
    if (second.ok && first.ok) expect(second.requester.assertions.hcp.subjectId).to.equal(first.requester.assertions.hcp.subjectId);
  });

  it("refuses a replayed MessageID on a cache hit (1001)", async () => {
    const req = request();
    expect((await validateRequest(r, req, "ps", "EHDSI-22", { cx: patient })).ok).to.equal(true);
    const replayed = await validateRequest(r, req, "ps", "EHDSI-22", { cx: patient });
    expect(!replayed.ok && replayed.error.errorCode).to.equal("1001");
    expect(!replayed.ok && replayed.error.context).to.contain("replayed");
  });

  it("another service, another patient, a changed registry: full validation (4703 / 4206 / accepted)", async () => {
    const hits = cache.hits;
    const ep = await validateRequest(r, request(), "ep", "EHDSI-32", { cx: patient });
    expect(!ep.ok && ep.error.errorCode).to.equal("4703");
    const other = await validateRequest(r, request(), "ps", "EHDSI-22", { cx: cx(PATIENTS.marie) });
    expect(!other.ok && other.error.errorCode).to.equal("4206");
    r.registry.replace([partner]);
    expect((await validateRequest(r, request(), "ps", "EHDSI-22", { cx: patient })).ok).to.equal(true);
    expect(cache.hits).to.equal(hits);
  });

  it("a tampered byte misses the cache and is refused", async () => {
    const tampered = hcp.xml.replace("Dr Test", "Dr Tost");
    const res = await validateRequest(r, request([tampered, trc.xml]), "ps", "EHDSI-22", { cx: patient });
    expect(!res.ok && res.error.errorCode).to.equal("1001");
  });

  it("past the assertions' NotOnOrAfter the cache answers nothing and validation refuses (expired)", async () => {
    expect((await validateRequest(r, request(), "ps", "EHDSI-22", { cx: patient })).ok).to.equal(true);
    const hits = cache.hits;
    now = new Date(Date.now() + 2 * 3600_000);
    const late = await validateRequest(r, request(), "ps", "EHDSI-22", { cx: patient });
    expect(!late.ok && late.error.context).to.match(/expired/);
    expect(cache.hits).to.equal(hits);
    now = new Date();
  });
});
