// With REDIS_URL the console mounts BullMQ's board under /ops/queues/board: behind the login, read-only
// (GET only), showing the gateway's exchange queues and their jobs. Redis unreachable: skipped with a
// message, failed under CI=true.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import request from "supertest";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import { auditModule } from "../../src/audit/module";
import { loadConfig } from "../../src/config/load";
import { partnersModule } from "../../src/exchange/partners/module";
import { queuePrefix } from "../../src/exchange/queue/factory";
import { exchangeQueueModule, exchangeQueueOf } from "../../src/exchange/queue/module";
import { createConsoleModule } from "../../src/ops/console/module";
import { OperatorAccounts } from "../../src/ops/operators/accounts";
import { createLogger } from "../../src/shared/logger";
import { deleteRedisKeys, redisUnavailable, TEST_REDIS_URL } from "../exchange/queue/backends";

/** A made-up country with its identifiers (a country other than LU must name them). */
const COUNTRY_QB = {
  PASSERELLE_COUNTRY: "QB",
  PASSERELLE_NATIONAL_PATIENT_ID_OID: "1.2.3.4.1",
  PASSERELLE_EHDSI_PATIENT_ID_DOMAIN: "1.2.3.4.2",
  PASSERELLE_HOME_COMMUNITY_ID: "urn:oid:1.2.3.4.3",
  PASSERELLE_DOCUMENT_ID_ROOT: "1.2.3.4.4",
  PASSERELLE_CUSTODIAN_OID: "1.2.3.4.5",
  PASSERELLE_CUSTODIAN_NAME: "Board test gateway",
};

describe("BullMQ board under /ops/queues/board (REDIS_URL)", function () {
  this.timeout(60_000);
  let root = "";
  let gateway: RunningGateway | undefined;
  let base = "";
  let cookie = "";
  let prefix = "";

  before(async function () {
    const reason = await redisUnavailable();
    if (reason) {
      if (process.env.CI === "true") throw new Error(`Redis unreachable at ${TEST_REDIS_URL} (CI=true: failing, not skipping): ${reason}`);
      console.warn(`      ! Redis unreachable at ${TEST_REDIS_URL}, skipping the BullMQ board test: ${reason}`);
      this.skip();
    }
    root = mkdtempSync(join(tmpdir(), "passerelle-board-"));
    // A country code of its own keeps the queue keys (passerelle-<cc>:...) apart from other tests.
    const config = loadConfig({ env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", REDIS_URL: TEST_REDIS_URL, ...COUNTRY_QB }, cwd: root });
    prefix = queuePrefix(config);
    await deleteRedisKeys(TEST_REDIS_URL, prefix);
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    gateway = await startGateway({ config, logger: createLogger({ level: "silent", destination: quiet }), modules: [partnersModule, auditModule, exchangeQueueModule, createConsoleModule()] });
    await new OperatorAccounts(gateway.context.database).add("boarder", "viewer", "board-password-123");
    base = `https://127.0.0.1:${gateway.ports.national}`;
    const login = await request(base).post("/ops/login").disableTLSCerts().type("form").send({ name: "boarder", password: "board-password-123" });
    cookie = String(([] as string[]).concat(login.headers["set-cookie"] ?? [])[0]).split(";")[0] ?? "";
  });

  after(async () => {
    await gateway?.stop();
    if (prefix) await deleteRedisKeys(TEST_REDIS_URL, prefix);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("shows the exchange queues and a job enqueued by the gateway, to logged-in operators only, read-only", async () => {
    const queue = exchangeQueueOf((gateway as RunningGateway).context);
    expect(queue.kind).to.equal("bullmq");
    await queue.enqueue({ type: "xcpd-discover", country: "BE", requester: { nameId: "hcp", subjectId: "Dr B", role: "221", purposeOfUse: "TREATMENT", organization: "H", organizationId: "urn:oid:1.2.3", facilityType: "Hospital", locality: "L", permissions: [], authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:X509" }, identifiers: [{ system: "1.2.3", value: "P1" }] }, { idempotencyKey: "board-job-1" });

    const anonymous = await request(base).get("/ops/queues/board/").disableTLSCerts();
    expect(anonymous.status).to.equal(303);
    const page = await request(base).get("/ops/queues/board/").disableTLSCerts().set("Cookie", cookie);
    expect(page.status).to.equal(200);
    expect(page.text).to.include("Passerelle exchanges");
    const api = await request(base).get("/ops/queues/board/api/queues?activeQueue=exchange-xcpd-discover&status=waiting&page=1").disableTLSCerts().set("Cookie", cookie);
    expect(api.status).to.equal(200);
    const queues = (api.body as { queues: { name: string; readOnlyMode: boolean; jobs: { id: string }[] }[] }).queues;
    const xcpd = queues.find((q) => q.name === "exchange-xcpd-discover");
    expect(xcpd?.readOnlyMode).to.equal(true);
    expect(xcpd?.jobs.map((j) => j.id)).to.include("board-job-1");
    const put = await request(base).put("/ops/queues/board/api/queues/exchange-xcpd-discover/retry/failed").disableTLSCerts().set("Cookie", cookie);
    expect(put.status).to.equal(405);
    const overview = await request(base).get("/ops/queues").disableTLSCerts().set("Cookie", cookie);
    expect(overview.text).to.include('href="/ops/queues/board/"');
  });
});
