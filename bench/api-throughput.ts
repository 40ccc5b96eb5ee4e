/**
 * 4. Control-plane API throughput on loopback with the in-repo load generator (bench/load.ts): requests/s and latency
 * for `GET /v1/agents/{id}` (KV-cached view), `GET /v1/calls` (first page of 20) and `POST /v1/calls` (an outbound
 * call to a consented UK number, so US calling hours never apply; the simulated callee answers "busy" at once, so
 * the load measures the API path and Twilio's REST round trip rather than live media). 429s are counted apart.
 */
import { runLoad, type LoadResult } from "./load.ts";
import { median, medianOfSummaries, type Summary } from "./stats.ts";
import type { World } from "./world.ts";

export interface EndpointResult {
  name: string;
  connections: number;
  reps: number;
  durationMs: number;
  /** Median over repetitions. */
  requestsPerSecond: number;
  latency: Summary & { reps: number };
  statuses: Record<string, number>;
  /** Share of responses that were 429 (concurrency limit) over all repetitions. */
  rate429: number;
  errors: number;
}

const CALLEE = "+442079460188";

export async function runApiThroughput(world: World, opts: { reps: number; durationMs: number; connections: number }, log: (line: string) => void): Promise<EndpointResult[]> {
  const { tenant } = world;
  const base = world.platform.baseUrl;
  const auth = { authorization: `Bearer ${tenant.apiKey}` };
  world.platform.sims.twilio.setCalleeScript(CALLEE, { answer: "busy", ringMs: 0 });
  await tenant.api.post("/v1/consent", { phone: CALLEE, consent_type: "outbound_calls", source: "web_form:bench" });
  // Warm the agent's cached view.
  await tenant.api.get(`/v1/agents/${tenant.agentId}`);

  const cases: { name: string; load: () => Promise<LoadResult>; connections: number }[] = [
    {
      name: "GET /v1/agents/{id} (KV-cached)",
      connections: opts.connections,
      load: () => runLoad({ url: `${base}/v1/agents/${tenant.agentId}`, method: "GET", headers: auth, connections: opts.connections, durationMs: opts.durationMs }),
    },
    {
      name: "GET /v1/calls (page of 20)",
      connections: opts.connections,
      load: () => runLoad({ url: `${base}/v1/calls`, method: "GET", headers: auth, connections: opts.connections, durationMs: opts.durationMs }),
    },
    {
      name: "POST /v1/calls (outbound, callee busy)",
      connections: Math.min(8, opts.connections),
      load: () =>
        runLoad({
          url: `${base}/v1/calls`,
          method: "POST",
          headers: auth,
          body: () => JSON.stringify({ agent_id: tenant.agentId, to: CALLEE, from: tenant.number, machine_detection: false }),
          connections: Math.min(8, opts.connections),
          durationMs: opts.durationMs,
          maxRequests: 5000,
        }),
    },
  ];

  const out: EndpointResult[] = [];
  for (const c of cases) {
    const reps: LoadResult[] = [];
    for (let r = 0; r < opts.reps; r++) {
      const res = await c.load();
      reps.push(res);
      log(`  ${c.name}, rep ${r + 1}/${opts.reps}: ${res.requestsPerSecond.toFixed(0)} req/s, p50 ${res.latency.p50.toFixed(1)} ms, p99 ${res.latency.p99.toFixed(1)} ms, statuses ${JSON.stringify(res.statuses)}`);
      // Let the status callbacks of created calls drain before the next repetition.
      if (c.name.startsWith("POST")) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const statuses: Record<string, number> = {};
    for (const rep of reps) for (const [k, v] of Object.entries(rep.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    const total = Object.values(statuses).reduce((a, b) => a + b, 0);
    out.push({
      name: c.name,
      connections: c.connections,
      reps: opts.reps,
      durationMs: opts.durationMs,
      requestsPerSecond: median(reps.map((r) => r.requestsPerSecond)),
      latency: medianOfSummaries(reps.map((r) => r.latency)),
      statuses,
      rate429: total > 0 ? (statuses["429"] ?? 0) / total : 0,
      errors: reps.reduce((n, r) => n + r.errors, 0),
    });
  }
  return out;
}

