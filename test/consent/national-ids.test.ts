// Consent speaks of the configured country's patient ids (src/national/patient-id.ts): a BE gateway
// records and checks consent for its national identifiers through the service, the REST API, the
// NDJSON import, the CLI and the demo seed; an LU gateway keeps the matricule and CONSENT_MATRICULE_INVALID.
import { expect } from "chai";
import express from "express";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import request from "supertest";
import { notFoundHandler, problemHandler } from "../../src/app/problem";
import { startGateway, type RunningGateway } from "../../src/app/gateway";
import { auditModule, auditTrailOf } from "../../src/audit/module";
import { TrailConsentAuditSink } from "../../src/audit/consent-sink";
import { AuditTrail } from "../../src/audit/trail";
import { setCliPatientDirectory } from "../../src/cli/consent";
import { runCli } from "../../src/cli/program";
import { loadConfig } from "../../src/config/load";
import { parseCommand } from "../../src/consent/command";
import { DEMO_PATIENTS_WITH_CONSENT_BY_COUNTRY } from "../../src/consent/demo";
import { consentProblemOf } from "../../src/consent/errors";
import { importConsents } from "../../src/consent/import";
import { CONSENT_API_PATH, consentModule, consentServiceOf } from "../../src/consent/module";
import { ConsentRepository } from "../../src/consent/repository";
import { consentRouter } from "../../src/consent/router";
import { ConsentService, type PatientDirectory } from "../../src/consent/service";
import { DEMO_COUNTRY_ENV } from "../../src/national/demo";
import { nationalModule } from "../../src/national/module";
import { nationalPatientIdRule } from "../../src/national/patient-id";
import { createLogger } from "../../src/shared/logger";
import type { Database } from "../../src/storage/database";
import { forEachDatabase } from "../helpers/databases";
import { ALICE, uniqueId } from "./fixtures";

const BE_ENV = DEMO_COUNTRY_ENV.BE!;
const BE_OID = BE_ENV.PASSERELLE_NATIONAL_PATIENT_ID_OID!;
const BE_DOMAIN = BE_ENV.PASSERELLE_EHDSI_PATIENT_ID_DOMAIN!;
const BE_RULE = nationalPatientIdRule("BE", BE_OID);
/** BE national ids: 11 digits, not matricules (a matricule check would refuse them). */
const PIETER = "58021512345";
const AMELIE = "90110422216";
const BE_UNKNOWN = "99123100011";
const beDirectory: PatientDirectory = { exists: async (p) => p === PIETER || p === AMELIE };
const beCx = (patient: string) => `${patient}^^^&${BE_DOMAIN}&ISO`;

function problemOf(fn: () => unknown): { problem: string | undefined; location: unknown } {
  try {
    fn();
  } catch (e) {
    return { problem: consentProblemOf(e), location: (e as { details?: Record<string, unknown> }).details?.location };
  }
  return expect.fail("should have thrown");
}

function beService(database: Database): { service: ConsentService; trail: AuditTrail } {
  const trail = new AuditTrail(database);
  const service = new ConsentService({
    repository: new ConsentRepository(database),
    audit: new TrailConsentAuditSink(trail, { patientIdAuthority: BE_DOMAIN }),
    patients: beDirectory,
    patientIds: BE_RULE,
  });
  return { service, trail };
}

const command = (patient: string, o: Record<string, unknown> = {}) => ({ patient, action: "grant", source: "national-record", recordedBy: "tester", requestId: uniqueId("be"), ...o });

describe("consent command: the patient id by the configured rule", () => {
  it("LU (default): a BE id is not a matricule (CONSENT_MATRICULE_INVALID), a matricule passes", () => {
    expect(problemOf(() => parseCommand(command(PIETER)))).to.deep.equal({ problem: "CONSENT_MATRICULE_INVALID", location: "/patient" });
    expect(parseCommand(command(ALICE)).command.patient).to.equal(ALICE);
  });

  it("BE: a national identifier passes, a malformed one is CONSENT_INPUT_INVALID at /patient", () => {
    expect(parseCommand(command(PIETER), BE_RULE).command.patient).to.equal(PIETER);
    for (const bad of ["", "has space", "-leading-dash", "x".repeat(65), "1^^^&1.2&ISO"]) {
      expect(problemOf(() => parseCommand(command(bad), BE_RULE)), bad).to.deep.equal({ problem: "CONSENT_INPUT_INVALID", location: "/patient" });
    }
  });
});

