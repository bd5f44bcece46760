// `npm run demo` (issue 6 "Two gateways, end to end"): starts a Luxembourg and a Belgian gateway in
// this process, each with its own development PKI, data and ports, registered as each other's
// partner, and plays the scenario of scripts/demo-scenario.ts through their REST APIs, printing each
// step. Exit 0 when every step succeeded; 1 with the step that failed. Needs no service: embedded
// SQLite and the embedded queue (set REDIS_URL to run the queues on Redis instead).
//   npm run demo [-- --keep]   (--keep: leave the gateways' directories for inspection)
import { rmSync } from "node:fs";
import { playScenario, ScenarioStepError } from "./demo-scenario";
import { startTwoGateways, type TwoGateways } from "./two-gateways";

async function main(): Promise<number> {
  const keep = process.argv.includes("--keep");
  const print = (line: string) => process.stdout.write(`${line}\n`);
  print("Passerelle demo: two gateways, Luxembourg (LU) and Belgium (BE), over mutual TLS");
  let two: TwoGateways | undefined;
  try {
    two = await startTwoGateways({ env: process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {} });
    for (const g of Object.values(two.gateways)) {
      print(`  ${g.country}: partner https://localhost:${g.gateway.ports.partner}/ncp  national ${g.client.baseUrl}/api  queue ${g.config.redisUrl ? "BullMQ" : "embedded"}  data ${g.dir}`);
    }
    const report = await playScenario(two, { print });
    print(`\nAll steps succeeded: ${report.exchanges.length} exchanges, each completed once; LU prescription ${report.dispensedPrescriptionId} is ${report.luPrescriptionStatus}.`);
    return 0;
  } catch (e) {
    const message = e instanceof ScenarioStepError ? e.message : `the demo could not run: ${(e as Error).stack ?? String(e)}`;
    process.stderr.write(`\nFAILED — ${message}\n`);
    return 1;
  } finally {
    await two?.close();
    if (two && !keep) rmSync(two.root, { recursive: true, force: true });
    else if (two) print(`(kept ${two.root})`);
  }
}

process.exitCode = await main();
