// The end-to-end setting of country A: a real gateway (startGateway with every module, temporary
// directories, ephemeral ports, demo data) and a foreign gateway played by foreign_gateway.py on
// Debian's python3 (lxml + python-xmlsec), with its own PKI registered as partner DK.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import type { GatewayModule } from "../../src/app/module";
import { GATEWAY_MODULES } from "../../src/app/modules";
import { loadConfig } from "../../src/config/load";
import { createLogger } from "../../src/shared/logger";
import { EHDSI_DIR } from "../helpers/ehdsi";

const run = promisify(execFile);
/** Debian's python3 (python3-lxml, python3-xmlsec), not whatever python3 is first on PATH. */
export const PYTHON = "/usr/bin/python3";
const HELPER = new URL("./foreign_gateway.py", import.meta.url).pathname;

export interface ForeignPki {
  tls_ca: string;
  tls_cert: string;
  tls_key: string;
  saml_cert: string;
  saml_key: string;
}

export interface ForeignAnswer {
  status: number;
  content_type: string;
  message_id: string;
  envelope: string;
  action?: string;
  relates_to?: string;
  documents?: { uniqueId: string; mimeType: string; transfer: "mtom" | "inline"; content_b64: string }[];
  parse_error?: string;
}

export interface E2E {
  root: string;
  gateway: RunningGateway;
  pki: ForeignPki;
  serverCa: string;
  send(spec: Record<string, unknown>): Promise<ForeignAnswer>;
  /** Stops the gateway and starts it again on the same directories (database, certificates). */
  restart(modules?: readonly GatewayModule[]): Promise<void>;
  stop(): Promise<void>;
}

export const HOME = "urn:oid:1.3.182.2.12.10000734";
export const REPOSITORY = "1.3.182.2.12.10000734";
export const EHDSI_DOMAIN = "1.3.182.2.12.10000734.6.1";
export const NATIONAL_ROOT = "1.3.182.4.4";
export const cx = (matricule: string, root = EHDSI_DOMAIN) => `${matricule}^^^&${root}&ISO`;

export async function startE2E(options: { modules?: readonly GatewayModule[]; env?: Record<string, string> } = {}): Promise<E2E> {
  const root = mkdtempSync(join(tmpdir(), "passerelle-e2e-"));
  const { stdout } = await run(PYTHON, [HELPER, "pki", join(root, "dk-pki"), "DK"]);
  const pki = JSON.parse(stdout) as ForeignPki;
  writeFileSync(
    join(root, "partners.json"),
    JSON.stringify({
      partners: [
        {
          country: "DK",
          homeCommunityId: "urn:oid:1.2.208.176.7.2.1",
          endpoints: { xcpd: "https://ncp.dk.test/xcpd", xca: "https://ncp.dk.test/xca", xdr: "https://ncp.dk.test/xdr" },
          tls: { ca: [pki.tls_ca] },
          signing: { pinned: [pki.saml_cert] },
        },
      ],
    }),
  );
  const config = loadConfig({
    env: {
      PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_PARTNERS_FILE: "partners.json",
      PASSERELLE_LOG_LEVEL: "silent", PASSERELLE_DEMO_SEED: "true", PASSERELLE_EHDSI_DIR: EHDSI_DIR, ...options.env,
    },
    cwd: root,
  });
  const start = (modules: readonly GatewayModule[]) => startGateway({ config, logger: createLogger({ level: "silent" }), modules });
  const serverCa = join(config.certsDir, "ca.pem");
  let n = 0;
  const e: E2E = {
    root, gateway: await start(options.modules ?? GATEWAY_MODULES), pki, serverCa,
    async send(spec) {
      const file = join(root, `spec-${++n}.json`);
      writeFileSync(file, JSON.stringify({ pki, server_ca: serverCa, port: e.gateway.ports.partner, ...spec }));
      const { stdout: out } = await run(PYTHON, [HELPER, "send", file], { maxBuffer: 64 * 1024 * 1024 });
      return JSON.parse(out) as ForeignAnswer;
    },
    async restart(modules) {
      await e.gateway.stop();
      e.gateway = await start(modules ?? options.modules ?? GATEWAY_MODULES);
    },
    stop: () => e.gateway.stop(),
  };
  return e;
}
