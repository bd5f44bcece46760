// Country B end to end: a BE gateway's clinicians ask a LU gateway (country A, demo data), both real
// Passerelle gateways in this process with their own dev PKIs, over real mutual TLS, through the
// exchange queue (embedded, and BullMQ on Redis when reachable; with CI=true Redis is required):
// discover a LU demo patient, list and retrieve the PS (seal verified, translated into de, HTML),
// list / retrieve an eP and dispense it (the LU national store shows it dispensed), a consent-denied
// patient (business error, one attempt), the partner down (transport failures, retries, dead letter)
// then back (replay succeeds). The gateway's own queue module runs the handlers too (last suite).
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GatewayModule } from "../../src/app/module";
import { GATEWAY_MODULES } from "../../src/app/modules";
import { auditTrailOf, rawMessagesOf } from "../../src/audit/module";
import type { Identifier } from "../../src/canonical/model";
import { createCountryBModule, countryBOf } from "../../src/country-b/module";
import { countryBHandlers } from "../../src/country-b/handlers";
import { COUNTRY_B_JOB_TYPES, failureView } from "../../src/country-b/results";
import { parseEPrescription } from "../../src/documents/cda/parse-eprescription";
import { parsePemCertificates, toTrustEntry } from "../../src/exchange/partners/certificates";
import { partnerTrustOf } from "../../src/exchange/partners/module";
import { ErrorCode } from "../../src/shared/errors";
import { BullmqExchangeQueue } from "../../src/exchange/queue/bullmq";
import { EmbeddedExchangeQueue } from "../../src/exchange/queue/embedded";
import { exchangeQueueOf } from "../../src/exchange/queue/module";
import type { ExchangeQueue, Job, JobHcpUser, JobResult, JobType, StoredJob } from "../../src/exchange/queue/port";
import { EmbeddedNationalStore } from "../../src/national/embedded-store";
import { deleteRedisKeys, redisUnavailable, TEST_REDIS_URL } from "../exchange/queue/backends";
import { LU_EHDSI_DOMAIN, LU_NATIONAL_ROOT, startTwoGateways, type TwoGateways } from "./two-gateways";

const SOPHIE = "1992031411227";
const MARIE = "1968101545978";
const HENRI = "1937010112347"; // no consent

const SMARTCARD = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI";
const DOCTOR: JobHcpUser = {
  nameId: "anne.peeters@uzleuven.be", subjectId: "Dr Anne Peeters", role: "221", purposeOfUse: "TREATMENT",
  organization: "UZ Leuven", organizationId: "urn:oid:2.16.56.1.2.3", facilityType: "Hospital", locality: "Leuven",
  permissions: ["PRD-006", "PRD-003", "PRD-005", "PRD-010", "PRD-016", "PRD-004"], authnContext: SMARTCARD,
};
const PHARMACIST: JobHcpUser = {
  nameId: "jan.claes@apotheek.be", subjectId: "Jan Claes", role: "2262", purposeOfUse: "TREATMENT",
  organization: "Apotheek Centrum", organizationId: "urn:oid:2.16.56.1.2.4", facilityType: "Pharmacy", locality: "Leuven",
  permissions: ["PRD-006", "PRD-004", "PRD-010", "PPD-046"], authnContext: SMARTCARD,
};

const national = (id: string): Identifier => ({ system: LU_NATIONAL_ROOT, value: id });
const ehdsi = (id: string): Identifier => ({ system: LU_EHDSI_DOMAIN, value: id });
const FAST = { retry: { maxAttempts: 3, baseDelayMs: 50, factor: 2, maxDelayMs: 400 }, breaker: { failureThreshold: 50, cooldownMs: 100 }, pollIntervalMs: 20 };
const FINAL = new Set(["completed", "failed-permanently", "dead-letter"]);

