// `npm run bench`: every benchmark script, one after the other, each printing its figures beside the
// baseline it measured in the same run. `npm run bench -- documents signing` runs only those named.
// Figures, not verdicts: a floor that is missed is printed as MISSED/OVER and the exit code is 1.
import { machine } from "./measure";

interface Bench {
  name: string;
  describe: string;
  /** Runs the benchmark, prints its figures, returns whether its floors were met. */
  run(): Promise<boolean>;
}

const BENCHES: Bench[] = [
  {
    name: "documents",
    describe: "national PS -> sealed pivot L3, documents/s on one core (floor 200/s)",
    async run() {
      const b = await import("./documents");
      const r = await b.run();
      console.log(b.format(r));
      return r.withinFloor;
    },
  },
  {
    name: "signing",
    describe: "seal and verify alone, against libxmlsec1 in-process (floor: no slower than 3x)",
    async run() {
      const b = await import("./signing");
      const r = await b.run();
      console.log(b.format(r));
      return r.figures.every((f) => f.withinFloor);
    },
  },
  {
    name: "audit",
    describe: "hash-chained audit appends on SQLite and PostgreSQL, against plain inserts",
    async run() {
      const b = await import("./audit");
      const r = await b.run();
      console.log(b.format(r));
      return true;
    },
  },
  {
    name: "consent",
    describe: "1M consent records into SQLite and PostgreSQL (floor 30 s each), decision latency",
    async run() {
      const b = await import("./consent");
      const r = await b.run({ log: (l) => console.error(`  ${l}`) });
      console.log(b.format(r));
      return r.imports.every((i) => i.withinFloor);
    },
  },
  {
    name: "country-a",
    describe: "PS retrievals over mutual TLS at concurrency 1/8/32 beside a cached pre-signed baseline (floor 150/s, p99 < 100 ms at 8)",
    async run() {
      const b = await import("./country-a");
      const r = await b.run();
      console.log(b.format(r));
      return r.withinFloor;
    },
  },
  {
    name: "queue",
    describe: "no-op jobs/s through the embedded queue (SQLite, PostgreSQL) and BullMQ against a direct call",
    async run() {
      const b = await import("./queue");
      const r = await b.run({ log: (l) => console.error(`  ${l}`) });
      console.log(b.format(r));
      return true;
    },
  },
  {
    name: "country-b",
    describe: "XCPD discovery and PS retrieval BE -> LU over mutual TLS: direct calls against the embedded queue and BullMQ, queue overhead per exchange",
    async run() {
      const b = await import("./country-b");
      const r = await b.run({ log: (l) => console.error(`  ${l}`) });
      console.log(b.format(r));
      return true;
    },
  },
  {
    name: "console",
    describe: "operator console pages with 100,000 exchanges in the database against a static page (floor 300 ms)",
    async run() {
      const b = await import("./console");
      const r = await b.run({ log: (l) => console.error(`  ${l}`) });
      console.log(b.format(r));
      return r.withinFloor;
    },
  },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}`);
  process.exit(2);
}
const m = machine();
console.log(`Passerelle benchmarks — ${m.nproc} CPU(s), ${m.cpu}, Node ${m.node}, ${new Date().toISOString()}`);
let allMet = true;
for (const bench of BENCHES.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  console.log(`\n== ${bench.name}: ${bench.describe}`);
  const t0 = performance.now();
  allMet = (await bench.run()) && allMet;
  console.log(`   (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
process.exitCode = allMet ? 0 : 1;
