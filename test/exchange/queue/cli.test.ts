// `passerelle exchanges list|show|retry` over the real command-line parser, on the embedded queue of
// a temporary data directory (the same database the gateway would use).
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedExchangeQueue } from "../../../src/exchange/queue/embedded";
import { TransientError, type Job } from "../../../src/exchange/queue/port";
import { openDatabase, type Database } from "../../../src/storage/database";
import { ALL_MIGRATIONS } from "../../../src/storage/migration-registry";
import { runMigrations } from "../../../src/storage/migrations";
import { runPasserelle } from "../../helpers/cli";
import { waitFor } from "./backends";
import { TEST_REQUESTER as REQUESTER } from "../../helpers/requester";


const retrieve: Job<"xca-retrieve"> = {
  type: "xca-retrieve",
  country: "BE",
  requester: REQUESTER,
  patientId: { system: "2.16.17.710.850.1000.990.1", value: "BE-1" },
  documentClass: "ps",
  homeCommunityId: "urn:oid:2.16.17.710.850.1000.990.1",
  repositoryUniqueId: "2.16.17.710.850.1000.990.1.2",
  documentUniqueId: "2.16.17.710.850.1000.990.1.2.77",
  language: "fr",
};

describe("passerelle exchanges (CLI, embedded queue)", function () {
  this.timeout(30_000);
  let root = "";
  let database: Database;
  let env: Record<string, string>;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "passerelle-exchanges-cli-"));
    const dataDir = join(root, "data");
    env = { PASSERELLE_DATA_DIR: dataDir, PASSERELLE_LOG_LEVEL: "silent" };
    database = await openDatabase({ dataDir });
    await runMigrations(database, ALL_MIGRATIONS);
    // One dead letter (the partner was down) and one waiting job.
    const q = new EmbeddedExchangeQueue({ database, settings: { retry: { maxAttempts: 2, baseDelayMs: 10 }, pollIntervalMs: 10 } });
    q.process("xca-retrieve", async () => {
      throw new TransientError("connect ECONNREFUSED 10.0.0.9:443");
    });
    await q.enqueue(retrieve, { idempotencyKey: "ret-1", traceId: "trace-ret-1" });
    await waitFor("the dead letter", async () => (await q.get("ret-1"))?.state === "dead-letter");
    await q.close();
    await new EmbeddedExchangeQueue({ database }).enqueue({ type: "xcpd-discover", country: "FR", requester: REQUESTER, identifiers: [] }, { idempotencyKey: "disc-1" });
  });

  after(async () => {
    await database?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("lists jobs, filtered by state and type, as text and JSON", async () => {
    const all = await runPasserelle(["exchanges", "list"], env, root);
    expect(all.code, all.err).to.equal(0);
    expect(all.out.split("\n")).to.have.length(2);
    const dead = await runPasserelle(["exchanges", "list", "--state", "dead-letter"], env, root);
    expect(dead.out).to.match(/^ret-1 {2}xca-retrieve {2}BE {2}dead-letter {2}2\/2 .* TRANSPORT_FAILURE: connect ECONNREFUSED/);
    const json = await runPasserelle(["exchanges", "list", "--type", "xcpd-discover", "--json"], env, root);
    const parsed = JSON.parse(json.out) as { jobs: Array<{ id: string; state: string }>; nextCursor: string | null };
    expect(parsed.jobs.map((j) => [j.id, j.state])).to.deep.equal([["disc-1", "waiting"]]);
    expect(parsed.nextCursor).to.equal(null);
  });

  it("refuses an unknown state or type (exit 2)", async () => {
    expect((await runPasserelle(["exchanges", "list", "--state", "lost"], env, root)).code).to.equal(2);
    expect((await runPasserelle(["exchanges", "list", "--type", "fax"], env, root)).code).to.equal(2);
  });

  it("shows one job with its failure, and says when there is none", async () => {
    const shown = await runPasserelle(["exchanges", "show", "ret-1"], env, root);
    expect(shown.code).to.equal(0);
    expect(shown.out).to.contain("state       dead-letter").and.contain("trace id    trace-ret-1").and.contain("failure     TRANSPORT_FAILURE (transport, attempt 2");
    const missing = await runPasserelle(["exchanges", "show", "nope"], env, root);
    expect(missing.code).to.equal(2);
    expect(missing.err).to.contain("NOT_FOUND");
  });

  it("replays a dead letter, and refuses to replay a waiting job", async () => {
    const replay = await runPasserelle(["exchanges", "retry", "ret-1"], env, root);
    expect(replay.code, replay.err).to.equal(0);
    expect(replay.out).to.equal("exchange job ret-1 is waiting again (xca-retrieve, BE)");
    const job = await new EmbeddedExchangeQueue({ database }).get("ret-1");
    expect(job).to.include({ state: "waiting", attempts: 0 });
    const refused = await runPasserelle(["exchanges", "retry", "disc-1"], env, root);
    expect(refused.code).to.equal(2);
    expect(refused.err).to.contain("CONFLICT");
  });
});
