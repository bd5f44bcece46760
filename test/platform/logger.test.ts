import { expect } from "chai";
import express from "express";
import { Writable } from "node:stream";
import request from "supertest";
import { createLogger, httpLogger, requestIdOf } from "../../src/shared/logger";

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, lines: () => chunks.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("logger", () => {
  it("writes JSON lines with a level label, ISO time, and redacts secrets", () => {
    const out = capture();
    const logger = createLogger({ level: "info", name: "t", destination: out.stream });
    logger.debug("hidden");
    logger.info({ password: "s3cret", user: { password: "x" } }, "hello");
    const lines = out.lines();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: "info", name: "t", msg: "hello", password: "[redacted]" });
    expect(lines[0]?.time).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(lines[0]?.user).to.deep.equal({ password: "[redacted]" });
  });

  it("gives each request a correlation id, keeping a sane incoming one", async () => {
    const out = capture();
    const app = express();
    app.use(httpLogger(createLogger({ level: "info", destination: out.stream })));
    app.get("/x", (req, res) => {
      res.json({ id: requestIdOf(req) });
    });
    const kept = await request(app).get("/x").set("X-Request-Id", "abc-123");
    expect(kept.headers["x-request-id"]).to.equal("abc-123");
    expect(kept.body.id).to.equal("abc-123");
    const fresh = await request(app).get("/x").set("X-Request-Id", "bad id\twith<script>");
    expect(fresh.headers["x-request-id"]).to.match(/^[0-9a-f-]{36}$/);
    const line = out.lines().find((l) => l.reqId === "abc-123");
    expect(line, "the request line carries reqId").to.not.equal(undefined);
    expect((line?.res as { statusCode: number }).statusCode).to.equal(200);
  });
});
