// Mixed load generator for scripts/bench.ts ("mixed load" case), run in a worker thread so it has its own
// event loop. `concurrency` clients each send one keep-alive HTTP/1.1 request after another for `warmupMs`
// (discarded) and `durationMs` (measured), taking the kind of each request from a weighted cycle over
// `kinds`. A kind with `once: true` (bookings, flow steps) uses each of its items once; when they run out,
// the client sends the first kind instead. Answers overall and per-kind counts, errors, p50 and p99.
//
// workerData: { baseUrl, headers, concurrency, warmupMs, durationMs,
//               kinds: [{ name, weight, method, once, items: [{ path, body? }] }] }
import http from "node:http";
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";

const { baseUrl, headers = {}, concurrency, warmupMs, durationMs, kinds } = workerData;
const base = new URL(baseUrl);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });

function request(method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method,
        headers: payload
          ? { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
          : headers,
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => {
          if (res.statusCode >= 300) chunks.push(c);
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            error: res.statusCode >= 300 ? Buffer.concat(chunks).toString("utf8").slice(0, 200) : null,
          }),
        );
        res.on("error", (error) => resolve({ status: 0, error: error.message }));
      },
    );
    req.on("error", (error) => resolve({ status: 0, error: error.message }));
    req.end(payload);
  });
}

const cycle = kinds.flatMap((k, i) => Array.from({ length: k.weight }, () => i));
const next = kinds.map(() => 0);
const stats = kinds.map((k) => ({ name: k.name, requests: 0, errors: 0, firstError: null }));
let turn = 0;

/** The next request to send: its kind and item (a once-only kind that ran out gives way to kind 0). */
function pick() {
  let i = cycle[turn++ % cycle.length];
  const kind = kinds[i];
  let item;
  if (kind.once) {
    item = kind.items[next[i]++];
    if (!item) {
      i = 0;
      item = kinds[0].items[next[0]++ % kinds[0].items.length];
    }
  } else item = kind.items[next[i]++ % kind.items.length];
  return { i, method: kinds[i].method, item };
}

const start = performance.now();
const measureFrom = start + warmupMs;
const end = measureFrom + durationMs;
const latencies = [];
let errors = 0;
let firstError = null;

async function loop() {
  while (performance.now() < end) {
    const { i, method, item } = pick();
    const t0 = performance.now();
    const { status, error } = await request(method, item.path, item.body);
    const t1 = performance.now();
    const ok = status >= 200 && status < 300;
    // Every error counts, warm-up included; latencies only inside the measured window.
    if (!ok) {
      errors++;
      stats[i].errors++;
      const what = `${method} ${item.path}: HTTP ${status} ${error ?? ""}`;
      firstError ??= what;
      stats[i].firstError ??= what;
    }
    if (t0 < measureFrom || t1 > end) continue;
    stats[i].requests++;
    if (ok) latencies.push(t1 - t0);
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
  kinds: stats,
  used: Object.fromEntries(
    kinds.map((k, i) => [k.name, k.once ? `${Math.min(next[i], k.items.length)}/${k.items.length}` : null]),
  ),
});