async function settle(queue: ExchangeQueue, id: string, timeoutMs = 90_000): Promise<StoredJob> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.get(id);
    if (job && FINAL.has(job.state)) return job;
    if (Date.now() > until) throw new Error(`job ${id} not finished: ${job?.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run<T extends JobType>(queue: ExchangeQueue, job: Job<T>): Promise<StoredJob<T>> {
  const { job: stored } = await queue.enqueue(job, { idempotencyKey: `t-${randomUUID()}`, traceId: `trace-${randomUUID()}` });
  return (await settle(queue, stored.id)) as StoredJob<T>;
}

function completed<T extends JobType>(j: StoredJob<T>): JobResult<T> {
  expect(j.state, JSON.stringify(j.failure)).to.equal("completed");
  return j.result!;
}

const withoutCountryBHandlers: readonly GatewayModule[] = GATEWAY_MODULES.map((m) => (m.name === "country-b" ? createCountryBModule({ registerHandlers: false }) : m));

for (const adapter of ["embedded", "bullmq"] as const) {
  describe(`country B against a LU gateway, over mutual TLS, ${adapter} queue`, function () {
    this.timeout(300_000);
    let t: TwoGateways;
    let queue: ExchangeQueue;
    const prefix = `passerelle-test-cb-${randomUUID()}`;

    before(async function () {
      if (adapter === "bullmq") {
        const why = await redisUnavailable();
        if (why && process.env.CI === "true") throw new Error(`Redis unreachable at ${TEST_REDIS_URL}: ${why}`);
        if (why) this.skip();
      }
      t = await startTwoGateways({ beModules: withoutCountryBHandlers });
      queue = adapter === "embedded"
        ? new EmbeddedExchangeQueue({ database: t.be.context.database, settings: FAST })
        : new BullmqExchangeQueue({ url: TEST_REDIS_URL, prefix, settings: FAST });
      const handlers = countryBHandlers(countryBOf(t.be.context));
      for (const type of COUNTRY_B_JOB_TYPES) queue.process(type, handlers[type] as never);
    });
    after(async () => {
      await queue?.close();
      await t?.stop();
      if (adapter === "bullmq") await deleteRedisKeys(TEST_REDIS_URL, prefix);
    });

    it("discovers a LU demo patient by matricule: the patient under LU's eHDSI domain", async () => {
      const j = await run(queue, { type: "xcpd-discover", country: "LU", requester: DOCTOR, identifiers: [national(SOPHIE)] });
      const { patients } = completed(j);
      expect(patients).to.have.length(1);
      expect(patients[0]!.ids).to.deep.include(ehdsi(SOPHIE));
      expect(patients[0]!.names[0]?.family).to.be.a("string").and.not.equal("");
    });

    it("lists the PS (L3 and L1) and retrieves the L3: seal verified, translated into de, HTML; audited and stored raw", async () => {
      const list = completed(await run(queue, { type: "xca-query", country: "LU", requester: DOCTOR, patientId: ehdsi(SOPHIE), documentClass: "ps" }));
      expect(list.documents.map((d) => d.level).sort()).to.deep.equal(["L1", "L3"]);
      expect(list.documents.every((d) => d.documentClass === "ps")).to.equal(true);
      const l3 = list.documents.find((d) => d.level === "L3")!;
      const j = await run(queue, { type: "xca-retrieve", country: "LU", requester: DOCTOR, patientId: ehdsi(SOPHIE), ...l3, documentClass: "ps", language: "de" });
      const r = completed(j);
      expect(r.documentUniqueId).to.equal(l3.documentUniqueId);
      expect(r.pivotXml).to.contain("<ds:Signature").and.contain(SOPHIE);
      expect(r.translatedXml).to.not.equal(r.pivotXml);
      // Section titles (from their codes' German designations) replaced; the seal does not survive a translation.
      const titles = (xml: string) => [...xml.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
      expect(titles(r.translatedXml)).to.have.length(titles(r.pivotXml).length);
      expect(titles(r.translatedXml)).to.not.deep.equal(titles(r.pivotXml));
      expect(r.translatedXml).to.not.contain("<ds:Signature");
      expect(r.html).to.match(/<html lang="de"/);

      const raw = await rawMessagesOf(t.be.context).summaries(j.id);
      expect(raw.map((m) => m.direction)).to.deep.equal(["outbound", "inbound"]);
      const events = (await auditTrailOf(t.be.context).query({ exchangeId: j.id })).events;
      expect(events.map((e) => e.type)).to.include.members(["EHDSI-91", "EHDSI-92", "EHDSI-22", "EHDSI-94"]);
    });

    it("retrieves the L1 PS too (the PDF inside its CDA), with the same checks", async () => {
      const list = completed(await run(queue, { type: "xca-query", country: "LU", requester: DOCTOR, patientId: ehdsi(SOPHIE), documentClass: "ps" }));
      const l1 = list.documents.find((d) => d.level === "L1")!;
      const r = completed(await run(queue, { type: "xca-retrieve", country: "LU", requester: DOCTOR, patientId: ehdsi(SOPHIE), ...l1, documentClass: "ps", language: "fr" }));
      expect(r.pivotXml).to.contain("nonXMLBody").and.contain("<ds:Signature");
      expect(r.html).to.match(/<html lang="fr"/);
    });

    it("a document whose seal the partner's signing trust does not cover is refused, not retried", async () => {
      const registry = partnerTrustOf(t.be.context).registry;
      const luPartner = registry.get("LU")!.partner;
      // LU's signing entry replaced by BE's own CA: LU's seal no longer chains to what we trust for LU.
      const beCa = parsePemCertificates(readFileSync(join(t.be.context.config.certsDir, "ca.pem"), "utf8"))[0]!;
      const list = completed(await run(queue, { type: "xca-query", country: "LU", requester: DOCTOR, patientId: ehdsi(SOPHIE), documentClass: "ps" }));
      registry.replace([{ ...luPartner, certificates: [...luPartner.certificates.filter((c) => c.usage === "tls"), toTrustEntry(beCa, "signing", "ca")] }]);
      try {
        const j = await run(queue, { type: "xca-retrieve", country: "LU", requester: DOCTOR, patientId: ehdsi(SOPHIE), ...list.documents.find((d) => d.level === "L3")!, documentClass: "ps", language: "de" });
        expect(j.state).to.equal("failed-permanently");
        expect(j.attempts).to.equal(1);
        expect(j.failure!.code).to.equal(ErrorCode.SignerUntrusted);
      } finally {
        registry.replace([luPartner]);
      }
    });

    it("lists and retrieves an eP, dispenses it here: the eD goes by XDR, LU's record shows it dispensed", async () => {
      const list = completed(await run(queue, { type: "xca-query", country: "LU", requester: PHARMACIST, patientId: ehdsi(MARIE), documentClass: "ep" }));
      const store = new EmbeddedNationalStore(t.lu.context.database);
      const before = await store.listPrescriptions(national(MARIE));
      let chosen: { prescriptionId: string; xml: string } | undefined;
      for (const d of list.documents.filter((x) => x.level === "L3")) {
        const r = completed(await run(queue, { type: "xca-retrieve", country: "LU", requester: PHARMACIST, patientId: ehdsi(MARIE), ...d, documentClass: "ep", language: "fr" }));
        const ep = parseEPrescription(r.pivotXml);
        const national = before.find((p) => ep.id.endsWith(`^${p.id}`));
        if (national && national.status === "active" && national.items.every((i) => i.substitutionAllowed && i.packages - i.packagesDispensed >= 1)) {
          chosen = { prescriptionId: ep.id, xml: r.pivotXml };
          break;
        }
      }
      expect(chosen, "a dispensable eP of Marie").to.not.equal(undefined);
      const ep = parseEPrescription(chosen!.xml);
      const nationalP = before.find((p) => ep.id.endsWith(`^${p.id}`))!;
      const dispensedBefore = nationalP.items.map((i) => i.packagesDispensed);
      const dispensation = {
        id: `ed-${randomUUID()}`, prescriptionId: ep.id, patient: nationalP.patient,
        dispenser: { id: { system: "2.16.56.1.2.5", value: "APB-42" }, name: { family: "Claes", given: ["Jan"] }, role: { code: "2262", system: "2.16.840.1.113883.2.9.6.2.7", display: "Pharmacists" } },
        pharmacy: { id: { system: "2.16.56.1.2.4", value: "APB-CENTRUM" }, name: "Apotheek Centrum", address: { lines: ["Bondgenotenlaan 1"], city: "Leuven", country: "BE" } },
        time: new Date().toISOString(),
        // The item ids as the eP gives them (root^extension); products from the prescription.
        items: ep.items.map((item, i) => ({ prescriptionItemId: item.id, product: nationalP.items[i]!.product, packages: 1, substituted: false })),
        language: "nl-BE",
      };
      const j = await run(queue, { type: "xdr-submit", country: "LU", requester: PHARMACIST, patientId: ehdsi(MARIE), prescriptionId: ep.id, dispensation });
      const r = completed(j);
      expect(r.status).to.equal("success");
      // LU records it (at once, or deferred through its own queue): wait for the national record.
      const until = Date.now() + 60_000;
      let after: number[] = dispensedBefore;
      while (Date.now() < until) {
        after = (await store.getPrescription(national(MARIE), nationalP.id))!.items.map((i) => i.packagesDispensed);
        if (after.some((n, i) => n > dispensedBefore[i]!)) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(after).to.deep.equal(dispensedBefore.map((n) => n + 1));

      // The same dispensation again (a job re-run after a crash, a client retry under a new key):
      // same eD unique id, LU answers with its stored answer, nothing dispensed twice.
      const again = completed(await run(queue, { type: "xdr-submit", country: "LU", requester: PHARMACIST, patientId: ehdsi(MARIE), prescriptionId: ep.id, dispensation }));
      expect(again).to.deep.equal(r);
      await new Promise((res) => setTimeout(res, 300));
      expect((await store.getPrescription(national(MARIE), nationalP.id))!.items.map((i) => i.packagesDispensed)).to.deep.equal(after);
    });

    it("a patient without consent: the partner's eHDSI error, failed permanently after one attempt", async () => {
      const xcpd = await run(queue, { type: "xcpd-discover", country: "LU", requester: DOCTOR, identifiers: [national(HENRI)] });
      expect(xcpd.state).to.equal("failed-permanently");
      expect(xcpd.attempts).to.equal(1);
      // LU answers NF + InsufficientRights with the acknowledgement detail WARNING_PI_NO_CONSENT.
      expect(xcpd.failure).to.include({ transient: false, code: "WARNING_PI_NO_CONSENT" });
      const list = await run(queue, { type: "xca-query", country: "LU", requester: DOCTOR, patientId: ehdsi(HENRI), documentClass: "ps" });
      expect(list.state).to.equal("failed-permanently");
      expect(list.attempts).to.equal(1);
      expect(["ERROR_PS_NO_CONSENT", "4701"]).to.include(list.failure!.code);
      expect(failureView(list.failure!).ehdsiCode).to.equal(list.failure!.code);
    });

    it("the partner down: transport failures retried, then the dead letter; back up, the replay succeeds", async () => {
      await t.stopLu();
      try {
        const dead = await run(queue, { type: "xca-query", country: "LU", requester: DOCTOR, patientId: ehdsi(SOPHIE), documentClass: "ps" });
        expect(dead.state).to.equal("dead-letter");
        expect(dead.attempts).to.equal(FAST.retry.maxAttempts);
        expect(dead.failure).to.include({ transient: true, code: "TRANSPORT_FAILURE" });
        expect(dead.failure!.message).to.match(/ECONNREFUSED|connect/);
        // Every attempt audited as a failed list and a communication failure (EHDSI-CF).
        const events = (await auditTrailOf(t.be.context).query({ exchangeId: dead.id })).events;
        expect(events.filter((e) => e.type === "EHDSI-CF")).to.have.length(FAST.retry.maxAttempts);
        expect(events.filter((e) => e.type === "EHDSI-21" && e.outcome === "failure")).to.have.length(FAST.retry.maxAttempts);
      } finally {
        await t.startLu();
      }
      const [dead] = (await queue.list({ state: "dead-letter", type: "xca-query" })).jobs;
      await queue.retry(dead!.id);
      const replayed = await settle(queue, dead!.id);
      expect(completed(replayed as StoredJob<"xca-query">).documents).to.have.length(2);
    });
  });
}

describe("country B through the gateway's own exchange queue (module registration)", function () {
  this.timeout(300_000);
  let t: TwoGateways;
  before(async () => {
    t = await startTwoGateways();
  });
  after(async () => {
    await t?.stop();
  });
  it("runs an XCPD discovery enqueued on the BE gateway's queue", async () => {
    const j = await run(exchangeQueueOf(t.be.context), { type: "xcpd-discover", country: "LU", requester: DOCTOR, identifiers: [national(SOPHIE)] });
    const { patients } = completed(j);
    expect(patients[0]!.ids).to.deep.include(ehdsi(SOPHIE));
  });
  it("a caller whose identity cannot be asserted (one-factor login) is refused before anything is sent", async () => {
    const j = await run(exchangeQueueOf(t.be.context), { type: "xcpd-discover", country: "LU", requester: { ...DOCTOR, authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password" }, identifiers: [national(SOPHIE)] });
    expect(j.state).to.equal("failed-permanently");
    expect(j.failure).to.include({ code: ErrorCode.InputInvalid, transient: false });
    expect(await rawMessagesOf(t.be.context).summaries(j.id)).to.deep.equal([]);
    const events = (await auditTrailOf(t.be.context).query({ exchangeId: j.id })).events;
    expect(events.map((e) => [e.type, e.outcome])).to.deep.equal([["EHDSI-91", "failure"]]);
  });
});
