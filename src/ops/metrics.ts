// Prometheus metrics of one gateway instance. Each gateway has its own registry (several may run in
// one process, e.g. in tests); domains register their metrics on `metrics.registry`.
import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface BuildInfo {
  version: string;
  country: string;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Counts and times requests of one listener (label `listener`). */
  httpMiddleware(listener: string): RequestHandler;
}

export function createMetrics(build: BuildInfo): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "passerelle_" });
  const info = new Gauge({
    name: "passerelle_build_info",
    help: "Build of the running gateway (value is always 1)",
    labelNames: ["version", "node", "country"] as const,
    registers: [registry],
  });
  info.set({ version: build.version, node: process.versions.node, country: build.country }, 1);

  const requests = new Counter({
    name: "passerelle_http_requests_total",
    help: "HTTP requests answered, by listener, method and status",
    labelNames: ["listener", "method", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "passerelle_http_request_duration_seconds",
    help: "HTTP request duration, by listener",
    labelNames: ["listener"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  return {
    registry,
    httpMiddleware(listener) {
      return (req, res, next) => {
        const stop = duration.startTimer({ listener });
        res.on("finish", () => {
          stop();
          requests.inc({ listener, method: req.method, status: String(res.statusCode) });
        });
        next();
      };
    },
  };
}
