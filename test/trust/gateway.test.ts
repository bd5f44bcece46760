// The partners module inside the real gateway (ephemeral ports, temporary directories): the partners
// file is loaded, only registered partners complete the handshake on the partner listener, the peer
// is named from the registry, removal takes effect on the next handshake, and /metrics carries the
// certificate expiry gauge.
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import type { GatewayModule } from "../../src/app/module";
import { loadConfig } from "../../src/config/load";
import { partnersModule, partnerTrustOf } from "../../src/exchange/partners/module";
import { createLogger } from "../../src/shared/logger";
import { peerOfSocket } from "../../src/signing/tls";
import { DAYS, makeCa, makeCert } from "./pki";

const dkCa = makeCa("DK TLS CA", "DK");
const dkClient = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: dkCa, extKeyUsage: ["clientAuth"], notAfter: new Date(Date.now() + DAYS(20)) });
const signer = makeCert({ cn: "DK SAML signer", country: "DK" });

function call(port: number, ca: string, client?: { certPem: string; keyPem: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: "127.0.0.1", port, path: "/ncp/whoami", servername: "localhost", ca, agent: false, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve(body));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    import("node:http").then(({ request }) => {
      const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve(body));
      });
      req.on("error", reject);
      req.end();
    }, reject);
  });
}

describe("partners module in the running gateway", function () {
  this.timeout(60_000);
  let gateway: RunningGateway;
  let root: string;

  const probe: GatewayModule = {
    name: "probe",
    start(ctx) {
      ctx.partnerRouter.get("/ncp/whoami", (req, res) => {
        const who = peerOfSocket(req.socket as TLSSocket, partnerTrustOf(ctx).registry);
        res.status(who.ok ? 200 : 403).send(who.ok ? who.partner.country : who.reason);
      });
    },
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "passerelle-partners-gw-"));
    writeFileSync(join(root, "dk-tls-ca.pem"), dkCa.certPem);
    writeFileSync(join(root, "dk-signer.pem"), signer.certPem);
    writeFileSync(
      join(root, "partners.json"),
      JSON.stringify({ partners: [{ country: "DK", homeCommunityId: "urn:oid:1.2.208", endpoints: { xca: "https://ncp.dk.example/xca" }, tls: { ca: ["dk-tls-ca.pem"] }, signing: { pinned: ["dk-signer.pem"] } }] }),
    );
    const config = loadConfig({
      env: { PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_PARTNERS_FILE: "partners.json", PASSERELLE_LOG_LEVEL: "silent" },
      cwd: root,
    });
    gateway = await startGateway({ config, logger: createLogger({ level: "silent" }), modules: [partnersModule, probe] });
  });
  after(async () => gateway?.stop());

  const ourCa = () => gateway.context.tls.trustedCas[0] ?? "";

  it("serves DK's client certificate and names DK; refuses our own dev client certificate (not a partner)", async () => {
    expect(await call(gateway.ports.partner, ourCa(), dkClient)).to.equal("DK");
    const dev = { certPem: gateway.context.tls.client.certPem, keyPem: gateway.context.tls.client.keyPem };
    let refused = false;
    await call(gateway.ports.partner, ourCa(), dev).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });

  it("refuses DK from the next handshake once it is removed and the registry reloaded", async () => {
    const trust = partnerTrustOf(gateway.context);
    const saved = await trust.repository.get("DK");
    await trust.repository.remove("DK");
    await trust.reload();
    let refused = false;
    await call(gateway.ports.partner, ourCa(), dkClient).catch(() => (refused = true));
    expect(refused).to.equal(true);
    if (saved) await trust.repository.save(saved);
    await trust.reload();
    expect(await call(gateway.ports.partner, ourCa(), dkClient)).to.equal("DK");
  });

  it("exports passerelle_certificate_expiry_days for partners and our own certificates", async () => {
    const metrics = await get(gateway.ports.ops, "/metrics");
    expect(metrics).to.match(/passerelle_certificate_expiry_days\{owner="DK",usage="tls"\} \d+/);
    expect(metrics).to.match(/passerelle_certificate_expiry_days\{owner="self",usage="tls-server"\} \d+/);
  });
});
