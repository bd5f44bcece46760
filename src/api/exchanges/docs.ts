// The API description for national client developers (issue 6: "OpenAPI, served at /api/docs"):
// schemas/openapi-exchanges.json as it is, and a small self-contained page listing its operations
// (written by the HTML writer of the clinician renderings; no script, no external resource).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Router } from "express";
import { serializeHtml } from "../../documents/html/html";
import { el } from "../../shared/xml";
import { HTML_CSP } from "./router";

export const OPENAPI_FILE = resolve(dirname(fileURLToPath(import.meta.url)), "../../../schemas/openapi-exchanges.json");
export const DOCS_PATH = "/api/docs";
export const OPENAPI_NAME = "openapi-exchanges.json";

interface OpenApiOperation {
  readonly operationId?: string;
  readonly summary?: string;
}
export interface OpenApiDocument {
  readonly info: { readonly title: string; readonly description?: string; readonly version: string };
  readonly servers: readonly { readonly url: string }[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperation | unknown>>>>;
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

export function loadOpenApi(file = OPENAPI_FILE): OpenApiDocument {
  return JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
}

function page(doc: OpenApiDocument): string {
  const base = new URL(doc.servers[0]?.url ?? "https://localhost/").pathname;
  const rows = Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((m) => {
      const op = item[m] as OpenApiOperation;
      return el("tr", {}, el("td", {}, m.toUpperCase()), el("td", {}, el("code", {}, `${base}${path}`)), el("td", {}, op.summary ?? ""));
    }),
  );
  return serializeHtml(
    el(
      "html",
      { lang: "en" },
      el("head", {}, el("meta", { charset: "utf-8" }), el("title", {}, doc.info.title), el("style", {}, "body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}")),
      el(
        "body",
        {},
        el("h1", {}, `${doc.info.title} ${doc.info.version}`),
        el("p", {}, doc.info.description ?? ""),
        el("p", {}, el("a", { href: `${DOCS_PATH}/${OPENAPI_NAME}` }, `OpenAPI description (${OPENAPI_NAME})`)),
        el("table", {}, el("caption", {}, "Operations"), el("thead", {}, el("tr", {}, ["Method", "Path", "Summary"].map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, rows)),
      ),
    ),
  );
}

/** Mounted at /api/docs: the page, and the OpenAPI JSON beside it. */
export function docsRouter(doc: OpenApiDocument = loadOpenApi()): Router {
  const router = Router();
  const html = page(doc);
  router.get("/", (_req, res) => {
    res.set("Content-Security-Policy", HTML_CSP).set("X-Content-Type-Options", "nosniff").type("text/html; charset=utf-8").send(html);
  });
  router.get(`/${OPENAPI_NAME}`, (_req, res) => {
    res.json(doc);
  });
  return router;
}
