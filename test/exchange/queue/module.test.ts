// The exchange queue module in a started gateway, embedded and on Redis: handlers registered by
// another module run, exchangeQueueOf(ctx) enqueues, readiness and metrics show the queue, and the
// workers stop with the gateway.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway, type RunningGateway } from "../../../src/app/gateway";
import type { GatewayModule } from "../../../src/app/module";
import { loadConfig } from "../../../src/config/load";
import { exchangeQueueModule, exchangeQueueOf, registerExchangeHandler, registeredExchangeTypes } from "../../../src/exchange/queue/module";
import type { Job } from "../../../src/exchange/queue/port";
import { createLogger } from "../../../src/shared/logger";
import { TEST_REDIS_URL, deleteRedisKeys, redisUnavailable, waitFor } from "./backends";

const delivery: Job<"deliver-dispensation"> = {
  type: "deliver-dispensation",
  dispensationId: "ED-7",
  patientId: { system: "1.3.182.4.4", value: "1985032112345" },
  prescriptionId: "EP-7",
  dispensedIn: "BE",
  dispensation: {
    id: "ED-7",
    prescriptionId: "EP-7",
    patient: { ids: [{ system: "1.3.182.4.4", value: "1985032112345" }], names: [], gender: "male", addresses: [], telecom: [], languages: [], contacts: [] },
    dispenser: {},
    time: "2026-11-27T10:00:00Z",
    items: [],
  },
};

for (const mode of ["embedded", "bullmq"] as const) {
  describe(`exchange queue gateway module [${mode}]`, function () {
    this.timeout(60_000);
    let root = "";
    let gateway: RunningGateway | undefined;
    const delivered: string[] = [];

    // Registers its handler before the queue module starts: the registry does not depend on module order.
    const nationalDelivery: GatewayModule = {
      name: "delivery-probe",
      start(ctx) {
        registerExchangeHandler(ctx, "deliver-dispensation", async (job) => {
          delivered.push(job.job.dispensationId);
          return { prescriptionStatus: "dispensed", recordedAt: new Date().toISOString(), duplicate: false };
        });
      },
    };

    before(async function () {
      if (mode === "bullmq") {
        const reason = await redisUnavailable();
        if (reason !== undefined) {
          if (process.env.CI === "true") throw new Error(`Redis unreachable (CI=true): ${reason}`);
          this.skip();
        }
        await deleteRedisKeys(TEST_REDIS_URL, "passerelle-xq");
      }
      root = mkdtempSync(join(tmpdir(), "passerelle-queue-gw-"));
      // A country of its own (XQ): its Redis keys (passerelle-xq:*) are no other test's.
      const env: Record<string, string> = {
        PASSERELLE_COUNTRY: "XQ",
        PASSERELLE_NATIONAL_PATIENT_ID_OID: "1.2.3.4.1",
        PASSERELLE_EHDSI_PATIENT_ID_DOMAIN: "1.2.3.4.2",
        PASSERELLE_HOME_COMMUNITY_ID: "urn:oid:1.2.3.4",
        PASSERELLE_DOCUMENT_ID_ROOT: "1.2.3.4.3",
        PASSERELLE_CUSTODIAN_OID: "1.2.3.4",
        PASSERELLE_CUSTODIAN_NAME: "Queue test gateway",
        PASSERELLE_PARTNER_PORT: "0",
        PASSERELLE_NATIONAL_PORT: "0",
        PASSERELLE_OPS_PORT: "0",
      };
      if (mode === "bullmq") env.REDIS_URL = TEST_REDIS_URL;
      const config = loadConfig({ env, cwd: root });
      gateway = await startGateway({ config, logger: createLogger({ level: "silent" }), modules: [nationalDelivery, exchangeQueueModule] });
    });

    after(async () => {
      await gateway?.stop();
      if (root) rmSync(root, { recursive: true, force: true });
      if (mode === "bullmq") await deleteRedisKeys(TEST_REDIS_URL, "passerelle-xq");
    });

    it("runs the registered handler for a job enqueued through exchangeQueueOf(ctx)", async () => {
      const queue = exchangeQueueOf(gateway!.context);
      expect(queue.kind).to.equal(mode);
      expect(registeredExchangeTypes(gateway!.context)).to.deep.equal(["deliver-dispensation"]);
      await queue.enqueue(delivery, { idempotencyKey: "ed-7" });
      await waitFor("the delivery", async () => (await queue.get("ed-7"))?.state === "completed");
      expect(delivered).to.deep.equal(["ED-7"]);
    });

    it("reports readiness and queue depth on the ops listener", async () => {
      const base = `http://127.0.0.1:${gateway!.ports.ops}`;
      const ready = (await (await fetch(`${base}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
      expect(ready.checks["exchange-queue"]).to.deep.equal({ ok: true });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).to.match(/passerelle_exchange_jobs\{state="completed"\} 1/);
      expect(metrics).to.match(/passerelle_exchange_dead_letters 0/);
    });

    it("closes the queue with the gateway", async () => {
      const ctx = gateway!.context;
      await gateway!.stop();
      gateway = undefined;
      expect(() => exchangeQueueOf(ctx).process("xca-query", async () => ({ documents: [] }))).to.throw(/closed/);
    });
  });
}
