// The per-partner circuit breaker and admission gate on a fake clock.
import { expect } from "chai";
import { CircuitBreakers } from "../../../src/exchange/queue/breaker";
import { PartnerGate } from "../../../src/exchange/queue/partner-gate";
import { queueSettings, retryDelayMs } from "../../../src/exchange/queue/settings";

describe("exchange queue: circuit breaker", () => {
  let now = 0;
  const clock = () => now;

  it("opens after N consecutive transient failures, half-opens after the cool-down, closes on a successful probe", () => {
    now = 1000;
    const b = new CircuitBreakers({ failureThreshold: 3, cooldownMs: 500 }, clock);
    expect(b.recordTransientFailure("BE")).to.equal(false);
    b.recordSuccess("BE"); // an answer resets the count
    b.recordTransientFailure("BE");
    b.recordTransientFailure("BE");
    expect(b.state("BE")).to.equal("closed");
    expect(b.recordTransientFailure("BE")).to.equal(true);
    expect(b.state("BE")).to.equal("open");
    expect(b.tryStart("BE")).to.deep.equal({ allowed: false, retryAt: 1500 });
    expect(b.tryStart("FR")).to.deep.equal({ allowed: true }); // per partner
    now = 1500;
    expect(b.state("BE")).to.equal("half-open");
    expect(b.tryStart("BE")).to.deep.equal({ allowed: true }); // the probe
    expect(b.tryStart("BE").allowed).to.equal(false); // one probe at a time
    b.recordSuccess("BE");
    expect(b.state("BE")).to.equal("closed");
    expect(b.tryStart("BE").allowed).to.equal(true);
  });

  it("re-opens for another cool-down when the probe fails", () => {
    now = 0;
    const b = new CircuitBreakers({ failureThreshold: 1, cooldownMs: 100 }, clock);
    b.recordTransientFailure("DE");
    now = 100;
    expect(b.tryStart("DE").allowed).to.equal(true);
    expect(b.recordTransientFailure("DE")).to.equal(true);
    expect(b.tryStart("DE")).to.deep.equal({ allowed: false, retryAt: 200 });
  });
});

describe("exchange queue: partner gate", () => {
  it("admits up to the partner's concurrency, per partner, with overrides", () => {
    const gate = new PartnerGate(queueSettings({ partnerLimits: { concurrency: 2, ratePerSecond: 100 }, partnerOverrides: { FR: { concurrency: 1 } } }), () => 0);
    expect(gate.admit("BE").admitted).to.equal(true);
    expect(gate.admit("BE").admitted).to.equal(true);
    expect(gate.admit("BE")).to.include({ admitted: false, reason: "concurrency" });
    expect(gate.saturated()).to.deep.equal(["BE"]);
    expect(gate.admit("FR").admitted).to.equal(true);
    expect(gate.admit("FR")).to.include({ admitted: false, reason: "concurrency" });
    gate.finish("BE", "answered");
    expect(gate.admit("BE").admitted).to.equal(true);
  });

  it("limits the start rate with a token bucket", () => {
    let now = 0;
    const gate = new PartnerGate(queueSettings({ partnerLimits: { concurrency: 100, ratePerSecond: 2 } }), () => now);
    expect(gate.admit("BE").admitted).to.equal(true);
    expect(gate.admit("BE").admitted).to.equal(true);
    const refused = gate.admit("BE");
    expect(refused).to.deep.equal({ admitted: false, retryAt: 500, reason: "rate" });
    now = 500;
    expect(gate.admit("BE").admitted).to.equal(true);
  });

  it("retry delays grow exponentially up to the cap", () => {
    const policy = queueSettings({ retry: { baseDelayMs: 100, factor: 3, maxDelayMs: 2000 } }).retry;
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n))).to.deep.equal([100, 300, 900, 2000, 2000]);
  });

  it("refuses nonsensical settings", () => {
    expect(() => queueSettings({ retry: { maxAttempts: 0 } })).to.throw(RangeError);
    expect(() => queueSettings({ partnerLimits: { ratePerSecond: 0 } })).to.throw(RangeError);
  });
});
