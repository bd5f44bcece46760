import { expect } from "chai";
import { Registry } from "prom-client";
import { certificateExpiries, expiringSoon, logExpiryWarnings, registerExpiryGauge } from "../../src/exchange/partners/expiry";
import { identifyPeer } from "../../src/exchange/partners/peer";
import { PartnerRegistry } from "../../src/exchange/partners/registry";
import { checkPartnerInput } from "../../src/exchange/partners/repository";
import { DAYS, makeCa, makeCert } from "./pki";

const now = new Date();
const dkCa = makeCa("DK TLS CA", "DK");
const fiCa = makeCa("FI TLS CA", "FI");
const networkCa = makeCa("Network CA", "BE");
const signer = makeCert({ cn: "any signer" });
const dkClient = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: dkCa, extKeyUsage: ["clientAuth"] });
const dkServerOnly = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: dkCa, extKeyUsage: ["serverAuth"] });
const dkExpired = makeCert({ cn: "old.dk.example", country: "DK", issuer: dkCa, notBefore: new Date(now.getTime() - DAYS(400)), notAfter: new Date(now.getTime() - DAYS(2)) });
// A self-signed certificate carrying the DK CA's subject: same name, not the same key.
const dkImpostor = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: makeCa("DK TLS CA", "DK") });
const fromNetworkForDk = makeCert({ cn: "ncp.dk.example", country: "DK", issuer: networkCa });
const fromNetworkForFi = makeCert({ cn: "ncp.fi.example", country: "FI", issuer: networkCa });
const fiPinned = makeCert({ cn: "ncp.fi.example", country: "FI", notAfter: new Date(now.getTime() + DAYS(10)) });

function partner(country: string, hc: string, tls: { ca?: string[]; pinned?: string[] }) {
  return checkPartnerInput({ country, homeCommunityId: hc, endpoints: {}, tls, signing: { pinned: [signer.certPem] } });
}

describe("peer identification by TLS client certificate", () => {
  const registry = new PartnerRegistry([
    partner("DK", "urn:oid:1.2.208", { ca: [dkCa.certPem] }),
    partner("FI", "urn:oid:1.2.246", { ca: [fiCa.certPem, networkCa.certPem], pinned: [fiPinned.certPem] }),
  ]);

  it("identifies DK from a certificate issued by DK's CA", () => {
    const r = identifyPeer([dkClient.certPem], registry, now);
    expect(r.ok && r.partner.country).to.equal("DK");
    expect(r.ok && r.via).to.equal("ca");
  });

  it("identifies FI from its pinned self-signed certificate", () => {
    const r = identifyPeer([fiPinned.certPem], registry, now);
    expect(r.ok && r.partner.country).to.equal("FI");
    expect(r.ok && r.via).to.equal("pinned");
  });

  it("does not read the country out of the subject: a DK-named certificate from FI's trusted CA is FI", () => {
    const r = identifyPeer([fromNetworkForDk.certPem], registry, now);
    expect(r.ok && r.partner.country).to.equal("FI");
  });

  it("refuses no certificate, an impostor with a trusted CA's name, an expired one, a server-only one", () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /no client certificate/],
      [[dkImpostor.certPem], /matches no partner/],
      [[dkExpired.certPem], /not valid at/],
      [[dkServerOnly.certPem], /does not allow TLS client/],
    ];
    for (const [chain, reason] of cases) {
      const r = identifyPeer(chain, registry, now);
      expect(r.ok, String(reason)).to.equal(false);
      if (!r.ok) expect(r.reason).to.match(reason);
    }
  });

  it("refuses a certificate whose CA is trusted for two partners, unless pinned", () => {
    const shared = new PartnerRegistry([
      partner("DK", "urn:oid:1.2.208", { ca: [networkCa.certPem] }),
      partner("FI", "urn:oid:1.2.246", { ca: [networkCa.certPem] }),
    ]);
    const r = identifyPeer([fromNetworkForFi.certPem], shared, now);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.match(/several partners.*pin/);
    const pinned = new PartnerRegistry([
      partner("DK", "urn:oid:1.2.208", { ca: [networkCa.certPem] }),
      partner("FI", "urn:oid:1.2.246", { ca: [networkCa.certPem], pinned: [fromNetworkForFi.certPem] }),
    ]);
    const p = identifyPeer([fromNetworkForFi.certPem], pinned, now);
    expect(p.ok && p.partner.country).to.equal("FI");
  });

  it("is refused once the partner is removed from the registry", () => {
    const r = new PartnerRegistry([partner("DK", "urn:oid:1.2.208", { ca: [dkCa.certPem] })]);
    expect(identifyPeer([dkClient.certPem], r, now).ok).to.equal(true);
    r.replace([]);
    expect(identifyPeer([dkClient.certPem], r, now).ok).to.equal(false);
  });
});

describe("certificate expiry warnings and gauge", () => {
  const registry = new PartnerRegistry([partner("FI", "urn:oid:1.2.246", { pinned: [fiPinned.certPem] })]);
  const own = [{ usage: "saml", subject: "CN=us", notAfter: new Date(now.getTime() + DAYS(400)) }];

  it("lists the FI certificate expiring in 10 days, not ours in 400 (threshold configurable)", () => {
    const exp = certificateExpiries(registry, own, now);
    expect(expiringSoon(exp, 30).map((e) => [e.owner, e.usage, e.days])).to.deep.equal([["FI", "tls", 9]]);
    expect(expiringSoon(exp, 5)).to.have.length(0);
    const warnings: string[] = [];
    expect(logExpiryWarnings({ warn: (_o, m) => warnings.push(m) }, exp, 30)).to.equal(1);
    expect(warnings[0]).to.match(/expires in 9 day/);
  });

  it("exposes passerelle_certificate_expiry_days per owner and usage", async () => {
    const metrics = new Registry();
    registerExpiryGauge(metrics, () => certificateExpiries(registry, own, now));
    const text = await metrics.metrics();
    expect(text).to.contain('passerelle_certificate_expiry_days{owner="FI",usage="tls"} 9');
    expect(text).to.contain('passerelle_certificate_expiry_days{owner="self",usage="saml"} 400');
    expect(text).to.match(/passerelle_certificate_expiry_days\{owner="FI",usage="signing"\} \d+/);
  });
});
