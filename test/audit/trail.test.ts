// The hash-chained audit trail on SQLite and PostgreSQL: appends, the append-only triggers, detection of
// every kind of tampering done through raw SQL, and concurrent writers (one process and two connections).
import { expect } from "chai";
import { sql } from "kysely";
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { chainHash, GENESIS_HASH } from "../../src/audit/chain";
import { canonicalJson } from "../../src/audit/event";
import { AuditTrail } from "../../src/audit/trail";
import { openDatabase, type Database } from "../../src/storage/database";
import { isPasserelleError } from "../../src/shared/errors";
import { forEachDatabase, TEST_DATABASE_URL } from "../helpers/databases";
import { dropAppendOnlyTriggers, eventOfType, rawRow, retrieveEvent } from "./fixtures";

async function fill(trail: AuditTrail, n: number): Promise<void> {
  await trail.recordMany(Array.from({ length: n }, (_, i) => eventOfType("EHDSI-21", i + 1)));
}

/** A second, independent connection (pool) to the same database. */
async function secondConnection(database: Database): Promise<Database> {
  return database.dialect === "sqlite"
    ? openDatabase({ dataDir: dirname(database.location) })
    : openDatabase({ url: TEST_DATABASE_URL, dataDir: "/tmp", schema: database.schema, poolSize: 4 });
}

