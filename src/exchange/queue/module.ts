// The exchange queue in the running gateway (src/app/module.ts): opens the queue from the
// configuration (BullMQ on REDIS_URL, else the embedded table), lets other modules register their job
// handlers, starts the workers once every module has started (listeners bound), stops them on
// shutdown; readiness check `exchange-queue`; queue depth metrics.
//
//   // in another module's start(ctx), in any module order:
//   registerExchangeHandler(ctx, "deliver-dispensation", async (job, { signal }) => { ... }, { concurrency: 2 });
//   // anywhere after this module has started (register it before the modules that enqueue):
//   await exchangeQueueOf(ctx).enqueue(job, { idempotencyKey, traceId });
import { Gauge } from "prom-client";
import type { GatewayContext, GatewayModule } from "../../app/module";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { BullmqExchangeQueue } from "./bullmq";
import { openExchangeQueue } from "./factory";
import { JOB_STATES, type ExchangeQueue, type JobHandler, type JobType, type ProcessOptions } from "./port";

interface Registration {
  readonly type: JobType;
  readonly handler: JobHandler<JobType>;
  readonly options: ProcessOptions;
}

interface HandlerRegistry {
  readonly registrations: Registration[];
  /** Set once the workers run: later registrations start at once. */
  queue?: ExchangeQueue;
}

const queues = new WeakMap<GatewayContext, ExchangeQueue>();
const registries = new WeakMap<GatewayContext, HandlerRegistry>();

/** The exchange queue of a started gateway. */
export function exchangeQueueOf(ctx: GatewayContext): ExchangeQueue {
  const q = queues.get(ctx);
  if (!q) throw new PasserelleError(ErrorCode.Internal, "the exchange queue module has not been started in this gateway");
  return q;
}

function registryOf(ctx: GatewayContext): HandlerRegistry {
  let r = registries.get(ctx);
  if (!r) {
    r = { registrations: [] };
    registries.set(ctx, r);
  }
  return r;
}

/** Adds the handler of one job type; its workers start with the gateway (one handler per type). */
export function registerExchangeHandler<T extends JobType>(ctx: GatewayContext, type: T, handler: JobHandler<T>, options: ProcessOptions = {}): void {
  const registry = registryOf(ctx);
  if (registry.registrations.some((r) => r.type === type)) throw new PasserelleError(ErrorCode.Internal, `an exchange handler for ${type} is already registered`);
  const registration: Registration = { type, handler: handler as unknown as JobHandler<JobType>, options };
  registry.registrations.push(registration);
  registry.queue?.process(type, registration.handler, options);
}

/** The job types with a registered handler (for logs and tests). */
export function registeredExchangeTypes(ctx: GatewayContext): JobType[] {
  return registryOf(ctx).registrations.map((r) => r.type);
}

function registerMetrics(ctx: GatewayContext, queue: ExchangeQueue): void {
  const registry = ctx.metrics.registry;
  // One counts() per scrape feeds both gauges.
  let pending: Promise<Awaited<ReturnType<ExchangeQueue["counts"]>>> | undefined;
  const counts = () => {
    pending ??= queue.counts().finally(() => setTimeout(() => (pending = undefined), 0));
    return pending;
  };
  new Gauge({
    name: "passerelle_exchange_jobs",
    help: "Exchange queue jobs by state",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const c = await counts();
      for (const state of JOB_STATES) this.set({ state }, c[state]);
    },
  });
  new Gauge({
    name: "passerelle_exchange_dead_letters",
    help: "Exchange jobs in the dead letter (transport failures exhausted their attempts): passerelle exchanges list --state dead-letter",
    registers: [registry],
    async collect() {
      this.set((await counts())["dead-letter"]);
    },
  });
}

export const exchangeQueueModule: GatewayModule = {
  name: "exchange-queue",
  async start(ctx) {
    const logger = ctx.logger.child({ module: "exchange-queue" });
    const queue = openExchangeQueue({ config: ctx.config, database: ctx.database, logger });
    queues.set(ctx, queue);
    if (queue instanceof BullmqExchangeQueue) await queue.checkDurability();
    ctx.readiness.add("exchange-queue", async () => {
      await queue.ping();
      return undefined;
    });
    registerMetrics(ctx, queue);
    ctx.onListening(() => {
      const registry = registryOf(ctx);
      for (const r of registry.registrations) queue.process(r.type, r.handler, r.options);
      registry.queue = queue;
      logger.info({ kind: queue.kind, handlers: registry.registrations.map((r) => r.type) }, "exchange queue workers started");
    });
    ctx.onStop(() => queue.close());
  },
};
