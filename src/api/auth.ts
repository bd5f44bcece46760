// Authentication of national clients on `/api/...` (8444; issue 3 "Mutual TLS": national clients
// authenticate with a client certificate or a bearer token, configurable). Certificate first: the
// chain was verified by OpenSSL against the national client CA at the handshake (socket.authorized),
// then the certificate itself must be pinned to a registered client (SHA-256 of its DER, never a DN).
// Otherwise `Authorization: Bearer` (RFC 6750) against the registry's token hashes. Refusals are
// RFC 9457 problems: 401 with a WWW-Authenticate challenge, 403 for a missing scope, 429 once an
// address failed too often (bearer tokens are then not even looked up; a pinned certificate still
// passes); each refusal is audited (one event when an address gets blocked, not one
// per blocked attempt). /ops is not under /api and is not touched.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { TLSSocket } from "node:tls";
import { registerProblemStatus } from "../app/problem";
import type { AuditEventInput, AuditEventType } from "../audit/event";
import type { NationalAuthMode } from "../config/schema";
import { sha256Hex } from "../exchange/partners/certificates";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { Logger } from "../shared/logger";
import type { NationalClient, NationalClientRepository } from "./clients";
import { FailureLimiter } from "./failure-limiter";
import { scopeFor, type ApiRouteScope, type NationalScope } from "./scopes";

registerProblemStatus(ErrorCode.Unauthenticated, 401);
registerProblemStatus(ErrorCode.ScopeMissing, 403);
registerProblemStatus(ErrorCode.TooManyFailures, 429);

/** A refused national client (no or invalid credentials, missing scope, rate limit): ATNA Security Alert. */
export const NATIONAL_AUTH_AUDIT_TYPE: AuditEventType = "NATIONAL-CLIENT-REFUSED";

export type AuthenticatedBy = "certificate" | "token";

export interface AuthenticatedNationalClient {
  readonly name: string;
  readonly scopes: readonly NationalScope[];
  readonly by: AuthenticatedBy;
}

declare module "express-serve-static-core" {
  interface Request {
    /** Set by the national authentication middleware on `/api/...`. */
    nationalClient?: AuthenticatedNationalClient;
  }
}

/** The authenticated national client of a request under `/api` (throws when the middleware did not run). */
export function nationalClientOf(req: Request): AuthenticatedNationalClient {
  if (!req.nationalClient) throw new PasserelleError(ErrorCode.Unauthenticated, "no authenticated national client");
  return req.nationalClient;
}

export type AuthOutcome = "accepted" | "unauthenticated" | "forbidden" | "rate-limited";

export interface NationalAuthOptions {
  readonly mode: NationalAuthMode;
  readonly clients: NationalClientRepository;
  readonly limiter?: FailureLimiter;
  /** Records refusals (the gateway's audit trail when the audit module runs). */
  readonly audit?: (event: AuditEventInput) => Promise<unknown>;
  readonly logger?: Logger;
  readonly routes?: readonly ApiRouteScope[];
  /** Counts outcomes (metrics). */
  readonly observe?: (outcome: AuthOutcome) => void;
}

const REALM = 'realm="passerelle national API"';

interface Refusal {
  readonly reason: string;
  readonly scheme: "certificate" | "token" | "none";
  /** RFC 6750 error, for a token problem. */
  readonly bearerError?: "invalid_request" | "invalid_token";
}

type Attempt = { ok: true; client: NationalClient; by: AuthenticatedBy } | { ok: false; refusal: Refusal };

