// Two Passerelle gateways in this process, each with its own development PKI, each registered as the
// other's partner (TLS and signing trust = the other's CA): LU (country A, demo data) and BE (country B,
// whose clinicians ask LU). Real mutual TLS on ephemeral ports; temporary directories removed at stop.
// LU can be stopped and started again on the same port and database (partner down, then back).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import type { GatewayModule } from "../../src/app/module";
import { GATEWAY_MODULES } from "../../src/app/modules";
import { loadConfig } from "../../src/config/load";
import { generateDevPki } from "../../src/ops/dev-pki";
import { createLogger } from "../../src/shared/logger";
import { EHDSI_DIR } from "../helpers/ehdsi";

export const LU_HOME = "urn:oid:1.3.182.2.12.10000734";
export const LU_EHDSI_DOMAIN = "1.3.182.2.12.10000734.6.1";
export const LU_NATIONAL_ROOT = "1.3.182.4.4";
export const BE_HOME = "urn:oid:2.16.56.1.1.1.1";

const BE_ENV = {
  PASSERELLE_COUNTRY: "BE",
  PASSERELLE_NATIONAL_PATIENT_ID_OID: "2.16.56.1.1.1.2",
  PASSERELLE_EHDSI_PATIENT_ID_DOMAIN: "2.16.56.1.1.1.3",
  PASSERELLE_HOME_COMMUNITY_ID: BE_HOME,
  PASSERELLE_DOCUMENT_ID_ROOT: "2.16.56.1.1.1.4",
  PASSERELLE_CUSTODIAN_OID: "2.16.56.1.1.1.5",
  PASSERELLE_CUSTODIAN_NAME: "Passerelle BE",
  PASSERELLE_DEMO_SEED: "false",
};

export interface TwoGateways {
  lu: RunningGateway;
  be: RunningGateway;
  /** The LU partner port (kept across restarts). */
  luPort: number;
  stopLu(): Promise<void>;
  startLu(): Promise<void>;
  stop(): Promise<void>;
}

function partnersFile(path: string, country: string, home: string, port: number, caPath: string): void {
  const base = `https://localhost:${port}/ncp`;
  writeFileSync(path, JSON.stringify({
    partners: [{ country, homeCommunityId: home, endpoints: { xcpd: `${base}/xcpd`, xca: `${base}/xca`, xdr: `${base}/xdr` }, tls: { ca: [caPath] }, signing: { ca: [caPath] } }],
  }));
}

export async function startTwoGateways(options: { beModules?: readonly GatewayModule[]; beEnv?: Record<string, string> } = {}): Promise<TwoGateways> {
  const root = mkdtempSync(join(tmpdir(), "passerelle-two-"));
  const dirs = { lu: join(root, "lu"), be: join(root, "be") };
  generateDevPki({ dir: join(dirs.lu, "certs"), country: "LU" });
  generateDevPki({ dir: join(dirs.be, "certs"), country: "BE" });
  const common = { PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_PARTNERS_FILE: "partners.json", PASSERELLE_LOG_LEVEL: "silent", PASSERELLE_EHDSI_DIR: EHDSI_DIR };
  const logger = createLogger({ level: "silent" });

  // LU first (its port goes into BE's partner entry); BE's endpoints are not called by these tests.
  partnersFile(join(dirs.lu, "partners.json"), "BE", BE_HOME, 9, join(dirs.be, "certs", "ca.pem"));
  const startLuOn = async (port: number) => {
    const config = loadConfig({ env: { ...common, PASSERELLE_PARTNER_PORT: String(port), PASSERELLE_DEMO_SEED: "true" }, cwd: dirs.lu });
    return startGateway({ config, logger, modules: GATEWAY_MODULES });
  };
  let lu: RunningGateway | undefined = await startLuOn(0);
  const luPort = lu.ports.partner;
  partnersFile(join(dirs.be, "partners.json"), "LU", LU_HOME, luPort, join(dirs.lu, "certs", "ca.pem"));
  const beConfig = loadConfig({ env: { ...common, ...BE_ENV, PASSERELLE_PARTNER_PORT: "0", ...options.beEnv }, cwd: dirs.be });
  const be = await startGateway({ config: beConfig, logger, modules: options.beModules ?? GATEWAY_MODULES });

  const t: TwoGateways = {
    get lu() {
      if (!lu) throw new Error("LU is stopped");
      return lu;
    },
    be,
    luPort,
    async stopLu() {
      await lu?.stop();
      lu = undefined;
    },
    async startLu() {
      lu ??= await startLuOn(luPort);
    },
    async stop() {
      await be.stop();
      await lu?.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return t;
}
