// Shared by the national converter tests: demo bundles and error assertions.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isPasserelleError, type PasserelleError } from "../../shared/errors";

export const DEMO_DIR = fileURLToPath(new URL("../demo/", import.meta.url));

export function demoBundle(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${DEMO_DIR}${name}`, "utf8")) as Record<string, unknown>;
}

/** Runs fn, expects a PasserelleError with this code (and location / message when given). */
export function expectError(fn: () => unknown, code: string, location?: string | RegExp, message?: RegExp): PasserelleError {
  try {
    fn();
  } catch (e) {
    if (!isPasserelleError(e)) throw new Error(`expected a PasserelleError ${code}, got ${String(e)}`, { cause: e });
    expect(e.code, e.message).to.equal(code);
    if (typeof location === "string") expect(e.details.location, e.message).to.equal(location);
    else if (location) expect(String(e.details.location), e.message).to.match(location);
    if (message) expect(e.message).to.match(message);
    return e;
  }
  throw new Error(`expected a PasserelleError ${code}, but nothing was thrown`);
}

export function clone<T>(x: T): T {
  return structuredClone(x);
}
