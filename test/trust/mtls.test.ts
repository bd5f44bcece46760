// Mutual TLS with real sockets: the partner listener refuses at the handshake what the registry does
// not trust, and the outbound agent checks the partner's server certificate and hostname.
import { expect } from "chai";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { PartnerRegistry } from "../../src/exchange/partners/registry";
import { checkPartnerInput } from "../../src/exchange/partners/repository";
import { followPartnerTrust, partnerAgent, partnerServerOptions, peerOfSocket } from "../../src/signing/tls";
import { DAYS, makeCa, makeCert, type TestCert } from "./pki";

const now = Date.now();
const ourCa = makeCa("LU gateway CA", "LU");
const ourServer = makeCert({ cn: "localhost", issuer: ourCa, dns: ["localhost"], ips: ["127.0.0.1"], extKeyUsage: ["serverAuth"] });
const ourClient = makeCert({ cn: "ncp.lu.example", issuer: ourCa, extKeyUsage: ["clientAuth"] });
const dkCa = makeCa("DK TLS CA", "DK");
const dkClient = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: dkCa, extKeyUsage: ["clientAuth"] });
const dkExpired = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: dkCa, notBefore: new Date(now - DAYS(300)), notAfter: new Date(now - DAYS(1)) });
const rogueCa = makeCa("DK TLS CA", "DK"); // same name as DK's CA, another key
const rogueClient = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: rogueCa, extKeyUsage: ["clientAuth"] });
const dkServer = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: dkCa, dns: ["localhost"], ips: ["127.0.0.1"], extKeyUsage: ["serverAuth"] });
const dkServerOtherName = makeCert({ cn: "elsewhere.example", country: "DK", issuer: dkCa, dns: ["elsewhere.example"], extKeyUsage: ["serverAuth"] });
const signer = makeCert({ cn: "signer" });

const own = { keyPem: ourServer.keyPem, certPem: ourServer.certPem };
const dkPartner = () =>
  checkPartnerInput({ country: "DK", homeCommunityId: "urn:oid:1.2.208", endpoints: {}, tls: { ca: [dkCa.certPem] }, signing: { pinned: [signer.certPem] } });

function listen(server: https.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

function call(port: number, client: TestCert | undefined, extra: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        path: "/ncp/xcpd",
        servername: "localhost",
        ca: ourCa.certPem,
        agent: false,
        ...(client ? { key: client.keyPem, cert: client.certPem } : {}),
        ...extra,
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
  throw new Error("the connection was accepted");
}

describe("mutual TLS on the partner listener (real sockets)", function () {
  const registry = new PartnerRegistry([dkPartner()]);
  let server: https.Server;
  let port: number;
  let handshakes = 0;

  before(async () => {
    server = https.createServer(partnerServerOptions(own, registry), (req, res) => {
      const who = peerOfSocket(req.socket as TLSSocket, registry);
      res.writeHead(who.ok ? 200 : 403).end(who.ok ? who.partner.country : who.reason);
    });
    server.on("secureConnection", () => (handshakes += 1));
    followPartnerTrust(server, own, registry);
    port = await listen(server);
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("serves a DK client certificate and names the partner DK", async () => {
    expect(await call(port, dkClient)).to.deep.equal({ status: 200, body: "DK" });
  });

  it("refuses at the handshake: no client certificate, wrong CA (same name), expired", async () => {
    const before = handshakes;
    const codes: string[] = [];
    for (const client of [undefined, rogueClient, dkExpired]) codes.push(await refused(call(port, client)));
    for (const code of codes) expect(code).to.match(/ECONNRESET|EPIPE|ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED|ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE|socket hang up/);
    expect(handshakes, "no refused client completed a handshake").to.equal(before);
    await call(port, dkClient);
    expect(handshakes, "a good client completes one").to.equal(before + 1);
  });

  it("serves a partner whose self-signed client certificate is pinned", async () => {
    const fiSelfSigned = makeCert({ cn: "ncp.fi.example", country: "FI", extKeyUsage: ["clientAuth"] });
    const fi = checkPartnerInput({ country: "FI", homeCommunityId: "urn:oid:1.2.246", endpoints: {}, tls: { pinned: [fiSelfSigned.certPem] }, signing: { pinned: [signer.certPem] } });
    registry.replace([dkPartner(), fi]);
    try {
      expect(await call(port, fiSelfSigned)).to.deep.equal({ status: 200, body: "FI" });
    } finally {
      registry.replace([dkPartner()]);
    }
  });

  it("closes an open keep-alive connection of a partner when it is removed", async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const closed = new Promise<void>((resolve) => {
      const req = https.request({ host: "127.0.0.1", port, path: "/", servername: "localhost", ca: ourCa.certPem, key: dkClient.keyPem, cert: dkClient.certPem, agent }, (res) => {
        res.resume();
        res.on("end", () => undefined);
      });
      req.on("socket", (socket) => socket.once("close", () => resolve()));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    registry.replace([]);
    // well before the server's 5 s keep-alive timeout would close it anyway
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error("still open after 1 s")), 1000))]);
    registry.replace([dkPartner()]);
    agent.destroy();
  });

  it("refuses TLS 1.1", async () => {
    await refused(call(port, dkClient, { maxVersion: "TLSv1.1", minVersion: "TLSv1" }));
  });

  it("refuses DK once removed from the trust list (revocation by removal), and accepts it again when re-added", async () => {
    registry.replace([]);
    await refused(call(port, dkClient));
    registry.replace([dkPartner()]);
    expect((await call(port, dkClient)).body).to.equal("DK");
  });
});

describe("outbound mutual TLS to a partner (real sockets)", function () {
  const registry = new PartnerRegistry([dkPartner()]);
  const ourIdentity = { keyPem: ourClient.keyPem, certPem: ourClient.certPem };

  async function partnerServer(cert: TestCert): Promise<{ server: https.Server; port: number; seenClient: () => string | undefined }> {
    let seen: string | undefined;
    const server = https.createServer({ key: cert.keyPem, cert: cert.certPem, ca: ourCa.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      seen = String((req.socket as TLSSocket).getPeerCertificate().subject?.CN);
      res.end("ok");
    });
    return { server, port: await listen(server), seenClient: () => seen };
  }

  it("presents our client certificate and accepts DK's server certificate for the right host", async () => {
    const { server, port, seenClient } = await partnerServer(dkServer);
    try {
      const r = await call(port, undefined, { agent: partnerAgent(ourIdentity, registry, "DK"), ca: undefined });
      expect(r).to.deep.equal({ status: 200, body: "ok" });
      expect(seenClient()).to.equal("ncp.lu.example");
    } finally {
      server.close();
    }
  });

  it("refuses a DK certificate issued for another host name", async () => {
    const { server, port } = await partnerServer(dkServerOtherName);
    try {
      expect(await refused(call(port, undefined, { agent: partnerAgent(ourIdentity, registry, "DK"), ca: undefined }))).to.equal("ERR_TLS_CERT_ALTNAME_INVALID");
    } finally {
      server.close();
    }
  });

  it("refuses a server whose certificate comes from a CA not trusted for DK", async () => {
    const { server, port } = await partnerServer(ourServer);
    try {
      const code = await refused(call(port, undefined, { agent: partnerAgent(ourIdentity, registry, "DK"), ca: undefined }));
      expect(code).to.match(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
    } finally {
      server.close();
    }
  });
});