forEachDatabase("consent for a BE gateway (service, REST, import)", (ctx) => {
  it("records and decides for a BE id; audited in CX form under the BE eHDSI patient id domain", async () => {
    const { service, trail } = beService(ctx.database);
    const { record } = await service.recordRaw(command(PIETER, { countries: ["LU"], services: ["ps"] }));
    expect(record).to.include({ patient: PIETER, version: 1 });
    expect(await service.check({ patient: PIETER, country: "LU", service: "ps", purpose: "TREATMENT", at: Date.now() })).to.include({ permit: true, grantVersion: 1 });
    const { events } = await trail.query({ patientId: beCx(PIETER), types: ["CONSENT-CHANGE", "CONSENT-DECISION"], limit: 10 });
    expect(events.map((e) => e.type)).to.deep.equal(["CONSENT-CHANGE", "CONSENT-DECISION"]);
    try {
      await service.recordRaw(command(BE_UNKNOWN));
      expect.fail("unknown patient recorded");
    } catch (e) {
      expect(consentProblemOf(e)).to.equal("CONSENT_PATIENT_UNKNOWN");
    }
  });

  it("REST: grants, shows and refuses by the BE rule", async () => {
    const app = express().use(CONSENT_API_PATH, consentRouter(beService(ctx.database).service)).use(notFoundHandler).use(problemHandler);
    const url = (p: string) => `${CONSENT_API_PATH}/${encodeURIComponent(p)}`;
    const created = await request(app).post(url(AMELIE)).send(command(AMELIE, { countries: ["LU"] })).expect(201);
    expect(created.body.record).to.include({ patient: AMELIE, version: 1 });
    const shown = await request(app).get(url(AMELIE)).expect(200).expect("ETag", '"1"');
    expect(shown.body.state.permitted).to.deep.equal({ ep: ["LU"], ps: ["LU"] });
    const bad = await request(app).get(url("not an id")).expect(400);
    expect(bad.body).to.include({ code: "CONSENT_INPUT_INVALID", location: "/patient" });
    const badPost = await request(app).post(url("a&b")).send({ ...command("a&b") }).expect(400);
    expect(badPost.body).to.include({ code: "CONSENT_INPUT_INVALID", location: "/patient" });
    await request(app).get(url(BE_UNKNOWN)).expect(404);
  });

  it("NDJSON import: BE ids imported, a malformed id rejected on its line only", async () => {
    const { service } = beService(ctx.database);
    const lines = [command(PIETER, { countries: ["FR"], services: ["ep"] }), command("bad id"), command(AMELIE, { countries: ["FR"], services: ["ep"] })]
      .map((c) => JSON.stringify(c))
      .join("\n");
    const report = await importConsents(service, Readable.from([Buffer.from(lines)]), { importedBy: "test" });
    expect(report).to.include({ lines: 3, imported: 2, rejected: 1 });
    expect(report.errors.map((e) => [e.line, e.code, e.location])).to.deep.equal([[2, "CONSENT_INPUT_INVALID", "/patient"]]);
  });
});

describe("passerelle consent (CLI) configured for BE", function () {
  this.timeout(60_000);
  let dir: string;
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["node", "passerelle", ...args], {
      env: { ...BE_ENV, PASSERELLE_DATA_DIR: join(dir, "data"), PASSERELLE_CERTS_DIR: join(dir, "certs"), USER: "tester" },
      cwd: dir,
      io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  let askedSystem: string | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "passerelle-consent-cli-be-"));
    setCliPatientDirectory((_db, system) => {
      askedSystem = system;
      return beDirectory;
    });
  });
  after(() => {
    setCliPatientDirectory(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("grants, shows, checks and imports BE ids; refuses a malformed id with exit 2", async () => {
    const g = await run("consent", "grant", PIETER, "--country", "LU", "--request-id", "cli-be-1");
    expect(g.code, g.err).to.equal(0);
    expect(askedSystem).to.equal(BE_OID);
    expect((await run("consent", "check", PIETER, "--country", "LU", "--service", "ps")).out).to.equal("permit: consent-granted (grant version 1)");
    expect((await run("consent", "show", PIETER)).out).to.match(new RegExp(`^patient ${PIETER}: consent version 1`));
    const bad = await run("consent", "show", "bad id");
    expect(bad.code).to.equal(2);
    expect(bad.err).to.match(/^error CONSENT_INPUT_INVALID: invalid patient id "bad id"/);
    const file = join(dir, "be.ndjson");
    writeFileSync(file, `${JSON.stringify(command(AMELIE))}\n`);
    expect((await run("consent", "import", file)).out).to.match(/1 imported/);
  });

  it("an LU CLI still answers CONSENT_MATRICULE_INVALID for a BE id", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["node", "passerelle", "consent", "show", PIETER], {
      env: { PASSERELLE_DATA_DIR: join(dir, "data-lu"), PASSERELLE_CERTS_DIR: join(dir, "certs"), USER: "tester" },
      cwd: dir,
      io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    });
    expect(code).to.equal(2);
    expect(err.join("\n")).to.match(/^error CONSENT_MATRICULE_INVALID: invalid matricule/);
  });
});

describe("consent module in a BE gateway", function () {
  this.timeout(60_000);
  let root: string;
  let gateway: RunningGateway;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), "passerelle-consent-be-gw-"));
    const config = loadConfig({ env: { ...BE_ENV, PASSERELLE_PARTNER_PORT: "0", PASSERELLE_NATIONAL_PORT: "0", PASSERELLE_OPS_PORT: "0", PASSERELLE_DEMO_SEED: "true" }, cwd: root });
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    gateway = await startGateway({ config, logger: createLogger({ level: "silent", destination: quiet }), modules: [nationalModule, auditModule, consentModule] });
  });
  after(async () => {
    await gateway?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("seeds the BE demo consents, audited under the BE domain, and knows BE patients from the national records", async () => {
    const service = consentServiceOf(gateway.context);
    for (const patient of DEMO_PATIENTS_WITH_CONSENT_BY_COUNTRY.BE!) {
      expect(await service.check({ patient, country: "LU", service: "ps", purpose: "TREATMENT", at: Date.now() }), patient).to.include({ permit: true });
      const { events } = await auditTrailOf(gateway.context).query({ patientId: beCx(patient), types: ["CONSENT-CHANGE"], limit: 10 });
      expect(events, patient).to.have.length(1);
    }
    const app = express().use(gateway.context.nationalRouter);
    await request(app).get(`${CONSENT_API_PATH}/${PIETER}`).expect(200);
    const unknown = await request(app).get(`${CONSENT_API_PATH}/${BE_UNKNOWN}`).expect(404);
    expect(unknown.body.code).to.equal("CONSENT_PATIENT_UNKNOWN");
  });
});
