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
