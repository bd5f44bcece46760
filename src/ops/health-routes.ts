// The plain-HTTP operations listener (9090, DESIGN.md): /healthz (the process answers), /readyz (the
// gateway can serve: database reachable, certificates loaded; 503 with reasons otherwise), /metrics.
import { Router } from "express";
import type { Registry } from "prom-client";
import { PROBLEM_CONTENT_TYPE } from "../app/problem";
import type { Readiness } from "./readiness";

export function healthRoutes(readiness: Readiness, registry: Registry): Router {
  const router = Router();

  router.get("/healthz", (_req, res) => {
    res.set("Cache-Control", "no-store").json({ status: "alive" });
  });

  router.get("/readyz", async (req, res) => {
    const report = await readiness.report();
    res.set("Cache-Control", "no-store");
    if (report.ready) {
      res.json({ status: "ready", checks: report.checks });
      return;
    }
    const reasons = Object.entries(report.checks)
      .filter(([, c]) => !c.ok)
      .map(([name, c]) => `${name}: ${c.reason}`);
    res
      .status(503)
      .type(PROBLEM_CONTENT_TYPE)
      .json({
        type: "urn:passerelle:problem:NOT_READY",
        title: "Not ready",
        status: 503,
        code: "NOT_READY",
        detail: reasons.join("; "),
        instance: req.originalUrl,
        checks: report.checks,
      });
  });

  router.get("/metrics", async (_req, res) => {
    res.set("Content-Type", registry.contentType).send(await registry.metrics());
  });

  return router;
}
