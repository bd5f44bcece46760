// The audit domain in the running gateway (src/app/module.ts): the audit trail and the raw message
// store over the gateway's database, a readiness check on the chain head, and the periodic purge of
// raw messages older than PASSERELLE_RAW_MESSAGE_RETENTION_DAYS. Other domains (soap/ responders,
// exchange/ workers, consent) get them with auditTrailOf(ctx) and rawMessagesOf(ctx); register this
// module before them in src/app/modules.ts.
import { Counter, Histogram } from "prom-client";
import type { GatewayContext, GatewayModule } from "../app/module";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { consentAuditSinkFor, type TrailConsentAuditSink } from "./consent-sink";
import { RawMessageStore } from "./messages";
import { AuditTrail } from "./trail";

/** How often expired raw messages are purged. */
export const RAW_MESSAGE_PURGE_INTERVAL_MS = 60 * 60 * 1000;

interface AuditServices {
  readonly trail: AuditTrail;
  readonly messages: RawMessageStore;
}

const started = new WeakMap<GatewayContext, AuditServices>();

function servicesOf(ctx: GatewayContext): AuditServices {
  const s = started.get(ctx);
  if (!s) throw new PasserelleError(ErrorCode.Internal, "the audit module has not been started in this gateway");
  return s;
}

/** The audit trail of a started gateway. */
export function auditTrailOf(ctx: GatewayContext): AuditTrail {
  return servicesOf(ctx).trail;
}

/** The raw message store of a started gateway. */
export function rawMessagesOf(ctx: GatewayContext): RawMessageStore {
  return servicesOf(ctx).messages;
}

/** The consent domain's AuditSink over this gateway's trail (for createConsentModule({ audit })). */
export function consentAuditSinkOf(ctx: GatewayContext): TrailConsentAuditSink {
  return consentAuditSinkFor(auditTrailOf(ctx), ctx.config);
}

export interface AuditModuleOptions {
  /** Purge period (tests); default RAW_MESSAGE_PURGE_INTERVAL_MS. */
  readonly purgeIntervalMs?: number;
}

export function createAuditModule(options: AuditModuleOptions = {}): GatewayModule {
  return {
    name: "audit",
    start(ctx) {
      const registers = [ctx.metrics.registry];
      const appended = new Counter({ name: "passerelle_audit_events_total", help: "Audit events committed to the trail", registers });
      const failed = new Counter({ name: "passerelle_audit_append_failures_total", help: "Audit events whose append failed (the request they belong to failed too)", registers });
      const latency = new Histogram({
        name: "passerelle_audit_append_seconds",
        help: "Duration of one append transaction of the audit trail",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      });
      const trail = new AuditTrail(ctx.database, {
        observe: (o) => {
          if (o.committed > 0) appended.inc(o.committed);
          if (o.failed > 0) failed.inc(o.failed);
          latency.observe(o.seconds);
        },
      });
      const messages = new RawMessageStore(ctx.database);
      started.set(ctx, { trail, messages });
      ctx.readiness.add("audit-trail", async () => {
        await trail.head();
        return undefined;
      });

      const retentionDays = ctx.config.rawMessageRetentionDays;
      const purge = async () => {
        try {
          const purged = await messages.purgeExpired(retentionDays);
          if (purged > 0) ctx.logger.info({ purged, retentionDays }, "raw messages past their retention purged");
        } catch (err) {
          ctx.logger.error({ err }, "raw message purge failed");
        }
      };
      let running: Promise<void> = purge();
      const timer = setInterval(() => {
        running = running.then(purge);
      }, options.purgeIntervalMs ?? RAW_MESSAGE_PURGE_INTERVAL_MS);
      timer.unref();
      ctx.onStop(async () => {
        clearInterval(timer);
        await running;
        // Events queued by requests that were still finishing are committed before the database closes.
        await trail.flush();
      });
    },
  };
}

export const auditModule: GatewayModule = createAuditModule();
