// Shared measuring helpers of the benchmark scripts: the machine they ran on and a timed loop.
import { cpus } from "node:os";

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
}

export function machine(): Machine {
  return { nproc: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version };
}

/** Runs fn repeatedly for about `ms` milliseconds (after a warm-up of 10 calls); calls per second. */
export function perSecond(fn: () => unknown, ms: number): number {
  for (let i = 0; i < 10; i++) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    fn();
    n++;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

/** Calls fn and awaits it, one after the other, for about `ms` milliseconds (after 10 warm-up calls); calls per second. */
export async function awaitedPerSecond(fn: () => Promise<unknown>, ms: number): Promise<number> {
  for (let i = 0; i < 10; i++) await fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}
