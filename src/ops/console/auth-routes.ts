// Login and logout of the operator console. A failed login says nothing of which part was wrong; the
// limiter (security.ts) answers 429 with Retry-After once an address or an account has failed too often.
import express, { Router, type Request } from "express";
import type { AuditEventInput } from "../../audit/event";
import { ErrorCode } from "../../shared/errors";
import { el } from "../../shared/xml";
import type { Logger } from "../../shared/logger";
import type { OperatorAccounts } from "../operators/accounts";
import { barePage, field, sendPage } from "./html";
import { clearSessionCookie, readCookie, SESSION_COOKIE, setSessionCookie, type LoginLimiter } from "./security";

/** Only a local console path may be the target after login (no open redirect). */
export function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/ops(\/|\?|$)/.test(value) && !value.startsWith("//") && !value.includes("\\") ? value : "/ops";
}

function loginPage(next: string, message?: string): string {
  return barePage(
    "Operator login",
    message ? el("p", { class: "alarm", role: "alert" }, message) : undefined,
    el(
      "form",
      { method: "post", action: "/ops/login", class: "login" },
      el("input", { type: "hidden", name: "next", value: next }),
      field("name", "Operator name", "", { autocomplete: "username", required: "required" }),
      field("password", "Password", "", { type: "password", autocomplete: "current-password", required: "required" }),
      el("div", { class: "field" }, el("button", { type: "submit" }, "Log in")),
    ),
  );
}

export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? "unknown";
}

/** Records an audit event (the gateway's trail): awaited, so a login is in the trail before it is answered. */
export type RecordAudit = (event: AuditEventInput) => Promise<unknown>;

/** The OPERATOR-LOGIN event of one attempt; a typed name that is not a plausible account name is left out. */
export function loginEvent(name: string, address: string, result: { role: string } | { errorCode: ErrorCode }): AuditEventInput {
  const plausible = /^[\x21-\x7e]{1,128}$/.test(name);
  return {
    type: "OPERATOR-LOGIN",
    outcome: "role" in result ? "success" : "failure",
    ...("errorCode" in result ? { errorCode: result.errorCode } : {}),
    ...(plausible ? { who: { userId: name } } : {}),
    details: { address, ...("role" in result ? { operatorRole: result.role } : {}) },
  };
}

export function authRoutes(accounts: OperatorAccounts, limiter: LoginLimiter, logger: Logger, audit: RecordAudit = () => Promise.resolve()): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: "4kb", parameterLimit: 10 });

  router.get("/login", (req, res) => sendPage(res, loginPage(safeNext(req.query.next))));

  // The login form has no session yet, hence no CSRF token: SameSite=Strict on the cookie it sets and
  // the same-origin form-action of the CSP keep a forged login from carrying over (login CSRF).
  router.post("/login", form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === "string" ? body.name.trim().toLowerCase() : "";
    const password = typeof body.password === "string" ? body.password : "";
    const next = safeNext(body.next);
    const address = clientAddress(req);
    const wait = limiter.blockedFor(address, name);
    if (wait > 0) {
      logger.warn({ operator: name, address }, "operator login refused: too many failures");
      await audit(loginEvent(name, address, { errorCode: ErrorCode.TooManyFailures }));
      res.setHeader("Retry-After", String(wait));
      return sendPage(res, loginPage(next, `Too many failed logins. Try again in ${Math.ceil(wait / 60)} minute(s).`), 429);
    }
    const account = await accounts.authenticate(name, password);
    if (!account) {
      limiter.recordFailure(address, name);
      logger.warn({ operator: name, address }, "operator login failed");
      await audit(loginEvent(name, address, { errorCode: ErrorCode.Unauthenticated }));
      return sendPage(res, loginPage(next, "Wrong operator name or password."), 401);
    }
    limiter.recordSuccess(name);
    const session = await accounts.openSession(account.name);
    await audit(loginEvent(account.name, address, { role: account.role }));
    setSessionCookie(res, session.id);
    logger.info({ operator: account.name, role: account.role, address }, "operator logged in");
    res.redirect(303, next);
  });

  return router;
}

/** POST /ops/logout, behind the session and CSRF checks. */
export function logoutRoute(accounts: OperatorAccounts, logger: Logger): Router {
  const router = Router();
  router.post("/logout", async (req, res) => {
    const id = readCookie(req, SESSION_COOKIE);
    if (id) await accounts.closeSession(id);
    clearSessionCookie(res);
    logger.info({ operator: (res.locals as { session?: { operator: string } }).session?.operator }, "operator logged out");
    res.redirect(303, "/ops/login");
  });
  return router;
}
