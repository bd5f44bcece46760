// The raw message store on SQLite and PostgreSQL: byte-exact round trip (text and MTOM binary),
// compression, and purging by age.
import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import { sql } from "kysely";
import { RawMessageStore, retentionCutoff } from "../../src/audit/messages";
import { ehdsiPath } from "../helpers/ehdsi";
import { forEachDatabase } from "../helpers/databases";

const DAY = 86_400_000;

function sampleSoap(): Buffer {
  const dir = ehdsiPath("soap/mtom");
  const name = readdirSync(dir).sort()[0];
  if (!name) throw new Error(`no sample in ${dir}`);
  return readFileSync(`${dir}/${name}`);
}

forEachDatabase(
  "raw message store",
  (ctx) => {
    it("keeps the inbound and outbound messages of an exchange byte for byte, compressed", async () => {
      const store = new RawMessageStore(ctx.database);
      const request = sampleSoap();
      const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
      const response = Buffer.concat([Buffer.from("--MIMEBoundary\r\nContent-Type: application/xop+xml\r\n\r\n<s:Envelope/>\r\n--MIMEBoundary\r\n\r\n"), binary]);
      await store.store({ exchangeId: "ex-1", traceId: "t-1", direction: "inbound", action: "urn:ihe:iti:2007:CrossGatewayRetrieve", contentType: "application/soap+xml", body: request });
      await store.store({ exchangeId: "ex-2", direction: "inbound", body: "<other/>" });
      await store.store({ exchangeId: "ex-1", traceId: "t-1", direction: "outbound", contentType: 'multipart/related; type="application/xop+xml"', body: response });
      const messages = await store.forExchange("ex-1");
      expect(messages.map((m) => m.direction)).to.deep.equal(["inbound", "outbound"]);
      expect(messages[0]?.body.equals(request)).to.equal(true);
      expect(messages[1]?.body.equals(response)).to.equal(true);
      expect(messages[0]).to.include({ exchangeId: "ex-1", traceId: "t-1", action: "urn:ihe:iti:2007:CrossGatewayRetrieve", contentType: "application/soap+xml" });
      const [summary] = await store.summaries("ex-1");
      expect(summary?.size).to.equal(request.length);
      expect(summary?.storedSize).to.be.below(request.length / 2);
      // What the database holds is not the clear text.
      const raw = await sql<{ body: Buffer }>`select body from raw_messages where exchange_id = 'ex-1' order by id`.execute(ctx.database.db);
      expect(Buffer.from(raw.rows[0]?.body ?? []).includes(Buffer.from("Envelope"))).to.equal(false);
    });

    it("purges what is older than a date, or than the retention", async () => {
      const store = new RawMessageStore(ctx.database);
      const now = new Date("2026-11-27T12:00:00Z");
      for (const age of [40, 31, 29, 1]) await store.store({ exchangeId: `age-${age}`, direction: "inbound", body: `<m age="${age}"/>`, at: new Date(now.getTime() - age * DAY) });
      expect(await store.purgeExpired(30, now)).to.equal(2);
      expect(await store.forExchange("age-31")).to.deep.equal([]);
      expect(await store.forExchange("age-29")).to.have.length(1);
      expect(await store.purgeOlderThan(new Date(now.getTime() - 2 * DAY))).to.equal(1);
      expect((await store.forExchange("age-1"))[0]?.body.toString()).to.equal('<m age="1"/>');
      expect(() => retentionCutoff(0, now)).to.throw(/retention/);
    });

    it("refuses a message without exchange id or direction", async () => {
      const store = new RawMessageStore(ctx.database);
      for (const input of [{ exchangeId: " ", direction: "inbound" as const, body: "x" }, { exchangeId: "e", direction: "sideways" as "inbound", body: "x" }]) {
        let error: unknown;
        await store.store(input).catch((e: unknown) => (error = e));
        expect((error as { code?: string } | undefined)?.code).to.equal("INPUT_INVALID");
      }
    });
  },
  { scope: "test" },
);
