// Writes schemas/openapi-exchanges.json, the description of the country-B REST API (issue 6), from
// the request schemas the server validates with (src/api/exchanges/requests.ts, zod → JSON Schema)
// and the routes of src/api/exchanges/router.ts. test/api/exchanges/openapi.test.ts fails when the
// file and the code disagree: run `npx tsx scripts/openapi-exchanges.ts` after changing either.
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { OPENAPI_FILE } from "../src/api/exchanges/docs";
import { OPERATIONS, type Operation } from "../src/api/exchanges/requests";

const schemaOf = (s: z.ZodType) => {
  const j = z.toJSONSchema(s, { io: "input" }) as Record<string, unknown>;
  delete j.$schema;
  return j;
};

const REQUESTS: Readonly<Record<Operation, { schema: string; operationId: string; summary: string }>> = {
  "patient-discovery": { schema: "PatientDiscoveryRequest", operationId: "discoverPatient", summary: "Patient discovery in the visitor's country (XCPD ITI-55); result: the matching patients. Needs permission PRD-006." },
  "document-list": { schema: "DocumentListRequest", operationId: "listDocuments", summary: "List the visitor's Patient Summaries or ePrescriptions (XCA ITI-38); result: the documents. Needs PRD-003+005+010+016 (PS) or PRD-004+010 (eP)." },
  "document-retrieve": { schema: "DocumentRetrieveRequest", operationId: "retrieveDocument", summary: "Retrieve one PS or eP (XCA ITI-39): signature and patient verified, translated into fr/de/en, rendered as HTML. Needs the PS or eP permissions." },
  dispensation: { schema: "DispensationRequest", operationId: "submitDispensation", summary: "Send the eDispensation of a foreign ePrescription dispensed here (XDR ITI-41); Passerelle builds the pivot eDispensation. Needs PPD-046." },
};

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: "Invalid request (INPUT_INVALID, with `location`)",
  401: "No or unknown client credentials (UNAUTHENTICATED)",
  403: "Scope missing (SCOPE_MISSING) or the requester lacks the service's eHDSI permissions (code 4703)",
  404: "No such exchange (or another client's)",
  409: "Idempotency-Key reused for another request, or no document yet",
  413: "Body over 256 kB",
  429: "Too many failed authentications",
};
const problemRef = { $ref: "#/components/schemas/Problem" };
const problems = (codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: PROBLEM_DESCRIPTIONS[c], content: { "application/problem+json": { schema: problemRef } } }]));
const exchangeRef = { $ref: "#/components/schemas/Exchange" };

const paths: Record<string, unknown> = {};
for (const [operation, r] of Object.entries(REQUESTS)) {
  paths[`/${operation}`] = {
    post: {
      operationId: r.operationId,
      summary: r.summary,
      tags: ["exchanges"],
      parameters: [{ $ref: "#/components/parameters/IdempotencyKey" }],
      requestBody: { required: true, content: { "application/json": { schema: { $ref: `#/components/schemas/${r.schema}` } } } },
      responses: {
        "202": { description: "Accepted: the exchange, queued (or the existing one for a repeated Idempotency-Key and body). Poll its `links.self`.", headers: { Location: { schema: { type: "string" } } }, content: { "application/json": { schema: exchangeRef } } },
        ...problems([400, 401, 403, 409, 413, 429]),
      },
    },
  };
}
paths["/{id}"] = {
  parameters: [{ $ref: "#/components/parameters/ExchangeId" }],
  get: {
    operationId: "getExchange",
    summary: "State and result of an exchange; a failed one carries an RFC 9457 problem with the foreign gateway's eHDSI error (`ehdsiCode`) when there is one",
    tags: ["exchanges"],
    responses: { "200": { description: "The exchange", content: { "application/json": { schema: exchangeRef } } }, ...problems([401, 403, 404]) },
  },
};
paths["/{id}/html"] = {
  parameters: [{ $ref: "#/components/parameters/ExchangeId" }],
  get: {
    operationId: "getExchangeHtml",
    summary: "HTML rendering (self-contained, in the clinician's language) of a retrieved PS or eP",
    tags: ["exchanges"],
    responses: {
      "200": { description: "The page (Content-Security-Policy: nothing but its inline style)", content: { "text/html": { schema: { type: "string" } } } },
      "4XX": { description: "No such retrieve, not completed yet (409) or failed (the exchange's problem)", content: { "application/problem+json": { schema: problemRef } } },
      ...problems([401, 403, 404]),
    },
  },
};

