// A worker process that takes jobs and never finishes them, to be killed with SIGKILL by the contract
// tests ("a worker crash"). Usage: node --import tsx crash-worker.ts '<BackendAddress JSON>' '<settings JSON>' <job type>
// Prints "started <job id>" for each job it holds.
import { tmpdir } from "node:os";
import { BullmqExchangeQueue } from "../../../src/exchange/queue/bullmq";
import { EmbeddedExchangeQueue } from "../../../src/exchange/queue/embedded";
import { isJobType, type ExchangeQueue } from "../../../src/exchange/queue/port";
import { openDatabase } from "../../../src/storage/database";
import type { BackendAddress } from "./backends";

const [addressJson, settingsJson, type] = process.argv.slice(2);
const address = JSON.parse(addressJson ?? "{}") as BackendAddress;
const settings = JSON.parse(settingsJson ?? "{}") as object;
if (!type || !isJobType(type)) throw new Error(`crash-worker: bad job type ${type}`);

let queue: ExchangeQueue;
if (address.kind === "bullmq") {
  queue = new BullmqExchangeQueue({ url: address.url, prefix: address.prefix, settings });
} else {
  const database =
    address.dialect === "sqlite" ? await openDatabase({ dataDir: address.dataDir }) : await openDatabase({ url: address.url, dataDir: tmpdir(), schema: address.schema, poolSize: 2 });
  queue = new EmbeddedExchangeQueue({ database, settings });
}
queue.process(
  type,
  (job) => {
    process.stdout.write(`started ${job.id}\n`);
    return new Promise(() => undefined);
  },
  { concurrency: 1 },
);
process.stdout.write("ready\n");
