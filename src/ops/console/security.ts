// Protections of the operator console (issue 7 "Operator access"; OWASP session management and CSRF
// cheat sheets): security headers with a CSP that allows no inline script or style; the session cookie
// `__Host-` prefixed, Secure, HttpOnly, SameSite=Strict, Path=/; a synchroniser CSRF token, tied to the
// server-side session, required on every POST; login failures limited per address and per account.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { timingSafeEqual } from "node:crypto";
import { mayReplay, type OperatorAccounts, type OperatorRole, type OperatorSession } from "../operators/accounts";

export const SESSION_COOKIE = "__Host-passerelle-ops";

const CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** helmet-style headers for every /ops response. */
export function securityHeaders(csp: string = CSP): RequestHandler {
  return (_req, res, next) => {
    res.setHeader("Content-Security-Policy", csp);
    res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
    res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    res.setHeader("Cache-Control", "no-store");
    next();
  };
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(res: Response, id: string): void {
  res.setHeader("Set-Cookie", `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Strict`);
}

export function clearSessionCookie(res: Response): void {
  res.setHeader("Set-Cookie", `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`);
}

export interface AuthedLocals {
  session: OperatorSession;
  sessionId: string;
}

export function sessionOf(res: Response): OperatorSession {
  return (res.locals as AuthedLocals).session;
}

/** Loads the session of the cookie; without one, GETs go to the login page and anything else gets 401. */
export function requireSession(accounts: OperatorAccounts): RequestHandler {
  return async (req, res, next) => {
    const id = readCookie(req, SESSION_COOKIE);
    const session = id ? await accounts.session(id) : undefined;
    if (!session || !id) {
      if (id) clearSessionCookie(res);
      if (req.method === "GET" || req.method === "HEAD") {
        const back = req.originalUrl.startsWith("/ops") ? req.originalUrl : "/ops";
        res.redirect(303, `/ops/login?next=${encodeURIComponent(back)}`);
      } else res.status(401).type("text/plain").send("login required");
      return;
    }
    Object.assign(res.locals, { session, sessionId: id } satisfies AuthedLocals);
    next();
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Every POST must carry the session's CSRF token in the `_csrf` field (403 otherwise). */
export function requireCsrf(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== "POST") return next();
  const body = req.body as Record<string, unknown> | undefined;
  const token = typeof body?._csrf === "string" ? body._csrf : "";
  if (!sameToken(token, sessionOf(res).csrfToken)) {
    res.status(403).type("text/plain").send("missing or wrong CSRF token");
    return;
  }
  next();
}

/** 403 unless the session's role may replay (operator, admin). */
export function requireRole(allowed: (role: OperatorRole) => boolean = mayReplay): RequestHandler {
  return (_req, res, next) => {
    if (!allowed(sessionOf(res).role)) {
      res.status(403).type("text/plain").send("your role does not allow this");
      return;
    }
    next();
  };
}

export interface LoginLimits {
  /** Failures allowed per client address within the window (default 20). */
  readonly perAddress: number;
  /** Failures allowed per account name within the window (default 5). */
  readonly perAccount: number;
  /** Window length (default 15 min). */
  readonly windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAddress: 20, perAccount: 5, windowMs: 15 * 60_000 };

/** Failed logins per address and per account in a sliding window (per gateway process). */
export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #limits: LoginLimits;
  readonly #now: () => number;

  constructor(limits: LoginLimits = DEFAULT_LOGIN_LIMITS, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  #recent(key: string): number[] {
    const since = this.#now() - this.#limits.windowMs;
    const kept = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (kept.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, kept);
    return kept;
  }

  /** Seconds to wait when blocked, 0 when a login attempt may proceed. */
  blockedFor(address: string, account: string): number {
    const a = this.#recent(`addr:${address}`);
    const u = this.#recent(`user:${account}`);
    const blocked = [a.length >= this.#limits.perAddress ? a : undefined, u.length >= this.#limits.perAccount ? u : undefined].filter((x) => x !== undefined);
    if (blocked.length === 0) return 0;
    const until = Math.max(...blocked.map((l) => (l[0] ?? 0) + this.#limits.windowMs));
    return Math.max(1, Math.ceil((until - this.#now()) / 1000));
  }

  recordFailure(address: string, account: string): void {
    const t = this.#now();
    for (const key of [`addr:${address}`, `user:${account}`]) this.#failures.set(key, [...this.#recent(key), t]);
  }

  recordSuccess(account: string): void {
    this.#failures.delete(`user:${account}`);
  }
}
