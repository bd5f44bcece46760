// The exchange a piece of work belongs to, carried across awaits (AsyncLocalStorage) so that every log
// line written while serving it names it (issue 7: "Structured logs with the trace id of the exchange
// on every line"). Entered by the SOAP pipeline of country A (the exchange id of its audit events and
// raw messages), the exchange queue runtime (the job's trace id) and the REST exchanges API (the
// exchange id it returns); the logger's mixin (logger.ts) reads it.
import { AsyncLocalStorage } from "node:async_hooks";

export interface ExchangeContext {
  /** Correlates the logs, raw messages, audit events and partner messages of one exchange. */
  readonly traceId: string;
  /** The exchange (job id, SOAP exchange id) when it has one. */
  readonly exchangeId?: string;
}

const storage = new AsyncLocalStorage<ExchangeContext>();

/** Runs `work` inside the exchange context: everything it awaits or schedules sees `context`. */
export function runInExchangeContext<T>(context: ExchangeContext, work: () => T): T {
  return storage.run(context, work);
}

/** The exchange context of the running code, or undefined outside any exchange. */
export function currentExchangeContext(): ExchangeContext | undefined {
  return storage.getStore();
}
