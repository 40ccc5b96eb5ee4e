/**
 * `node bench/api-read.ts [--rounds N] [--duration-ms N] [--connections N]`: the first case of section 4 alone
 * (`GET /v1/agents/{id}`, the KV-cached agent read) against a fresh instant-profile world, with section 4's own load
 * generator and defaults (32 connections, 2.5 s). Prints one line per round and a JSON summary; writes no results.
 * Besides req/s it reports workerd's CPU per request (user + system time of the run's workerd processes over the
 * requests served), which other work on a shared machine disturbs far less than req/s. For an A/B, run it
 * alternately from two checkouts and compare the rounds.
 */
import { runLoad } from "./load.ts";
import { median } from "./stats.ts";
import { procSample, startWorld, workerdPids } from "./world.ts";

const BIN = new URL("../node_modules/.bin", import.meta.url).pathname;
if (!(process.env.PATH ?? "").split(":").includes(BIN)) process.env.PATH = `${BIN}:${process.env.PATH ?? ""}`;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg("rounds", 3);
const durationMs = arg("duration-ms", 2500);
const connections = arg("connections", 32);

const world = await startWorld({ profile: "instant", speed: 1 });
try {
  const { tenant } = world;
  const url = `${world.platform.baseUrl}/v1/agents/${tenant.agentId}`;
  const headers = { authorization: `Bearer ${tenant.apiKey}` };
  // Warm the cached view and the isolate (as section 4 does before its first repetition).
  await runLoad({ url, method: "GET", headers, connections, durationMs: 500 });
  const pids = workerdPids();
  const perRound: number[] = [];
  const cpuUsPerRequest: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = procSample(pids).cpuMs;
    const res = await runLoad({ url, method: "GET", headers, connections, durationMs });
    const cpuUs = ((procSample(pids).cpuMs - before) * 1000) / res.requests;
    perRound.push(res.requestsPerSecond);
    cpuUsPerRequest.push(cpuUs);
    console.log(`round ${r + 1}/${rounds}: ${res.requestsPerSecond.toFixed(0)} req/s, workerd ${cpuUs.toFixed(0)} CPU-µs/request, p50 ${res.latency.p50.toFixed(1)} ms, p99 ${res.latency.p99.toFixed(1)} ms, statuses ${JSON.stringify(res.statuses)}`);
  }
  const round = (values: number[]) => values.map((v) => Math.round(v));
  console.log(JSON.stringify({ connections, durationMs, reqPerS: round(perRound), medianReqPerS: Math.round(median(perRound)), cpuUsPerRequest: round(cpuUsPerRequest), medianCpuUsPerRequest: Math.round(median(cpuUsPerRequest)) }));
} finally {
  await world.close();
}
process.exit(0);
