import { expect } from "chai";
import { sql, type Generated } from "kysely";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPasserelleError } from "../../src/shared/errors";
import { openDatabase, redactUrl } from "../../src/storage/database";
import { bindInstanceIdentity } from "../../src/storage/instance";
import { addAutoIncrementId, binaryType, checkMigrations, runMigrations, type DomainMigration } from "../../src/storage/migrations";
import { ALL_MIGRATIONS } from "../../src/storage/migration-registry";
import { forEachDatabase } from "../helpers/databases";

interface SampleTables {
  sample_parent: { id: Generated<number>; label: string; payload: Uint8Array | null; created_at: string };
  sample_child: { id: string; parent_id: number; big: number };
}

const sampleMigrations: DomainMigration[] = [
  {
    name: "202611271901_sample_parent",
    async up(db, ctx) {
      await addAutoIncrementId(db.schema.createTable("sample_parent"), ctx)
        .addColumn("label", "text", (c) => c.notNull().unique())
        .addColumn("payload", binaryType(ctx))
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
    },
  },
  {
    name: "202611271902_sample_child",
    async up(db) {
      await db.schema
        .createTable("sample_child")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("parent_id", "integer", (c) => c.notNull().references("sample_parent.id").onDelete("cascade"))
        .addColumn("big", "bigint", (c) => c.notNull())
        .execute();
    },
  },
];

describe("storage: migration names", () => {
  it("refuses badly named and duplicate migrations, reporting all problems at once", () => {
    const noop = async () => undefined;
    try {
      checkMigrations([
        { name: "create_things", up: noop },
        { name: "202611271900_x_a", up: noop },
        { name: "202611271900_x_a", up: noop },
      ]);
      expect.fail("should have thrown");
    } catch (e) {
      expect(isPasserelleError(e, "CONFIG_INVALID")).to.equal(true);
      expect((e as Error).message).to.contain("create_things").and.contain("appears twice");
    }
  });

  it("orders migrations by name whatever the registry order", () => {
    const noop = async () => undefined;
    const order = [...checkMigrations([{ name: "202611280000_b_x", up: noop }, { name: "202611270000_a_x", up: noop }]).keys()];
    expect(order).to.deep.equal(["202611270000_a_x", "202611280000_b_x"]);
  });

  it("the registry itself is well formed", () => {
    expect(() => checkMigrations(ALL_MIGRATIONS)).not.to.throw();
  });
});

