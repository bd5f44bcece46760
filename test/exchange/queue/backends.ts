// Runs one mocha suite on every exchange queue backend: the embedded queue on SQLite and on
// PostgreSQL (a fresh database per test, test/helpers/databases.ts) and BullMQ on Redis (a unique key
// prefix per test, its keys deleted afterwards). Redis unreachable: skipped with a message, except
// with CI=true where it fails (DESIGN.md: CI has Redis on 127.0.0.1:6379).
import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { Redis } from "ioredis";
import { BullmqExchangeQueue } from "../../../src/exchange/queue/bullmq";
import { EmbeddedExchangeQueue } from "../../../src/exchange/queue/embedded";
import type { ExchangeQueue } from "../../../src/exchange/queue/port";
import type { PartialQueueSettings } from "../../../src/exchange/queue/settings";
import { TEST_DATABASE_URL, forEachDatabase } from "../../helpers/databases";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** How a child process reaches the same backend (crash-worker.ts). */
export type BackendAddress =
  | { kind: "embedded"; dialect: "sqlite"; dataDir: string }
  | { kind: "embedded"; dialect: "postgres"; url: string; schema: string }
  | { kind: "bullmq"; url: string; prefix: string };

export interface QueueTestContext {
  readonly name: string;
  /** A new queue object on the test's backend (closed after the test). */
  open(settings?: PartialQueueSettings): ExchangeQueue;
  address(): BackendAddress;
}

let redisProbe: Promise<string | undefined> | undefined;

export function redisUnavailable(): Promise<string | undefined> {
  redisProbe ??= (async () => {
    const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 2000 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.ping();
      return undefined;
    } catch (e) {
      return (e as Error).message || String(e);
    } finally {
      client.disconnect();
    }
  })();
  return redisProbe;
}

export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}

export function forEachQueueBackend(title: string, body: (ctx: QueueTestContext) => void): void {
  forEachDatabase(
    `${title} [embedded]`,
    (db) => {
      const opened: ExchangeQueue[] = [];
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((q) => q.close()));
      });
      body({
        name: `embedded/${db.dialect}`,
        open(settings) {
          const q = new EmbeddedExchangeQueue({ database: db.database, settings });
          opened.push(q);
          return q;
        },
        address() {
          const d = db.database;
          if (d.dialect === "sqlite") return { kind: "embedded", dialect: "sqlite", dataDir: dirname(d.location) };
          return { kind: "embedded", dialect: "postgres", url: TEST_DATABASE_URL, schema: d.schema ?? "public" };
        },
      });
    },
    { scope: "test" },
  );

  describe(`${title} [bullmq]`, function () {
    let prefix = "";
    const opened: ExchangeQueue[] = [];
    before(async function () {
      const reason = await redisUnavailable();
      if (reason === undefined) return;
      if (process.env.CI === "true") throw new Error(`Redis unreachable at ${TEST_REDIS_URL} (CI=true: failing, not skipping): ${reason}`);
      console.warn(`      ! Redis unreachable at ${TEST_REDIS_URL}, skipping "${title}": ${reason}`);
      this.skip();
    });
    beforeEach(() => {
      prefix = `ptest-${randomUUID().slice(0, 8)}`;
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((q) => q.close()));
      await deleteRedisKeys(TEST_REDIS_URL, prefix);
    });
    body({
      name: "bullmq",
      open(settings) {
        const q = new BullmqExchangeQueue({ url: TEST_REDIS_URL, prefix, settings });
        opened.push(q);
        return q;
      },
      address: () => ({ kind: "bullmq", url: TEST_REDIS_URL, prefix }),
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
