// `passerelle audit verify|export|search` over the real command-line parser and the embedded database.
import { DOMParser } from "@xmldom/xmldom";
import { expect } from "chai";
import { sql } from "kysely";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RawMessageStore } from "../../src/audit/messages";
import { AuditTrail } from "../../src/audit/trail";
import { openDatabase } from "../../src/storage/database";
import { ALL_MIGRATIONS } from "../../src/storage/migration-registry";
import { runMigrations } from "../../src/storage/migrations";
import { runPasserelle } from "../helpers/cli";
import { dropAppendOnlyTriggers, retrieveEvent } from "./fixtures";

describe("passerelle audit", function () {
  this.timeout(30_000);
  let dir: string;
  let env: Record<string, string>;
  const run = (...args: string[]) => runPasserelle(["audit", ...args], env, dir);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "passerelle-audit-cli-"));
    env = { PASSERELLE_DATA_DIR: join(dir, "data"), PASSERELLE_LOG_LEVEL: "silent" };
    const database = await openDatabase({ dataDir: env.PASSERELLE_DATA_DIR as string });
    try {
      await runMigrations(database, ALL_MIGRATIONS);
      const trail = new AuditTrail(database);
      await new RawMessageStore(database).store({ exchangeId: "ex-42", direction: "inbound", action: "urn:ihe:iti:2007:CrossGatewayQuery", body: "<s:Envelope>query</s:Envelope>" });
      await new RawMessageStore(database).store({ exchangeId: "ex-42", direction: "outbound", body: "<s:Envelope>answer</s:Envelope>" });
      await trail.recordMany(Array.from({ length: 12 }, (_, i) => retrieveEvent({ time: new Date(Date.UTC(2026, 10, 2, i)).toISOString(), traceId: `t-${i}`, ...(i === 3 ? { outcome: "failure", errorCode: "1102" } : {}) })));
    } finally {
      await database.close();
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("verify: exit 0 on an intact chain", async () => {
    const r = await run("verify");
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.equal("audit trail intact: 12 event(s) checked, head seq 12");
  });

  it("export: JSON lines to a file, ATNA XML to standard output, filters applied", async () => {
    const out = join(dir, "export.jsonl");
    const json = await run("export", "--from", "2026-11-02T02:00:00Z", "--to", "2026-11-02T06:00:00Z", "--out", out);
    expect(json.code, json.err).to.equal(0);
    expect(json.out).to.equal(`4 event(s) exported to ${out}`);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { seq: number; traceId: string });
    expect(lines.map((l) => l.seq)).to.deep.equal([3, 4, 5, 6]);

    const atna = await run("export", "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-03T00:00:00Z", "--format", "atna", "--outcome", "failure");
    expect(atna.code, atna.err).to.equal(0);
    const doc = new DOMParser({ onError: (level, msg) => { throw new Error(`${level}: ${msg}`); } }).parseFromString(atna.out, "text/xml");
    const messages = doc.getElementsByTagName("AuditMessage");
    expect(messages.length).to.equal(1);
    expect(doc.getElementsByTagName("EventOutcomeDescription")[0]?.textContent).to.equal("1102");
    expect(atna.err).to.contain("1 event(s) exported");
  });

  it("search: newest first, one page, with the cursor of the next", async () => {
    const first = await run("search", "--limit", "5");
    expect(first.code, first.err).to.equal(0);
    expect(first.out.split("\n").map((l) => (JSON.parse(l) as { seq: number }).seq)).to.deep.equal([12, 11, 10, 9, 8]);
    expect(first.err).to.contain("next page: --after 8");
    const next = await run("search", "--limit", "5", "--after", "8", "--trace", "t-2");
    expect(next.out.split("\n").map((l) => (JSON.parse(l) as { seq: number }).seq)).to.deep.equal([3]);
  });

  it("messages: lists and writes out the raw messages of an exchange; exit 2 for an unknown one", async () => {
    const out = join(dir, "raw");
    const r = await run("messages", "ex-42", "--out", out);
    expect(r.code, r.err).to.equal(0);
    const lines = r.out.split("\n");
    expect(lines).to.have.length(2);
    expect(lines[0]?.split("  ").slice(0, 6)).to.deep.equal(["1", "inbound", lines[0]?.split("  ")[2], "30 bytes", "urn:ihe:iti:2007:CrossGatewayQuery", "-"]);
    expect(lines[0]?.split("  ")[2]).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(readFileSync(join(out, "2-outbound.msg"), "utf8")).to.equal("<s:Envelope>answer</s:Envelope>");
    const unknown = await run("messages", "ex-0");
    expect(unknown.code).to.equal(2);
    expect(unknown.err).to.match(/^error NOT_FOUND: no raw message kept for exchange ex-0/);
  });

  it("refuses bad input with exit 2", async () => {
    for (const args of [["export", "--from", "soon", "--to", "2026-11-03T00:00:00Z"], ["export", "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-03T00:00:00Z", "--format", "csv"], ["verify", "--from", "0"], ["search", "--type", "EHDSI-99"]]) {
      const r = await run(...args);
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.err).to.match(/^error INPUT_INVALID/);
    }
  });

  it("verify: exit 1 naming the first broken seq after tampering", async () => {
    const database = await openDatabase({ dataDir: env.PASSERELLE_DATA_DIR as string });
    try {
      await dropAppendOnlyTriggers(database);
      await sql`update audit_trail set event = replace(event, '"durationMs":42', '"durationMs":4') where seq = 7`.execute(database.db);
    } finally {
      await database.close();
    }
    const r = await run("verify");
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/^audit trail BROKEN at seq 7: hash does not match the event/);
    const before = await run("verify", "--to", "6");
    expect(before.code).to.equal(0);
  });
});