forEachDatabase("storage: database and migrations", (ctx) => {
  // The helper applied the registered migrations; the sample ones come on top.
  const withSamples = [...ALL_MIGRATIONS, ...sampleMigrations];
  it("applies migrations once, and a second run applies nothing", async () => {
    const first = await runMigrations(ctx.database, withSamples);
    expect(first.applied).to.deep.equal(["202611271901_sample_parent", "202611271902_sample_child"]);
    const again = await runMigrations(ctx.database, withSamples);
    expect(again.applied).to.deep.equal([]);
    expect(again.total).to.equal(ALL_MIGRATIONS.length + 2);
  });

  it("round-trips typed rows: auto ids and bigint come back as numbers, binary as bytes", async () => {
    const db = ctx.database.tables<SampleTables>();
    const inserted = await db
      .insertInto("sample_parent")
      .values({ label: "a", payload: Buffer.from([0, 1, 255]), created_at: new Date(0).toISOString() })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(inserted.id).to.be.a("number");
    await db.insertInto("sample_child").values({ id: "c1", parent_id: inserted.id, big: 2 ** 40 }).execute();
    const child = await db.selectFrom("sample_child").selectAll().where("id", "=", "c1").executeTakeFirstOrThrow();
    expect(child.big).to.equal(2 ** 40);
    const parent = await db.selectFrom("sample_parent").selectAll().executeTakeFirstOrThrow();
    expect(Buffer.from(parent.payload!)).to.deep.equal(Buffer.from([0, 1, 255]));
    const count = await db.selectFrom("sample_child").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(Number(count.n)).to.equal(1);
  });

  it("enforces foreign keys", async () => {
    const db = ctx.database.tables<SampleTables>();
    let error: unknown;
    try {
      await db.insertInto("sample_child").values({ id: "orphan", parent_id: 999_999, big: 1 }).execute();
    } catch (e) {
      error = e;
    }
    expect(error, "an orphan row must be refused").to.be.instanceOf(Error);
  });

  it("rolls back a failed transaction", async () => {
    const db = ctx.database.tables<SampleTables>();
    await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("sample_parent").values({ label: "in-tx", payload: null, created_at: "x" }).execute();
        await trx.insertInto("sample_parent").values({ label: "in-tx", payload: null, created_at: "x" }).execute();
      })
      .catch(() => undefined);
    const rows = await db.selectFrom("sample_parent").select("label").where("label", "=", "in-tx").execute();
    expect(rows).to.have.length(0);
  });

  it("names the failing migration and leaves the database usable", async () => {
    const broken: DomainMigration[] = [
      ...withSamples,
      {
        name: "202611271903_sample_broken",
        async up(db) {
          await sql`this is not sql`.execute(db);
        },
      },
    ];
    try {
      await runMigrations(ctx.database, broken);
      expect.fail("should have thrown");
    } catch (e) {
      expect(isPasserelleError(e, "ERROR_GENERIC")).to.equal(true);
      expect((e as Error).message).to.contain("202611271903_sample_broken");
    }
    await ctx.database.ping();
  });

  it("refuses to start when a migration the database ran is no longer known", async () => {
    try {
      await runMigrations(ctx.database, ALL_MIGRATIONS);
      expect.fail("should have thrown");
    } catch (e) {
      expect((e as Error).message).to.contain("202611271901_sample_parent");
    }
  });

  it("binds the database to one gateway identity", async () => {
    expect(await bindInstanceIdentity(ctx.database, { country: "LU", homeCommunityId: "urn:oid:1.2.3" })).to.equal("recorded");
    expect(await bindInstanceIdentity(ctx.database, { country: "LU", homeCommunityId: "urn:oid:1.2.3" })).to.equal("matched");
    try {
      await bindInstanceIdentity(ctx.database, { country: "FR", homeCommunityId: "urn:oid:1.2.3" });
      expect.fail("should have thrown");
    } catch (e) {
      expect(isPasserelleError(e, "CONFIG_INVALID")).to.equal(true);
      expect((e as Error).message).to.contain("country is LU in the database, FR in the configuration");
    }
  });
});

forEachDatabase(
  "storage: fresh database per test",
  (ctx) => {
    it("starts empty (first)", async () => {
      const rows = await ctx.database.tables<SampleTables>().selectFrom("sample_parent").selectAll().execute();
      expect(rows).to.have.length(0);
      await ctx.database.tables<SampleTables>().insertInto("sample_parent").values({ label: "x", payload: null, created_at: "t" }).execute();
    });
    it("starts empty (second)", async () => {
      const rows = await ctx.database.tables<SampleTables>().selectFrom("sample_parent").selectAll().execute();
      expect(rows).to.have.length(0);
    });
  },
  { scope: "test", migrations: sampleMigrations },
);

describe("storage: SQLite file", () => {
  it("creates the data directory, uses WAL and foreign keys, and survives reopening", async () => {
    const dir = mkdtempSync(join(tmpdir(), "passerelle-sqlite-"));
    try {
      const dataDir = join(dir, "nested", "data");
      let database = await openDatabase({ dataDir });
      expect(database.location).to.equal(join(dataDir, "passerelle.sqlite"));
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
      expect(mode.rows[0]?.journal_mode).to.equal("wal");
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(database.db);
      expect(fk.rows[0]?.foreign_keys).to.equal(1);
      await runMigrations(database, sampleMigrations);
      await database.tables<SampleTables>().insertInto("sample_parent").values({ label: "kept", payload: null, created_at: "t" }).execute();
      await database.close();
      database = await openDatabase({ dataDir });
      const rows = await database.tables<SampleTables>().selectFrom("sample_parent").select("label").execute();
      expect(rows.map((r) => r.label)).to.deep.equal(["kept"]);
      await database.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hides the password of a database URL", () => {
    expect(redactUrl("postgres://u:secret@h:5432/db")).to.equal("postgres://u:***@h:5432/db");
    expect(redactUrl("postgres://root@127.0.0.1:5432/test")).to.not.contain("***");
  });

  it("reports an unreachable PostgreSQL as a configuration error", async () => {
    try {
      await openDatabase({ url: "postgres://nobody@127.0.0.1:1/none", dataDir: tmpdir() });
      expect.fail("should have thrown");
    } catch (e) {
      expect(isPasserelleError(e, "CONFIG_INVALID")).to.equal(true);
    }
  });
});