const doc = {
  openapi: "3.1.0",
  info: {
    title: "Passerelle cross-border exchanges API (country B)",
    version: "1.0.0",
    description:
      "For our national clients (hospital and pharmacy systems) when a visitor from another country is treated here: patient discovery in the visitor's country, document list and retrieve (Patient Summary, ePrescription) with translation into the clinician's language and an HTML rendering, and the dispensation of a foreign ePrescription. Every call answers 202 with an exchange at once; GET /{id} gives its state and result. The caller's HCP identity comes with each call (`requester`): Passerelle issues the HCP and TRC assertions from it when the exchange runs. Served on the national listener (8444, TLS) under /api/v1/exchanges; clients authenticate with a pinned client certificate or a bearer token and need the scope `exchanges`. Errors are RFC 9457 problem details with a stable `code`.",
  },
  jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
  servers: [{ url: "https://localhost:8444/api/v1/exchanges" }],
  security: [{ mutualTLS: [] }, { bearer: [] }],
  paths,
  components: {
    securitySchemes: {
      mutualTLS: { type: "mutualTLS", description: "Client certificate pinned in the national client registry (passerelle clients)" },
      bearer: { type: "http", scheme: "bearer", description: "Token issued by passerelle clients" },
    },
    parameters: {
      IdempotencyKey: { name: "Idempotency-Key", in: "header", required: true, description: "The client's request id: the same key with the same body returns the same exchange; with another body, 409.", schema: { type: "string", pattern: "^(?![0-9]+$)[A-Za-z0-9._~-]{1,100}$" } },
      ExchangeId: { name: "id", in: "path", required: true, description: "`<client name>.<Idempotency-Key>`, as returned in `id`", schema: { type: "string" } },
    },
    schemas: {
      ...Object.fromEntries(Object.entries(REQUESTS).map(([operation, r]) => [r.schema, schemaOf(OPERATIONS[operation as Operation])])),
      Exchange: {
        type: "object",
        required: ["id", "operation", "country", "state", "done", "attempts", "maxAttempts", "traceId", "createdAt", "updatedAt", "links"],
        properties: {
          id: { type: "string" },
          operation: { type: "string", enum: Object.keys(REQUESTS) },
          country: { type: "string" },
          state: { type: "string", enum: ["waiting", "active", "delayed", "completed", "failed-permanently", "dead-letter"], description: "delayed: waiting for a retry after a transport failure; dead-letter: the partner could not be reached, attempts exhausted (the operator may replay it)" },
          done: { type: "boolean", description: "true once the state no longer changes by itself" },
          attempts: { type: "integer" },
          maxAttempts: { type: "integer" },
          traceId: { type: "string" },
          createdAt: { type: "string", format: "date-time" },
          updatedAt: { type: "string", format: "date-time" },
          finishedAt: { type: "string", format: "date-time" },
          nextAttemptAt: { type: "string", format: "date-time" },
          result: { description: "When completed. patient-discovery: {patients}; document-list: {documents}; document-retrieve: {documentUniqueId, pivotXml, language, translatedXml, html}; dispensation: {documentUniqueId, status}", type: "object" },
          problem: { $ref: "#/components/schemas/ExchangeProblem" },
          links: { type: "object", required: ["self"], properties: { self: { type: "string" }, html: { type: "string" } } },
        },
      },
      Problem: {
        type: "object",
        required: ["type", "title", "status", "detail", "code"],
        properties: { type: { type: "string" }, title: { type: "string" }, status: { type: "integer" }, detail: { type: "string" }, code: { type: "string" }, instance: { type: "string" }, correlationId: { type: "string" }, location: { type: "string" } },
      },
      ExchangeProblem: {
        allOf: [
          problemRef,
          { type: "object", required: ["transient"], properties: { ehdsiCode: { type: "string", description: "The foreign gateway's eHDSI error, verbatim (e.g. 4701, ERROR_PI_NO_MATCH)" }, transient: { type: "boolean" } } },
        ],
      },
    },
  },
};

writeFileSync(OPENAPI_FILE, `${JSON.stringify(doc, null, 2)}\n`);
process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
