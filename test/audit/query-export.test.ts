// Operators' search over the trail (filters, keyset pages) and the exports (JSON lines, ATNA XML), on
// SQLite and PostgreSQL.
import { DOMParser } from "@xmldom/xmldom";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import xpath from "xpath";
import { exportAuditEvents } from "../../src/audit/export";
import { AuditTrail } from "../../src/audit/trail";
import { ehdsiPath } from "../helpers/ehdsi";
import { forEachDatabase } from "../helpers/databases";
import { OTHER_PATIENT, PATIENT, retrieveEvent } from "./fixtures";

const SOURCE = { homeCommunityId: "urn:oid:1.3.182.2.12.10000734", country: "LU" };

forEachDatabase("audit trail search and export", (ctx) => {
  let trail: AuditTrail;
  before(async () => {
    trail = new AuditTrail(ctx.database);
    // 30 events an hour apart from 2026-11-01T00:00Z: every third a failure, every fifth from France.
    const inputs = Array.from({ length: 30 }, (_, i) =>
      retrieveEvent({
        type: i % 2 === 0 ? "EHDSI-21" : "EHDSI-22",
        time: new Date(Date.UTC(2026, 10, 1, i)).toISOString(),
        outcome: i % 3 === 0 ? "failure" : "success",
        ...(i % 3 === 0 ? { errorCode: "4701" } : {}),
        who: { partnerCountry: i % 5 === 0 ? "FR" : "BE", homeCommunityId: "urn:oid:2.16.17.710.812.1000.990.1", hcpId: `hcp-${i}`, role: "221", purposeOfUse: "TREATMENT" },
        patientId: i < 10 ? OTHER_PATIENT : PATIENT,
        traceId: `trace-${i}`,
      }),
    );
    await trail.recordMany(inputs);
  });

  it("filters by time range, type, partner, patient, outcome, error code and trace id", async () => {
    const seqs = async (q: Parameters<AuditTrail["query"]>[0]) => (await trail.query({ ...q, limit: 1000 })).events.map((e) => e.seq);
    expect(await seqs({ from: "2026-11-01T05:00:00Z", to: "2026-11-01T08:00:00Z" })).to.deep.equal([6, 7, 8]);
    expect(await seqs({ from: "2026-11-01T06:00:00+01:00", to: "2026-11-01T11:00:00+00:00" })).to.deep.equal([6, 7, 8, 9, 10, 11]);
    expect((await seqs({ types: ["EHDSI-22"] })).length).to.equal(15);
    expect(await seqs({ partnerCountry: "FR" })).to.deep.equal([1, 6, 11, 16, 21, 26]);
    expect((await seqs({ patientId: OTHER_PATIENT })).length).to.equal(10);
    expect(await seqs({ outcome: "failure", partnerCountry: "FR" })).to.deep.equal([1, 16]);
    expect((await seqs({ errorCode: "4701" })).length).to.equal(10);
    expect(await seqs({ traceId: "trace-12" })).to.deep.equal([13]);
    expect(await seqs({ types: ["EHDSI-91"] })).to.deep.equal([]);
  });

  it("pages with a keyset cursor, oldest or newest first, without repeats or gaps", async () => {
    for (const order of ["asc", "desc"] as const) {
      const seen: number[] = [];
      let after: number | undefined;
      let pages = 0;
      for (;;) {
        const page = await trail.query({ patientId: PATIENT, order, limit: 7, ...(after === undefined ? {} : { after }) });
        seen.push(...page.events.map((e) => e.seq));
        pages += 1;
        if (page.next === undefined) break;
        after = page.next;
      }
      const expected = Array.from({ length: 20 }, (_, i) => i + 11);
      expect(seen).to.deep.equal(order === "asc" ? expected : expected.reverse());
      expect(pages).to.equal(3);
    }
  });

  it("refuses a malformed query", async () => {
    for (const q of [{ limit: 0 }, { limit: 1001 }, { from: "last week" }, { types: ["EHDSI-00" as "EHDSI-11"] }]) {
      let error: unknown;
      await trail.query(q).catch((e: unknown) => (error = e));
      expect((error as { code?: string } | undefined)?.code, JSON.stringify(q)).to.equal("INPUT_INVALID");
    }
  });

  it("exports JSON lines: every event of the range with its seq and hashes", async () => {
    const chunks: string[] = [];
    const count = await exportAuditEvents(trail, { query: { from: "2026-11-01T10:00:00Z", to: "2026-11-01T20:00:00Z" }, format: "json", source: SOURCE, write: (c) => void chunks.push(c) });
    expect(count).to.equal(10);
    const lines = chunks.join("").trimEnd().split("\n").map((l) => JSON.parse(l) as { seq: number; hash: string; prevHash: string });
    expect(lines.map((l) => l.seq)).to.deep.equal([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    for (let i = 1; i < lines.length; i++) expect(lines[i]?.prevHash).to.equal(lines[i - 1]?.hash);
  });

  it("exports ATNA XML shaped like the eHDSI audit samples", async () => {
    const chunks: string[] = [];
    await exportAuditEvents(trail, { query: { from: "2026-11-01T00:00:00Z", to: "2026-11-01T02:00:00Z" }, format: "atna", source: SOURCE, write: (c) => void chunks.push(c) });
    const doc = new DOMParser({ onError: (level, msg) => { throw new Error(`${level}: ${msg}`); } }).parseFromString(chunks.join(""), "text/xml");
    const sel = (path: string, node: Node = doc as unknown as Node) => xpath.select(path, node) as Element[];
    const messages = sel("/AuditMessages/AuditMessage");
    expect(messages).to.have.length(2);
    const [failure, success] = messages as [Element, Element];
    // The same element names and attributes as the eHDSI samples use.
    const sample = new DOMParser().parseFromString(readFileSync(ehdsiPath("audit/patientserviceretrievetauditmessage.xml"), "utf8"), "text/xml");
    for (const path of ["EventIdentification", "EventIdentification/EventID", "EventIdentification/EventTypeCode", "ActiveParticipant/RoleIDCode", "AuditSourceIdentification/AuditSourceTypeCode", "ParticipantObjectIdentification/ParticipantObjectIDTypeCode"]) {
      expect((xpath.select(`/AuditMessage/${path}`, sample as unknown as Node) as Node[]).length, path).to.be.above(0);
      expect(sel(path, success).length, path).to.be.above(0);
    }
    expect(sel("EventIdentification", failure)[0]?.getAttribute("EventOutcomeIndicator")).to.equal("4");
    expect(sel("EventIdentification/EventOutcomeDescription", failure)[0]?.textContent).to.equal("4701");
    const event = sel("EventIdentification", success)[0];
    expect(event?.getAttribute("EventOutcomeIndicator")).to.equal("0");
    expect(event?.getAttribute("EventDateTime")).to.equal("2026-11-01T01:00:00.000Z");
    expect(sel("EventIdentification/EventTypeCode", success).map((c) => c.getAttribute("csd-code"))).to.deep.equal(["EHDSI-22", "ITI-39"]);
    expect(sel("EventIdentification/EventID", success)[0]?.getAttribute("csd-code")).to.equal("110106");
    expect(sel("ActiveParticipant[@UserIsRequestor='true']", success).map((p) => p.getAttribute("UserID"))).to.deep.equal(["hcp-1", "urn:oid:2.16.17.710.812.1000.990.1"]);
    expect(sel("ActiveParticipant[RoleIDCode/@csd-code='ServiceProvider']", success)[0]?.getAttribute("UserID")).to.equal(SOURCE.homeCommunityId);
    expect(sel("AuditSourceIdentification", success)[0]?.getAttribute("AuditSourceID")).to.equal(SOURCE.homeCommunityId);
    expect(sel("ParticipantObjectIdentification[@ParticipantObjectTypeCode='1']", success)[0]?.getAttribute("ParticipantObjectID")).to.equal(OTHER_PATIENT);
    expect(sel("ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole='3']", success).map((p) => p.getAttribute("ParticipantObjectID"))).to.deep.equal([
      "1.3.182.2.12.10000734.9.1.42",
      "1.3.182.2.12.10000734.9.1.43",
    ]);
  });
});
