// What a national client may do on `/api/...` (issue 3 "Mutual TLS": national clients of the country-B
// REST API). A client holds a set of scopes; each route group of the API needs one, by method.
// Strict by default: an `/api` path that no group covers is refused to every client (403), so a route
// added without its scope stays closed until it is declared here.

export const NATIONAL_SCOPES = ["consent:read", "consent:write", "exchanges"] as const;
export type NationalScope = (typeof NATIONAL_SCOPES)[number];

export function isNationalScope(value: string): value is NationalScope {
  return (NATIONAL_SCOPES as readonly string[]).includes(value);
}

export interface ApiRouteScope {
  /** Path prefix under `/api`, matched on whole segments. */
  readonly prefix: string;
  /** Scope for GET and HEAD. */
  readonly read: NationalScope;
  /** Scope for every other method. */
  readonly write: NationalScope;
}

/** The route groups of the national API (consent: src/consent/module.ts CONSENT_API_PATH). */
export const API_ROUTE_SCOPES: readonly ApiRouteScope[] = [
  { prefix: "/v1/consents", read: "consent:read", write: "consent:write" },
  { prefix: "/v1/exchanges", read: "exchanges", write: "exchanges" },
  // The exchanges API description (src/api/exchanges/docs.ts): GET only in practice.
  { prefix: "/docs", read: "exchanges", write: "exchanges" },
];

const READ_METHODS = new Set(["GET", "HEAD"]);

/** The scope a request needs, from its path below `/api` and its method; undefined when no group covers it. */
export function scopeFor(method: string, pathBelowApi: string, routes: readonly ApiRouteScope[] = API_ROUTE_SCOPES): NationalScope | undefined {
  const route = routes.find((r) => pathBelowApi === r.prefix || pathBelowApi.startsWith(`${r.prefix}/`));
  if (!route) return undefined;
  return READ_METHODS.has(method.toUpperCase()) ? route.read : route.write;
}
