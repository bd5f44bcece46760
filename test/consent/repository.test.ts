import { expect } from "chai";
import { consentProblemOf } from "../../src/consent/errors";
import { ConsentRepository } from "../../src/consent/repository";
import { forEachDatabase } from "../helpers/databases";
import { ALICE, BOB, freshPatient, grantCommand, revokeCommand, uniqueId } from "./fixtures";

async function problemOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return consentProblemOf(e) ?? `unexpected: ${(e as Error).message}`;
  }
  return undefined;
}

forEachDatabase("consent repository", (ctx) => {
  let repo: ConsentRepository;
  beforeEach(() => {
    repo = new ConsentRepository(ctx.database);
  });

  it("appends versions 1, 2, 3 and reads the history back field for field", async () => {
    const p = ALICE + "";
    const g = grantCommand(p, { countries: ["BE", "FR"], services: ["ps"], validFrom: "2026-01-01T00:00:00.000Z", validUntil: "2027-01-01T00:00:00.000Z", source: "paper-form" });
    const r1 = await repo.append(g, { now: () => "2026-01-01T10:00:00.000Z" });
    const r2 = await repo.append(revokeCommand(p, { countries: ["FR"], services: ["ps"] }), { now: () => "2026-02-01T10:00:00.000Z" });
    const r3 = await repo.append(grantCommand(p, { countries: ["DE"] }), { now: () => "2026-03-01T10:00:00.000Z" });
    expect([r1, r2, r3].map((r) => [r.record.version, r.replayed])).to.deep.equal([[1, false], [2, false], [3, false]]);
    const history = await repo.history(p);
    expect(history).to.deep.equal([r1.record, r2.record, r3.record]);
    expect(history[0]).to.deep.equal({ ...g, version: 1, recordedAt: "2026-01-01T10:00:00.000Z" });
    expect(await repo.history(BOB)).to.deep.equal([]);
  });

  it("answers a replayed request id with the recorded change and writes nothing", async () => {
    const g = grantCommand(BOB);
    const first = await repo.append(g);
    const again = await repo.append({ ...g });
    expect(again).to.deep.equal({ record: first.record, replayed: true });
    expect((await repo.history(BOB)).length).to.equal(1);
  });

  it("refuses a reused request id with another body, naming the differing fields", async () => {
    const g = grantCommand(freshPatient(), { services: ["ps"] });
    await repo.append(g);
    try {
      await repo.append({ ...g, services: ["ep"], recordedBy: "someone else" });
      expect.fail("should refuse");
    } catch (e) {
      expect(consentProblemOf(e)).to.equal("CONSENT_REQUEST_ID_REUSED");
      expect((e as { details: { differingFields: string[] } }).details.differingFields).to.deep.equal(["services", "recordedBy"]);
    }
  });

  it("refuses an expected version other than the current one", async () => {
    const p = BOB;
    const v = (await repo.history(p)).length;
    expect(await problemOf(repo.append(revokeCommand(p), { expectedVersion: v + 5 }))).to.equal("CONSENT_VERSION_MISMATCH");
    const ok = await repo.append(revokeCommand(p), { expectedVersion: v });
    expect(ok.record.version).to.equal(v + 1);
  });

  it("refuses a grant overlapping a grant in effect, accepts it after a revocation", async () => {
    const p = ALICE;
    const before = (await repo.history(p)).length;
    // ALICE still holds version 3 (DE, open-ended) from the first test.
    expect(await problemOf(repo.append(grantCommand(p, { countries: ["DE"], services: ["ep"] })))).to.equal("CONSENT_PERIOD_OVERLAP");
    expect((await repo.history(p)).length).to.equal(before);
    await repo.append(revokeCommand(p, { countries: ["DE"] }));
    const regrant = await repo.append(grantCommand(p, { countries: ["DE"], services: ["ep"] }));
    expect(regrant.record.version).to.equal(before + 2);
  });

  it("gives concurrent appends distinct consecutive versions", async () => {
    const p = freshPatient();
    const results = await Promise.all(Array.from({ length: 16 }, () => repo.append(revokeCommand(p, { requestId: uniqueId("conc") }))));
    expect(results.map((r) => r.record.version).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it("bulk-inserts and reads several histories at once", async () => {
    const records = Array.from({ length: 4500 }, (_, i) => ({
      ...grantCommand(`2000${String(i).padStart(9, "0")}`, { requestId: uniqueId("bulk") }),
      version: 1,
      recordedAt: "2026-01-01T00:00:00.000Z",
    }));
    const n = await repo.count();
    await repo.insertMany(records);
    expect(await repo.count()).to.equal(n + 4500);
    const some = await repo.histories([records[0]!.patient, records[4499]!.patient, "0000000000000"]);
    expect([...some.keys()]).to.have.members([records[0]!.patient, records[4499]!.patient]);
    expect(some.get(records[4499]!.patient)).to.deep.equal([records[4499]]);
    const byId = await repo.byRequestIds([records[10]!.requestId]);
    expect(byId.get(records[10]!.requestId)).to.deep.equal(records[10]);
  });
});
