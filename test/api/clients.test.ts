// The national client registry on both databases, the failure limiter, the scope table, and the
// `passerelle clients` commands (token printed once, certificate checked against the national CA).
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NationalClientRepository, generateToken, looksLikeToken, parseScopes, pinOfPem, tokenSha256 } from "../../src/api/clients";
import { FailureLimiter } from "../../src/api/failure-limiter";
import { scopeFor } from "../../src/api/scopes";
import { loadConfig } from "../../src/config/load";
import { generateDevPki } from "../../src/ops/dev-pki";
import { forEachDatabase } from "../helpers/databases";
import { runPasserelle } from "../helpers/cli";
import { makeCa, makeCert } from "../trust/pki";
import { devCa, tokenOf } from "./client";

async function rejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome, "should have been refused").to.be.instanceOf(Error);
  expect((outcome as Error).message).to.match(message);
}

describe("national clients", () => {
  describe("tokens and scopes", () => {
    it("tokens carry 256 random bits, have one shape, and differ each time", () => {
      const tokens = new Set(Array.from({ length: 200 }, generateToken));
      expect(tokens.size).to.equal(200);
      for (const t of tokens) {
        expect(looksLikeToken(t)).to.equal(true);
        expect(Buffer.from(t.slice(4), "base64url")).to.have.length(32);
      }
      expect(looksLikeToken("psl_short")).to.equal(false);
      expect(tokenSha256("psl_x")).to.match(/^[0-9a-f]{64}$/);
    });

    it("scopes: known names only, at least one; a route group needs read or write by method; uncovered paths need none that exists", () => {
      expect(parseScopes(["consent:write,consent:read", "consent:read"])).to.deep.equal(["consent:read", "consent:write"]);
      expect(() => parseScopes(["consent:admin"])).to.throw(/consent:admin/);
      expect(() => parseScopes([])).to.throw(/at least one scope/);
      expect(scopeFor("GET", "/v1/consents/123")).to.equal("consent:read");
      expect(scopeFor("HEAD", "/v1/consents")).to.equal("consent:read");
      expect(scopeFor("POST", "/v1/consents/import")).to.equal("consent:write");
      expect(scopeFor("GET", "/v1/consentsX")).to.equal(undefined);
      expect(scopeFor("POST", "/v1/exchanges/1")).to.equal("exchanges");
    });
  });

  it("configuration: PASSERELLE_NATIONAL_AUTH defaults to certificate-or-token, the CA to <certs>/ca.pem; bad modes are refused", () => {
    const defaults = loadConfig({ env: {}, cwd: "/srv/gw" }).nationalAuth;
    expect(defaults).to.deep.equal({ mode: "certificate-or-token", clientCaFile: "/srv/gw/certs/ca.pem" });
    const set = loadConfig({ env: { PASSERELLE_NATIONAL_AUTH: "token", PASSERELLE_NATIONAL_CLIENT_CA: "pki/national.pem", PASSERELLE_CERTS_DIR: "/etc/pki" }, cwd: "/srv/gw" }).nationalAuth;
    expect(set).to.deep.equal({ mode: "token", clientCaFile: "/srv/gw/pki/national.pem" });
    expect(loadConfig({ env: { PASSERELLE_CERTS_DIR: "/etc/pki" }, cwd: "/srv/gw" }).nationalAuth.clientCaFile).to.equal("/etc/pki/ca.pem");
    expect(() => loadConfig({ env: { PASSERELLE_NATIONAL_AUTH: "none" }, cwd: "/srv/gw" })).to.throw(/PASSERELLE_NATIONAL_AUTH: must be one of certificate, token, certificate-or-token/);
  });

  describe("failure limiter", () => {
    it("blocks an address after maxFailures within the window, for blockMs; windows reset; addresses are independent", () => {
      let now = 0;
      const limiter = new FailureLimiter({ maxFailures: 3, windowMs: 1000, blockMs: 5000, now: () => now });
      expect(limiter.fail("a")).to.equal(false);
      expect(limiter.fail("a")).to.equal(false);
      now = 1500; // new window: the count starts again
      expect(limiter.fail("a")).to.equal(false);
      expect(limiter.fail("a")).to.equal(false);
      expect(limiter.retryAfterMs("a")).to.equal(0);
      expect(limiter.fail("a")).to.equal(true);
      expect(limiter.retryAfterMs("a")).to.equal(5000);
      expect(limiter.retryAfterMs("b")).to.equal(0);
      now = 6499;
      expect(limiter.retryAfterMs("a")).to.equal(1);
      now = 6500;
      expect(limiter.retryAfterMs("a")).to.equal(0);
    });
  });

  forEachDatabase("client registry", (ctx) => {
    const pki = () => {
      const ca = makeCa("national CA");
      return { ca, leaf: makeCert({ cn: "his", issuer: ca, extKeyUsage: ["clientAuth"] }) };
    };

    it("finds a client by token (only the hash is stored) and by pinned certificate; remove and rotate revoke", async () => {
      const repo = new NationalClientRepository(ctx.database);
      const { client, token } = await repo.add({ name: `t-${ctx.dialect}`, scopes: ["consent:read"], token: true });
      expect(client.hasToken).to.equal(true);
      if (!token) throw new Error("no token");
      expect((await repo.byToken(token))?.name).to.equal(client.name);
      expect(await repo.byToken(generateToken())).to.equal(undefined);
      const rows = await ctx.database.db.selectFrom("national_clients" as never).selectAll().execute();
      expect(JSON.stringify(rows)).to.contain(tokenSha256(token));
      expect(JSON.stringify(rows)).to.not.contain(token.slice(4));

      const rotated = await repo.rotateToken(client.name);
      expect(await repo.byToken(token)).to.equal(undefined);
      expect((await repo.byToken(rotated))?.name).to.equal(client.name);

      const { leaf } = pki();
      const pin = pinOfPem(leaf.certPem);
      const pinned = await repo.add({ name: `c-${ctx.dialect}`, scopes: ["consent:read", "exchanges"], certificate: pin });
      expect(pinned.token).to.equal(undefined);
      expect((await repo.byCertificate(pin.sha256))?.scopes).to.deep.equal(["consent:read", "exchanges"]);
      expect((await repo.byCertificate(pin.sha256.toUpperCase()))?.name, "hex case").to.equal(`c-${ctx.dialect}`);

      await repo.remove(client.name);
      expect(await repo.byToken(rotated)).to.equal(undefined);
      await repo.remove(`c-${ctx.dialect}`);
      expect(await repo.byCertificate(pin.sha256)).to.equal(undefined);
    });

    it("refuses bad names, no credential, duplicates, a certificate pinned twice, and unknown clients", async () => {
      const repo = new NationalClientRepository(ctx.database);
      await rejects(repo.add({ name: "bad name", scopes: ["consent:read"], token: true }), /client name/);
      await rejects(repo.add({ name: "nocred", scopes: ["consent:read"] }), /certificate to pin, a token, or both/);
      await repo.add({ name: "dup", scopes: ["consent:read"], token: true });
      await rejects(repo.add({ name: "dup", scopes: ["consent:read"], token: true }), /already exists/);
      const pin = pinOfPem(pki().leaf.certPem);
      await repo.add({ name: "first", scopes: ["consent:read"], certificate: pin });
      await rejects(repo.add({ name: "second", scopes: ["consent:read"], certificate: pin }), /already pinned by client first/);
      await rejects(repo.remove("nobody"), /no national client nobody/);
      await rejects(repo.rotateToken("nobody"), /no national client nobody/);
    });
  });

  describe("passerelle clients", function () {
    this.timeout(60_000);
    let root: string;
    const env = {};
    const cli = (...args: string[]) => runPasserelle(args, env, root);
    before(() => {
      root = mkdtempSync(join(tmpdir(), "passerelle-clients-cli-"));
      generateDevPki({ dir: join(root, "certs"), country: "LU" });
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it("add --token prints the token once; list never shows it; rotate prints a new one; remove", async () => {
      const add = await cli("clients", "add", "his", "--scope", "consent:read", "--scope", "consent:write", "--token");
      expect(add.code, add.err).to.equal(0);
      const token = tokenOf(add);
      expect(add.err).to.contain("cannot be shown again");
      const list = await cli("clients", "list");
      expect(list.out).to.contain("his  scopes consent:read,consent:write  bearer token");
      expect(list.out).to.not.contain(token);
      const json = await cli("clients", "list", "--json");
      expect(JSON.parse(json.out)[0]).to.include({ name: "his", hasToken: true });
      const rotated = tokenOf(await cli("clients", "rotate", "his"));
      expect(rotated).to.not.equal(token);
      expect((await cli("clients", "remove", "his")).out).to.equal("client his removed");
      expect((await cli("clients", "list")).out).to.equal("no national clients");
      const gone = await cli("clients", "remove", "his");
      expect([gone.code, gone.err]).to.deep.equal([2, "error NOT_FOUND: no national client his"]);
    });

    it("--cert pins a certificate of the national CA and refuses one from another CA", async () => {
      const good = makeCert({ cn: "lab system", issuer: devCa(root), extKeyUsage: ["clientAuth"] });
      const other = makeCert({ cn: "lab system", issuer: makeCa("Passerelle LU development CA"), extKeyUsage: ["clientAuth"] });
      writeFileSync(join(root, "good.pem"), good.certPem);
      writeFileSync(join(root, "other.pem"), other.certPem);
      const refused = await cli("clients", "add", "lab", "--scope", "exchanges", "--cert", "other.pem");
      expect(refused.code).to.equal(2);
      expect(refused.err).to.match(/not issued by a CA of PASSERELLE_NATIONAL_CLIENT_CA/);
      const added = await cli("clients", "add", "lab", "--scope", "exchanges", "--cert", "good.pem");
      expect(added.code, added.err).to.equal(0);
      expect(added.out).to.contain(`certificate sha256:${pinOfPem(good.certPem).sha256}`);
      const rotated = await cli("clients", "rotate", "lab", "--cert", join(root, "certs/tls-client.pem"));
      expect(rotated.code, rotated.err).to.equal(0);
      expect(rotated.out).to.contain(pinOfPem(readFileSync(join(root, "certs/tls-client.pem"), "utf8")).sha256);
    });

    it("usage errors: no credential, unknown scope", async () => {
      const none = await cli("clients", "add", "x", "--scope", "consent:read");
      expect([none.code, none.err]).to.deep.equal([2, "error INPUT_INVALID: give --cert <pem>, --token, or both"]);
      const scope = await cli("clients", "add", "x", "--scope", "everything", "--token");
      expect(scope.code).to.equal(2);
      expect(scope.err).to.contain('scope "everything"');
    });
  });
});
