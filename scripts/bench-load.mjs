// Load generator for scripts/bench.ts, run in a worker thread so it has its own event loop (the server
// under test runs on the main thread). Keeps `concurrency` keep-alive HTTP/1.1 requests in flight for
// `warmupMs` (discarded) and then `durationMs` (measured); answers requests per second and latencies.
//
// workerData: { url, headers, concurrency, warmupMs, durationMs }
import http from "node:http";
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";

const { url, headers = {}, concurrency, warmupMs, durationMs } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
const options = {
  agent,
  host: target.hostname,
  port: target.port,
  path: `${target.pathname}${target.search}`,
  method: "GET",
  headers,
};

/** One request; resolves to its status (0 on a connection error) once the body is fully read. */
function request() {
  return new Promise((resolve) => {
    const req = http.request(options, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, error: null }));
      res.on("error", (error) => resolve({ status: 0, error: error.message }));
    });
    req.on("error", (error) => resolve({ status: 0, error: error.message }));
    req.end();
  });
}

const start = performance.now();
const measureFrom = start + warmupMs;
const end = measureFrom + durationMs;
const latencies = [];
let errors = 0;
let firstError = null;

async function loop() {
  while (performance.now() < end) {
    const t0 = performance.now();
    const { status, error } = await request();
    const t1 = performance.now();
    // Only requests sent and answered inside the measured window count.
    if (t0 < measureFrom || t1 > end) continue;
    if (status >= 200 && status < 300) latencies.push(t1 - t0);
    else {
      errors++;
      firstError ??= error ?? `HTTP ${status}`;
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, loop));
agent.destroy();

latencies.sort((a, b) => a - b);
const percentile = (p) =>
  latencies.length === 0
    ? Number.NaN
    : latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
parentPort.postMessage({
  requests: latencies.length,
  errors,
  firstError,
  requestsPerSecond: latencies.length / (durationMs / 1000),
  p50: percentile(0.5),
  p99: percentile(0.99),
});
