// A small HTTPS load client run in a worker thread, so that the client's TLS and HTTP work does not
// share the event loop of the gateway it measures (what autocannon's separate process gives).
// workerData: { port, path, concurrency, bodies: string[], ca, cert, key, minBytes }.
// Posts back { concurrency, requests, perSecond, p50, p99, errors, firstError }.
import https from "node:https";
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";

const { port, path, concurrency, bodies, ca, cert, key, minBytes } = workerData;
const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, ca, cert, key });

function post(body) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path, method: "POST", agent, servername: "localhost", headers: { "content-type": "application/soap+xml; charset=UTF-8" } }, (res) => {
      let bytes = 0;
      let head = "";
      res.on("data", (d) => {
        bytes += d.length;
        if (head.length < 1500) head += d.toString("utf8", 0, Math.min(d.length, 1500));
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, head }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const latencies = [];
let next = 0;
let errors = 0;
let firstError;
const start = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const t = performance.now();
      const r = await post(body);
      latencies.push(performance.now() - t);
      if (r.status !== 200 || r.bytes < minBytes) {
        errors += 1;
        firstError ??= `HTTP ${r.status}, ${r.bytes} bytes: ${r.head}`;
      }
    }
  }),
);
const elapsed = performance.now() - start;
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const round = (n) => Math.round(n * 10) / 10;
parentPort.postMessage({ concurrency, requests: bodies.length, perSecond: Math.round((bodies.length * 1000) / elapsed), p50: round(at(50)), p99: round(at(99)), errors, firstError });
