/**
 * A small HTTP load generator (autocannon is not a dependency): `connections` keep-alive connections, each sending
 * its next request as soon as the previous response was read, for a fixed duration (and at most `maxRequests`).
 * Records every request's latency and status. Loopback targets only.
 */
import { Agent, request } from "node:http";
import { summarize, type Summary } from "./stats.ts";

export interface LoadOptions {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  /** A fresh body per request (POST). */
  body?: (i: number) => string;
  connections: number;
  durationMs: number;
  maxRequests?: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  /** Latency of 2xx responses, ms. */
  latency: Summary;
  statuses: Record<string, number>;
  errors: number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const url = new URL(opts.url);
  if (!LOOPBACK.has(url.hostname)) throw new Error(`load targets loopback only, not ${url.hostname}`);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let issued = 0;
  const max = opts.maxRequests ?? 1_000_000;
  const t0 = performance.now();
  const end = t0 + opts.durationMs;

  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const body = opts.body?.(i);
      const started = performance.now();
      const req = request(
        url,
        { method: opts.method, agent, headers: { ...opts.headers, ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}) } },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status >= 200 && status < 300) latencies.push(performance.now() - started);
            resolve();
          });
          res.on("error", () => {
            errors++;
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (performance.now() < end && issued < max) await one(issued++);
    }),
  );
  const elapsed = performance.now() - t0;
  agent.destroy();
  return { requests: issued, requestsPerSecond: (issued * 1000) / elapsed, latency: summarize(latencies), statuses, errors };
}
