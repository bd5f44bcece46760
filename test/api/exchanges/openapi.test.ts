// schemas/openapi-exchanges.json and the code agree: every route of the router is a path of the
// description and the reverse, the request schemas are those the server validates with, and the
// description is served at /api/docs.
import { expect } from "chai";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { z } from "zod";
import { exchangesRouter } from "../../../src/api/exchanges/router";
import { OPERATIONS } from "../../../src/api/exchanges/requests";
import { HTTP_METHODS, loadOpenApi, docsRouter } from "../../../src/api/exchanges/docs";
import type { ExchangeQueue } from "../../../src/exchange/queue/port";
import express from "express";
import request from "supertest";
import { DOCTOR, listBody, retrieveBody } from "./fixtures";

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

const doc = loadOpenApi();
const REQUEST_SCHEMAS: Record<keyof typeof OPERATIONS, string> = {
  "patient-discovery": "PatientDiscoveryRequest",
  "document-list": "DocumentListRequest",
  "document-retrieve": "DocumentRetrieveRequest",
  dispensation: "DispensationRequest",
};

describe("exchanges API description (OpenAPI)", () => {
  it("has exactly the router's routes (method and path)", () => {
    const router = exchangesRouter({ queue: {} as ExchangeQueue, country: "BE" }) as unknown as { stack: Layer[] };
    const routes = router.stack
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:([A-Za-z]+)/g, "{$1}")}`))
      .sort();
    const described = Object.entries(doc.paths)
      .flatMap(([path, item]) => HTTP_METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(described).to.deep.equal(routes);
    expect(doc.servers[0]?.url).to.match(/\/api\/v1\/exchanges$/);
  });

  it("describes each request body with the schema the server validates with", () => {
    const schemas = (doc as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas;
    for (const [operation, name] of Object.entries(REQUEST_SCHEMAS)) {
      const fromCode = z.toJSONSchema(OPERATIONS[operation as keyof typeof OPERATIONS], { io: "input" }) as Record<string, unknown>;
      delete fromCode.$schema;
      expect(schemas[name], `${name} (regenerate: npx tsx scripts/openapi-exchanges.ts)`).to.deep.equal(fromCode);
    }
  });

  it("is a valid 3.1 description whose request schemas accept our requests and refuse a bad role", () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    ajv.addSchema(doc as object, "openapi");
    const validate = (name: string) => ajv.getSchema(`openapi#/components/schemas/${name}`)!;
    expect(validate("DocumentListRequest")(listBody())).to.equal(true);
    expect(validate("DocumentRetrieveRequest")(retrieveBody())).to.equal(true);
    expect(validate("DocumentListRequest")(listBody({ ...DOCTOR, role: "9999" }))).to.equal(false);
  });

  it("is served at /api/docs (page and JSON)", async () => {
    const app = express().use("/api/docs", docsRouter());
    const page = await request(app).get("/api/docs").expect(200).expect("Content-Type", /text\/html/);
    expect(page.text).to.include("/api/v1/exchanges/document-retrieve").and.include("openapi-exchanges.json");
    expect(page.headers["content-security-policy"]).to.include("default-src 'none'");
    const json = await request(app).get("/api/docs/openapi-exchanges.json").expect(200);
    expect(json.body.openapi).to.equal("3.1.0");
  });
});
