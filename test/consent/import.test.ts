import { expect } from "chai";
import { Readable } from "node:stream";
import { importConsents, type ImportProgress } from "../../src/consent/import";
import type { ConsentRecord } from "../../src/consent/model";
import { ConsentRepository } from "../../src/consent/repository";
import { ConsentService } from "../../src/consent/service";
import { forEachDatabase } from "../helpers/databases";
import { ALICE, BOB, UNKNOWN, consentEventsOf, directory, freshPatient, trailAudit, uniqueId } from "./fixtures";

const line = (o: Record<string, unknown>) => JSON.stringify({ action: "grant", source: "national-record", recordedBy: "import", requestId: uniqueId("imp"), ...o });

forEachDatabase("consent NDJSON import", (ctx) => {
  it("imports every good line, reports every bad one with its line number and code", async () => {
    const audit = trailAudit(ctx.database);
    const service = new ConsentService({ repository: new ConsentRepository(ctx.database), audit: audit.sink, patients: directory });
    const reused = uniqueId("reused");
    const lines = [
      line({ patient: ALICE, countries: ["FR"], requestId: reused }), // 1 ok
      "{not json", // 2
      line({ patient: "1234567890123" }), // 3 bad matricule
      line({ patient: BOB, countries: ["FR", "ZZ"] }), // 4 unknown country
      "", // 5 blank: skipped
      line({ patient: BOB, validFrom: "2027-01-01", validUntil: "2026-01-01" }), // 6 inverted
      line({ patient: ALICE, countries: ["FR"], services: ["ps"] }), // 7 overlaps line 1
      line({ patient: ALICE, countries: ["FR"], requestId: reused }), // 8 same id, same body: replay
      line({ patient: ALICE, countries: ["BE"], requestId: reused }), // 9 same id, other body
      line({ patient: UNKNOWN }), // 10 unknown patient
      line({ patient: BOB, services: ["ep"], validFrom: "2026-01-01", validUntil: "2026-06-30" }), // 11 ok
      line({ patient: BOB, action: "revoke", services: ["ep"] }), // 12 ok
      line({ patient: BOB, extra: 1 }), // 13 unknown field
    ].join("\n");
    const progress: ImportProgress[] = [];
    const report = await importConsents(service, Readable.from([Buffer.from(lines)]), { importedBy: "test", batchSize: 3, onProgress: (p) => progress.push(p) });
    expect(report).to.include({ lines: 13, imported: 3, replayed: 1, rejected: 8, errorsOmitted: 0 });
    expect(report.errors.map((e) => [e.line, e.code])).to.deep.equal([
      [2, "CONSENT_INPUT_INVALID"],
      [3, "CONSENT_MATRICULE_INVALID"],
      [4, "CONSENT_COUNTRY_UNKNOWN"],
      [6, "CONSENT_PERIOD_INVERTED"],
      [7, "CONSENT_PERIOD_OVERLAP"],
      [9, "CONSENT_REQUEST_ID_REUSED"],
      [10, "CONSENT_PATIENT_UNKNOWN"],
      [13, "CONSENT_INPUT_INVALID"],
    ]);
    expect(report.errors.find((e) => e.line === 4)?.location).to.equal("/countries/1");
    expect(progress.length).to.be.greaterThan(2);
    expect(progress.at(-1)).to.include({ imported: 3, rejected: 8 });
    const bob = await service.repository.history(BOB);
    expect(bob.map((r) => [r.version, r.action, r.validUntil])).to.deep.equal([[1, "grant", "2026-07-01T00:00:00.000Z"], [2, "revoke", undefined]]);
    const alice = await service.repository.history(ALICE);
    expect(alice.map((r) => r.requestId)).to.deep.equal([reused]);
    // Bulk import is audited once, with its counts, not per line.
    expect(await consentEventsOf(audit.trail, ALICE)).to.deep.equal([]);
    const [imported] = (await audit.trail.query({ types: ["CONSENT-IMPORT"], order: "desc", limit: 1 })).events;
    expect(imported).to.deep.include({ outcome: "success", who: { userId: "test" } });
    expect(imported?.details).to.deep.equal({ lines: 13, imported: 3, replayed: 1, rejected: 8 });
  });

  it("splits lines across chunk boundaries and refuses an over-long line only", async () => {
    const service = new ConsentService({ repository: new ConsentRepository(ctx.database), audit: trailAudit(ctx.database).sink });
    const p1 = freshPatient();
    const p2 = freshPatient();
    const text = `${line({ patient: p1 })}\r\n${"x".repeat(5000)}\n${line({ patient: p2 })}`;
    const chunks = text.match(/[\s\S]{1,7}/g)!.map((c) => Buffer.from(c));
    const report = await importConsents(service, Readable.from(chunks), { importedBy: "test", maxLineBytes: 1000 });
    expect(report).to.include({ lines: 3, imported: 2, rejected: 1 });
    expect(report.errors[0]).to.include({ line: 2, code: "CONSENT_INPUT_INVALID" });
  });

  it("loses no good line when a concurrent writer breaks a batch write", async () => {
    const contested = freshPatient();
    const calm = freshPatient();
    class RacingRepository extends ConsentRepository {
      raced = false;
      override async insertMany(records: readonly ConsentRecord[]): Promise<void> {
        if (!this.raced) {
          this.raced = true;
          // Another writer takes version 1 of `contested` between planning and writing.
          await this.append({ patient: contested, action: "revoke", services: ["ps"], countries: ["DE"], source: "paper-form", recordedBy: "other", requestId: uniqueId("race") });
        }
        return super.insertMany(records);
      }
    }
    const service = new ConsentService({ repository: new RacingRepository(ctx.database), audit: trailAudit(ctx.database).sink });
    const text = [line({ patient: calm }), line({ patient: contested, countries: ["FR"] }), line({ patient: calm, action: "revoke", countries: ["FR"] })].join("\n");
    const report = await importConsents(service, Readable.from([text]), { importedBy: "test" });
    expect(report).to.include({ imported: 3, rejected: 0 });
    expect((await service.repository.history(contested)).map((r) => [r.version, r.recordedBy])).to.deep.equal([[1, "other"], [2, "import"]]);
    expect((await service.repository.history(calm)).map((r) => r.version)).to.deep.equal([1, 2]);
  });

  it("re-importing a file replays every line: nothing written, nothing rejected", async () => {
    const service = new ConsentService({ repository: new ConsentRepository(ctx.database), audit: trailAudit(ctx.database).sink });
    const patients = [freshPatient(), freshPatient(), freshPatient()];
    const text = patients.map((p) => line({ patient: p, requestId: `again-${p}` })).join("\n");
    expect(await importConsents(service, Readable.from([text]), { importedBy: "t" })).to.include({ imported: 3, replayed: 0, rejected: 0 });
    const before = await service.repository.count();
    const newcomer = freshPatient();
    const again = await importConsents(service, Readable.from([`${text}\n${line({ patient: newcomer })}`]), { importedBy: "t" });
    expect(again).to.include({ imported: 1, replayed: 3, rejected: 0 });
    expect(await service.repository.count()).to.equal(before + 1);
  });
});
