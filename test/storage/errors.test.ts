// isUniqueViolation against the errors the real drivers raise: a duplicate primary key and a
// duplicate unique column are recognised; a NOT NULL violation and other errors are not.
import { expect } from "chai";
import { sql } from "kysely";
import { isUniqueViolation } from "../../src/storage/errors";
import { forEachDatabase } from "../helpers/databases";

async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  return expect.fail("the statement was expected to fail");
}

forEachDatabase(
  "isUniqueViolation",
  (ctx) => {
    beforeEach(async () => {
      await sql`create table t (id text primary key, u text unique, n text not null)`.execute(ctx.database.db);
      await sql`insert into t (id, u, n) values ('a', 'x', 'v')`.execute(ctx.database.db);
    });

    it("is true for a duplicate primary key", async () => {
      const e = await errorOf(() => sql`insert into t (id, u, n) values ('a', 'y', 'v')`.execute(ctx.database.db));
      expect(isUniqueViolation(e)).to.equal(true);
    });

    it("is true for a duplicate unique column", async () => {
      const e = await errorOf(() => sql`insert into t (id, u, n) values ('b', 'x', 'v')`.execute(ctx.database.db));
      expect(isUniqueViolation(e)).to.equal(true);
    });

    it("is false for a NOT NULL violation, a syntax error and non-errors", async () => {
      const notNull = await errorOf(() => sql`insert into t (id, u, n) values ('c', 'z', null)`.execute(ctx.database.db));
      const syntax = await errorOf(() => sql`insert into nowhere values (1)`.execute(ctx.database.db));
      for (const e of [notNull, syntax, null, undefined, "23505", new Error("unique")]) expect(isUniqueViolation(e), String(e)).to.equal(false);
    });
  },
  { migrations: [], scope: "test" },
);