forEachDatabase(
  "audit trail",
  (ctx) => {
    let trail: AuditTrail;
    beforeEach(() => {
      trail = new AuditTrail(ctx.database);
    });

    it("appends events with gap-free seq, each hash over the previous hash and the canonical event", async () => {
      const first = await trail.record(retrieveEvent({ time: "2026-11-27T10:00:00+01:00" }));
      const second = await trail.record(retrieveEvent({ type: "EHDSI-CF", outcome: "failure", errorCode: "ERROR_GENERIC" }));
      expect(first.seq).to.equal(1);
      expect(second.seq).to.equal(2);
      expect(first.time).to.equal("2026-11-27T09:00:00.000Z");
      expect(first.id).to.match(/^[0-9a-f-]{36}$/);
      expect(first.prevHash).to.equal(GENESIS_HASH);
      expect(second.prevHash).to.equal(first.hash);
      // Recomputed here from the definition, not through the trail's own function.
      const { prevHash: _p, hash: _h, ...hashed } = second;
      const expected = createHash("sha256").update(first.hash + canonicalJson(hashed)).digest("hex");
      expect(second.hash).to.equal(expected);
      expect(await trail.get(2)).to.deep.equal(second);
      expect(await trail.head()).to.deep.equal({ seq: 2, hash: second.hash });
      expect(await trail.verifyChain()).to.deep.equal({ ok: true, checked: 2, headSeq: 2 });
    });

    it("the table refuses UPDATE and DELETE (append-only trigger)", async () => {
      await fill(trail, 3);
      for (const statement of [sql`update audit_trail set outcome = 'failure' where seq = 2`, sql`delete from audit_trail where seq = 3`, sql`update audit_chain_head set seq = 1`]) {
        let refused: unknown;
        try {
          await statement.execute(ctx.database.db);
        } catch (e) {
          refused = e;
        }
        expect(String((refused as Error | undefined)?.message)).to.match(/append-only|only moves forward/);
      }
      if (ctx.dialect === "postgres") {
        let refused: unknown;
        await sql`truncate audit_trail`.execute(ctx.database.db).catch((e: unknown) => (refused = e));
        expect(String((refused as Error | undefined)?.message)).to.match(/append-only/);
      }
      expect((await trail.verifyChain()).ok).to.equal(true);
    });

    it("detects a modified row (its hash no longer matches)", async () => {
      await fill(trail, 6);
      await dropAppendOnlyTriggers(ctx.database);
      const row = await rawRow(ctx.database, 4);
      const forged = row.event.replace('"outcome":"success"', '"outcome":"failure"');
      expect(forged).to.not.equal(row.event);
      await sql`update audit_trail set event = ${forged}, outcome = 'failure' where seq = 4`.execute(ctx.database.db);
      const result = await trail.verifyChain();
      expect(result.ok).to.equal(false);
      expect(result.checked).to.equal(3);
      expect(result.firstBroken?.seq).to.equal(4);
      expect(result.firstBroken?.reason).to.match(/hash does not match/);
    });

    it("detects a row rewritten with a recomputed hash (the next row's link breaks)", async () => {
      await fill(trail, 6);
      await dropAppendOnlyTriggers(ctx.database);
      const row = await rawRow(ctx.database, 3);
      const forged = row.event.replace(PATIENT_PATTERN, "9999999999999^^^");
      const hash = chainHash(row.prev_hash, forged);
      await sql`update audit_trail set event = ${forged}, hash = ${hash}, patient_id = ${"9999999999999^^^&1.3.182.2.12.10000734.6.1&ISO"} where seq = 3`.execute(ctx.database.db);
      const result = await trail.verifyChain();
      expect(result.firstBroken?.seq).to.equal(4);
      expect(result.firstBroken?.reason).to.match(/prev_hash is not the hash of seq 3/);
    });

    it("detects a column copy changed behind the hashed event (queries would lie)", async () => {
      await fill(trail, 4);
      await dropAppendOnlyTriggers(ctx.database);
      await sql`update audit_trail set partner_country = 'FR' where seq = 2`.execute(ctx.database.db);
      const result = await trail.verifyChain();
      expect(result.firstBroken).to.deep.equal({ seq: 2, reason: "column partner_country disagrees with the hashed event: the row was modified" });
    });

    it("detects a deleted row (a seq gap) and a deleted tail (shorter than the head)", async () => {
      await fill(trail, 8);
      await dropAppendOnlyTriggers(ctx.database);
      await sql`delete from audit_trail where seq = 8`.execute(ctx.database.db);
      const tail = await trail.verifyChain();
      expect(tail.firstBroken?.seq).to.equal(8);
      expect(tail.firstBroken?.reason).to.match(/seq 8 is missing .*head is seq 8/);
      await sql`delete from audit_trail where seq = 5`.execute(ctx.database.db);
      const gap = await trail.verifyChain();
      expect(gap.checked).to.equal(4);
      expect(gap.firstBroken?.seq).to.equal(5);
      expect(gap.firstBroken?.reason).to.match(/seq 5 is missing \(the next row is seq 6\)/);
    });

    it("detects a row appended behind the head's back (beyond the chain head)", async () => {
      await fill(trail, 3);
      const last = await rawRow(ctx.database, 3);
      const forged = last.event.replace('"seq":3', '"seq":4');
      await sql`insert into audit_trail (seq, id, time, event_type, outcome, event, prev_hash, hash) values (4, 'forged', '2026-01-01T00:00:00.000Z', 'EHDSI-22', 'success', ${forged}, ${last.hash}, ${chainHash(last.hash, forged)})`.execute(ctx.database.db);
      const result = await trail.verifyChain();
      expect(result.firstBroken).to.deep.equal({ seq: 4, reason: "seq 4 lies beyond the chain head (seq 3): a row was inserted" });
      expect(await trail.verifyChain({ from: 10 })).to.deep.include({ ok: true, checked: 0 });
    });

    it("detects reordered rows (two rows swapped their seq)", async () => {
      await fill(trail, 6);
      await dropAppendOnlyTriggers(ctx.database);
      await sql`update audit_trail set seq = -1 where seq = 3`.execute(ctx.database.db);
      await sql`update audit_trail set seq = 3 where seq = 4`.execute(ctx.database.db);
      await sql`update audit_trail set seq = 4 where seq = -1`.execute(ctx.database.db);
      const result = await trail.verifyChain();
      expect(result.firstBroken?.seq).to.equal(3);
      expect(result.firstBroken?.reason).to.match(/hashed as seq 4: rows were reordered/);
    });

    it("verifies a range, anchored on the row before it", async () => {
      await fill(trail, 10);
      expect(await trail.verifyChain({ from: 4, to: 7 })).to.deep.equal({ ok: true, checked: 4, headSeq: 10 });
      await dropAppendOnlyTriggers(ctx.database);
      await sql`update audit_trail set outcome = 'failure' where seq = 9`.execute(ctx.database.db);
      expect((await trail.verifyChain({ from: 4, to: 7 })).ok).to.equal(true);
      expect((await trail.verifyChain({ from: 8 })).firstBroken?.seq).to.equal(9);
    });

    it("200 concurrent record() calls make one valid chain, seq 1..200 each used once", async () => {
      const events = await Promise.all(Array.from({ length: 200 }, (_, i) => trail.record(eventOfType("EHDSI-11", i))));
      expect(events.map((e) => e.seq).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(new Set(events.map((e) => e.traceId)).size).to.equal(200);
      expect(await trail.verifyChain()).to.deep.equal({ ok: true, checked: 200, headSeq: 200 });
    });

    it("two writers on separate connections never fork the chain (the head lock serialises them)", async () => {
      const other = await secondConnection(ctx.database);
      try {
        const second = new AuditTrail(other);
        const writes: Promise<unknown>[] = [];
        for (let i = 0; i < 60; i++) {
          writes.push(trail.record(eventOfType("EHDSI-21", i)));
          writes.push(second.record(eventOfType("EHDSI-31", i)));
          if (i % 10 === 0) writes.push(second.recordMany([eventOfType("EHDSI-32", i), eventOfType("EHDSI-32", i + 1000)]));
        }
        await Promise.all(writes);
      } finally {
        await other.close();
      }
      expect(await trail.verifyChain()).to.deep.equal({ ok: true, checked: 132, headSeq: 132 });
    });

    it("an event the database refuses fails alone, not the events grouped into its transaction", async () => {
      if (ctx.dialect === "sqlite") {
        await sql`create trigger poison before insert on audit_trail when new.trace_id = 'poison' begin select raise(abort, 'poisoned'); end`.execute(ctx.database.db);
      } else {
        await sql.raw(`create function poison() returns trigger language plpgsql as $$ begin if new.trace_id = 'poison' then raise exception 'poisoned'; end if; return new; end $$`).execute(ctx.database.db);
        await sql`create trigger poison before insert on audit_trail for each row execute function poison()`.execute(ctx.database.db);
      }
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => trail.record(eventOfType("EHDSI-11", i, i === 4 ? { traceId: "poison" } : {}))));
      expect(outcomes.map((o) => o.status)).to.deep.equal(Array.from({ length: 10 }, (_, i) => (i === 4 ? "rejected" : "fulfilled")));
      expect(String((outcomes[4] as PromiseRejectedResult).reason)).to.match(/poisoned/);
      expect(await trail.verifyChain()).to.deep.equal({ ok: true, checked: 9, headSeq: 9 });
    });

    it("refuses what the trail must not hold: contents, secrets, malformed ids (nothing appended)", async () => {
      const refusals = [
        retrieveEvent({ details: { documentContent: "PD94bWwg..." } }),
        retrieveEvent({ details: { samlAssertion: "<saml:Assertion/>" } }),
        retrieveEvent({ details: { nested: { password: "x" } } }),
        retrieveEvent({ details: { note: "x".repeat(2000) } }),
        retrieveEvent({ details: { key: "-----BEGIN PRIVATE KEY-----\nMII" } }),
        retrieveEvent({ details: { saml_assertion_id: "ok", attachment: { body: "<x/>" } } }),
        retrieveEvent({ traceId: "trace\u0000-1" }),
        retrieveEvent({ patientId: "2980010112345" }),
        retrieveEvent({ time: "yesterday" }),
        retrieveEvent({ who: { partnerCountry: "Belgium" } }),
        { ...retrieveEvent(), type: "EHDSI-99" as "EHDSI-11" },
      ];
      for (const input of refusals) {
        let error: unknown;
        await trail.record(input).catch((e: unknown) => (error = e));
        expect(isPasserelleError(error, "INPUT_INVALID"), JSON.stringify(input.details ?? input)).to.equal(true);
      }
      expect((await trail.head()).seq).to.equal(0);
      // Facts about contents are fine.
      const kept = await trail.record(retrieveEvent({ details: { contentType: "application/soap+xml", documentCount: 2, assertionId: "_a1" } }));
      expect(kept.details).to.deep.equal({ contentType: "application/soap+xml", documentCount: 2, assertionId: "_a1" });
    });
  },
  { scope: "test" },
);

const PATIENT_PATTERN = /\d{13}\^\^\^/;
