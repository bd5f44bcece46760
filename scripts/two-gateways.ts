// Two Passerelle gateways in one process, Luxembourg and Belgium, talking to each other over real
// mutual TLS (issue 6 "Two gateways, end to end"): each with its own data and certificates
// directories (a development PKI per country), its own ports, and the other registered as its partner
// (the other's CA trusted for TLS and for SAML signatures). Used by `npm run demo` (scripts/demo.ts)
// and by test/e2e/two-gateways.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startGateway, type RunningGateway } from "../src/app/gateway";
import { GATEWAY_MODULES } from "../src/app/modules";
import { loadConfig } from "../src/config/load";
import type { Config } from "../src/config/schema";
import { DEMO_COUNTRY_ENV } from "../src/national/demo";
import { certFile, generateDevPki, keyFile, PKI_NAMES, TRUST_DIR } from "../src/ops/dev-pki";
import { createLogger, type Logger } from "../src/shared/logger";

export const DEMO_COUNTRIES = ["LU", "BE"] as const;
export type DemoCountry = (typeof DEMO_COUNTRIES)[number];

/** What a national client of one gateway needs to call its REST API (the demo client's certificate). */
export interface NationalClientCredentials {
  readonly baseUrl: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface DemoGateway {
  readonly country: DemoCountry;
  readonly dir: string;
  readonly config: Config;
  /** The configuration as environment variables (to run this gateway as a process: `node --import tsx src/main.ts`, cwd `dir`). */
  readonly env: Readonly<Record<string, string>>;
  gateway: RunningGateway;
  readonly client: NationalClientCredentials;
}

export interface TwoGateways {
  readonly root: string;
  readonly gateways: Readonly<Record<DemoCountry, DemoGateway>>;
  /** Stops one gateway and starts it again on the same directories and ports. */
  restart(country: DemoCountry): Promise<void>;
  stop(country?: DemoCountry): Promise<void>;
  start(country: DemoCountry): Promise<void>;
  close(): Promise<void>;
}

export interface TwoGatewaysOptions {
  /** Parent directory (default: a new temporary directory). */
  readonly root?: string;
  /** Extra configuration for both gateways (e.g. REDIS_URL). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the gateways log (default: nowhere). */
  readonly logger?: Logger;
}

/** A TCP port free right now on 127.0.0.1 (the partners must know each other's address before start). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const quietLogger = (): Logger => createLogger({ level: "silent", destination: new Writable({ write: (_c, _e, done) => done() }) });

export async function startTwoGateways(options: TwoGatewaysOptions = {}): Promise<TwoGateways> {
  const root = options.root ?? mkdtempSync(join(tmpdir(), "passerelle-two-gateways-"));
  const logger = options.logger ?? quietLogger();
  const layout = Object.fromEntries(
    await Promise.all(
      DEMO_COUNTRIES.map(async (country) => {
        const dir = join(root, country.toLowerCase());
        const certsDir = join(dir, "certs");
        mkdirSync(join(certsDir, TRUST_DIR), { recursive: true });
        generateDevPki({ dir: certsDir, country, commonName: `Passerelle ${country} (demo)` });
        return [country, { dir, certsDir, ports: { partner: await freePort(), national: await freePort(), ops: await freePort() } }] as const;
      }),
    ),
  ) as Record<DemoCountry, { dir: string; certsDir: string; ports: { partner: number; national: number; ops: number } }>;

  const configs = {} as Record<DemoCountry, Config>;
  const envs = {} as Record<DemoCountry, Record<string, string>>;
  for (const country of DEMO_COUNTRIES) {
    const env: Record<string, string> = {
      ...(DEMO_COUNTRY_ENV[country] ?? {}),
      PASSERELLE_COUNTRY: country,
      PASSERELLE_HOST: "127.0.0.1",
      PASSERELLE_PARTNER_PORT: String(layout[country].ports.partner),
      PASSERELLE_NATIONAL_PORT: String(layout[country].ports.national),
      PASSERELLE_OPS_PORT: String(layout[country].ports.ops),
      PASSERELLE_DATA_DIR: join(layout[country].dir, "data"),
      PASSERELLE_CERTS_DIR: layout[country].certsDir,
      PASSERELLE_PARTNERS_FILE: join(layout[country].dir, "partners.json"),
      PASSERELLE_DEMO_SEED: "true",
      PASSERELLE_LOG_LEVEL: "silent",
      ...options.env,
    };
    configs[country] = loadConfig({ env, cwd: layout[country].dir });
    envs[country] = env;
  }
  // Each gateway registers the other: its endpoints, its CA for TLS and for SAML/TRC signatures.
  for (const country of DEMO_COUNTRIES) {
    const other = DEMO_COUNTRIES.find((c) => c !== country)!;
    const otherCa = readFileSync(join(layout[other].certsDir, certFile(PKI_NAMES.ca)), "utf8");
    const base = `https://localhost:${layout[other].ports.partner}/ncp`;
    writeFileSync(
      join(layout[country].dir, "partners.json"),
      `${JSON.stringify(
        {
          partners: [
            {
              country: other,
              homeCommunityId: configs[other].identifiers.homeCommunityId,
              endpoints: { xcpd: `${base}/xcpd`, xca: `${base}/xca`, xdr: `${base}/xdr` },
              tls: { ca: [otherCa] },
              signing: { ca: [otherCa] },
            },
          ],
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(join(layout[country].certsDir, TRUST_DIR, `${other.toLowerCase()}-ca.pem`), otherCa);
  }

  const startOne = async (country: DemoCountry) => {
    // Each gateway seeds its own demo records and consents (PASSERELLE_DEMO_SEED; src/consent/demo.ts).
    return startGateway({ config: configs[country], logger: logger.child({ gateway: country }), modules: GATEWAY_MODULES });
  };
  const gateways = {} as Record<DemoCountry, DemoGateway>;
  const running = new Set<DemoCountry>();
  try {
    for (const country of DEMO_COUNTRIES) {
      const certs = layout[country].certsDir;
      gateways[country] = {
        country,
        dir: layout[country].dir,
        config: configs[country],
        env: envs[country],
        gateway: await startOne(country),
        client: {
          baseUrl: `https://localhost:${layout[country].ports.national}`,
          ca: readFileSync(join(certs, certFile(PKI_NAMES.ca)), "utf8"),
          cert: readFileSync(join(certs, certFile(PKI_NAMES.tlsClient)), "utf8"),
          key: readFileSync(join(certs, keyFile(PKI_NAMES.tlsClient)), "utf8"),
        },
      };
      running.add(country);
    }
  } catch (e) {
    for (const c of running) await gateways[c].gateway.stop();
    throw e;
  }

  const handle: TwoGateways = {
    root,
    gateways,
    async stop(country) {
      for (const c of country ? [country] : [...running]) {
        if (!running.has(c)) continue;
        running.delete(c);
        await gateways[c].gateway.stop();
      }
    },
    async start(country) {
      if (running.has(country)) return;
      gateways[country].gateway = await startOne(country);
      running.add(country);
    },
    async restart(country) {
      await handle.stop(country);
      await handle.start(country);
    },
    close: () => handle.stop(),
  };
  return handle;
}