/** Express middleware for `/api`: authenticates, checks the scope of the route group, sets req.nationalClient. */
export function nationalAuthentication(options: NationalAuthOptions): RequestHandler {
  const limiter = options.limiter ?? new FailureLimiter();
  const acceptsTokens = options.mode !== "certificate";
  const acceptsCertificate = options.mode !== "token";

  const audit = (req: Request, outcome: "unauthenticated" | "forbidden" | "rate-limited", code: ErrorCode, reason: string, scheme: string, client?: string) => {
    if (!options.audit) return Promise.resolve();
    return options
      .audit({
        type: NATIONAL_AUTH_AUDIT_TYPE,
        outcome: "failure",
        errorCode: code,
        direction: "inbound",
        ...(client ? { who: { userId: client } } : {}),
        details: { outcome, reason: reason.slice(0, 512), scheme, address: remoteAddress(req), method: req.method, path: req.originalUrl.slice(0, 512) },
      })
      .catch((err: unknown) => options.logger?.error({ err }, "audit of a national client refusal failed"));
  };

  const challenge = (bearerError?: string, scope?: string): string => {
    if (!acceptsTokens) return `Certificate ${REALM}`;
    const params = [REALM, ...(bearerError ? [`error="${bearerError}"`] : []), ...(scope ? [`scope="${scope}"`] : [])];
    return `Bearer ${params.join(", ")}`;
  };

  async function attempt(req: Request, tokensAllowed: boolean): Promise<Attempt> {
    const acceptsToken = tokensAllowed && acceptsTokens;
    const authorization = req.get("authorization");
    if (acceptsCertificate) {
      const socket = req.socket as Partial<TLSSocket>;
      const peer = typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate() : undefined;
      if (peer?.raw) {
        // A certificate that does not chain to the national client CA is refused, whatever else comes with it.
        if (!socket.authorized) return { ok: false, refusal: { reason: `client certificate not trusted: ${String(socket.authorizationError ?? "unverified")}`, scheme: "certificate" } };
        const client = await options.clients.byCertificate(sha256Hex(peer.raw));
        if (client) return { ok: true, client, by: "certificate" };
        if (!acceptsToken || authorization === undefined) return { ok: false, refusal: { reason: "client certificate not registered for any national client", scheme: "certificate" } };
      }
    }
    if (!acceptsToken) return { ok: false, refusal: { reason: "a registered client certificate is required", scheme: "none" } };
    if (authorization === undefined) return { ok: false, refusal: { reason: acceptsCertificate ? "a registered client certificate or a bearer token is required" : "a bearer token is required", scheme: "none" } };
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
    if (!match?.[1]) return { ok: false, refusal: { reason: "Authorization must be `Bearer <token>`", scheme: "token", bearerError: "invalid_request" } };
    const client = await options.clients.byToken(match[1]);
    if (!client) return { ok: false, refusal: { reason: "bearer token not recognised", scheme: "token", bearerError: "invalid_token" } };
    return { ok: true, client, by: "token" };
  }

  return async (req: Request, res: Response, next: NextFunction) => {
    const address = remoteAddress(req);
    const wait = limiter.retryAfterMs(address);
    // A blocked address may still present a pinned certificate (verified at the handshake: nothing to
    // guess), so that one guesser behind a shared address does not lock certificate clients out.
    const result = await attempt(req, wait === 0);
    if (wait > 0 && !result.ok) {
      options.observe?.("rate-limited");
      res.set("Retry-After", String(Math.ceil(wait / 1000)));
      next(new PasserelleError(ErrorCode.TooManyFailures, `too many failed authentications from this address; retry in ${Math.ceil(wait / 1000)} s`));
      return;
    }
    if (!result.ok) {
      const { refusal } = result;
      options.observe?.("unauthenticated");
      const blocked = limiter.fail(address);
      await audit(req, "unauthenticated", ErrorCode.Unauthenticated, refusal.reason, refusal.scheme);
      if (blocked) {
        options.logger?.warn({ address, blockMs: limiter.blockMs }, "national client authentication: address blocked after repeated failures");
        await audit(req, "rate-limited", ErrorCode.TooManyFailures, `${limiter.maxFailures} failed authentications within ${limiter.windowMs} ms; blocked for ${limiter.blockMs} ms`, refusal.scheme);
      }
      res.set("WWW-Authenticate", challenge(refusal.bearerError));
      next(new PasserelleError(ErrorCode.Unauthenticated, refusal.reason));
      return;
    }
    const { client, by } = result;
    const needed = scopeFor(req.method, req.path, options.routes);
    if (!needed || !client.scopes.includes(needed)) {
      const reason = needed ? `client ${client.name} lacks scope ${needed} for ${req.method} ${req.baseUrl}${req.path}` : `no scope grants ${req.method} ${req.baseUrl}${req.path}`;
      options.observe?.("forbidden");
      await audit(req, "forbidden", ErrorCode.ScopeMissing, reason, by, client.name);
      if (by === "token" && needed) res.set("WWW-Authenticate", `Bearer ${REALM}, error="insufficient_scope", scope="${needed}"`);
      next(new PasserelleError(ErrorCode.ScopeMissing, reason));
      return;
    }
    options.observe?.("accepted");
    req.nationalClient = { name: client.name, scopes: client.scopes, by };
    req.log?.debug({ nationalClient: client.name, by }, "national client authenticated");
    next();
  };
}

/** A route-level check for handlers that need a further scope than their group's. */
export function requireScope(scope: NationalScope): RequestHandler {
  return (req, _res, next) => {
    const client = nationalClientOf(req);
    if (!client.scopes.includes(scope)) throw new PasserelleError(ErrorCode.ScopeMissing, `client ${client.name} lacks scope ${scope}`);
    next();
  };
}

function remoteAddress(req: Request): string {
  // The listener faces the national network directly: no proxy header is trusted.
  return req.socket.remoteAddress ?? "unknown";
}
