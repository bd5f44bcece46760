// Readiness: named checks, each answering "ok" or a reason. /readyz is 200 only when every check is ok.
// The platform registers `database` and `certificates`; domains add theirs (e.g. the queue)
// through the GatewayContext (src/app/module.ts).

/** Resolves to undefined when ready, or to the reason it is not; a throw counts as not ready. */
export type ReadinessCheck = () => Promise<string | undefined> | string | undefined;

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, { ok: boolean; reason?: string }>>;
}

const CHECK_TIMEOUT_MS = 2000;

export class Readiness {
  readonly #checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    if (this.#checks.has(name)) throw new Error(`readiness check "${name}" registered twice`);
    this.#checks.set(name, check);
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.#checks].map(async ([name, check]) => {
        const reason = await runWithTimeout(check);
        return [name, reason === undefined ? { ok: true } : { ok: false, reason }] as const;
      }),
    );
    return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
  }
}

async function runWithTimeout(check: ReadinessCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve().then(check), timeout]);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    clearTimeout(timer);
  }
}
