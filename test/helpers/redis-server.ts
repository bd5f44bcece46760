// A redis-server of a test's own, persisting jobs as src/exchange/queue/README.md requires (appendonly
// yes, appendfsync always, noeviction), on a free port in a directory the test owns: for tests that
// stop and restart Redis (the shared one on 6379 keeps nothing on disk). stopAllRedisServers() ends
// every one still running, so no process outlives the test file.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { waitFor } from "../exchange/queue/backends";

const started: ChildProcess[] = [];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function startRedis(port: number, dir: string): ChildProcess {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--maxmemory-policy", "noeviction"], { stdio: "ignore" });
  started.push(child);
  return child;
}

/** Until PING answers PONG (while the append-only file loads, Redis answers LOADING). */
export async function redisReady(url: string): Promise<void> {
  await waitFor("redis-server to answer", async () => {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on("error", () => undefined);
    try {
      await c.connect();
      return (await c.ping()) === "PONG";
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  });
}

export async function stopAllRedisServers(): Promise<void> {
  const running = started.splice(0).filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    running.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once("exit", () => resolve());
          c.kill("SIGKILL");
        }),
    ),
  );
}
