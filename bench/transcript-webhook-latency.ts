/**
 * `node bench/transcript-webhook-latency.ts [--smoke]`: how soon a tenant's receiver gets each `call.transcript`
 * event after its turn ended (issue 15: a bench figure, not a timed test). Real time (call clock ×1), instant
 * provider profile; a local receiver registered for `call.transcript` only, verifying each signature with
 * `standardwebhooks`. Latency = the receiver's clock at arrival − the turn's `ended_at` (same machine, same clock),
 * through the webhook-events queue, the fan-out and the delivery queue of local workerd. Writes
 * bench/results/transcript-webhook-latency.{json,md}.
 */
import { writeFileSync } from "node:fs";
import { startWebhookReceiver } from "../scripts/lib/webhook-receiver.ts";
import { machine } from "./report.ts";
import { summarize } from "./stats.ts";
import { placeCalls, sleep, startWorld } from "./world.ts";

const BIN = new URL("../node_modules/.bin", import.meta.url).pathname;
if (!(process.env.PATH ?? "").split(":").includes(BIN)) process.env.PATH = `${BIN}:${process.env.PATH ?? ""}`;

const smoke = process.argv.includes("--smoke");
const CALLS = smoke ? 1 : 4;
const TURNS = smoke ? 2 : 4;
const arrivals: { latencyMs: number; seq: number; role: string }[] = [];
const receiver = await startWebhookReceiver({ print: () => {} });
const world = await startWorld({ profile: "instant", speed: 1 });
try {
  const endpoint = await world.tenant.api.post<{ secret: string }>("/v1/webhooks/endpoints", { url: receiver.url, event_types: ["call.transcript"] });
  receiver.setSecret(endpoint.secret);
  await placeCalls(world, CALLS, TURNS, 2_000);
  // Every turn of every call: the greeting, then a caller and an agent turn per question.
  const expected = CALLS * (1 + 2 * TURNS);
  const deadline = Date.now() + 60_000;
  while (receiver.received.length < expected && Date.now() < deadline) await sleep(50);
  for (const r of receiver.received) {
    if (!r.verified) throw new Error(`unverified delivery ${r.webhookId}`);
    const data = r.event.data as { seq: number; role: string; ended_at: string };
    arrivals.push({ latencyMs: r.receivedAt - Date.parse(data.ended_at), seq: data.seq, role: data.role });
  }
} finally {
  await world.close();
  await receiver.close();
}

const summary = summarize(arrivals.map((a) => a.latencyMs));
const m = machine();
const md = [
  `# call.transcript delivery latency (${smoke ? "smoke" : "full"})`,
  "",
  `${m.cpuModel}, ${m.cores} cores · Node ${m.node} · workerd ${m.workerd} · commit ${m.commit} · ${new Date().toISOString()}`,
  "",
  "| Calls | Turns delivered | p50 | p95 | max |",
  "|---:|---:|---:|---:|---:|",
  `| ${CALLS} | ${summary.n} | ${summary.p50.toFixed(0)} ms | ${summary.p95.toFixed(0)} ms | ${summary.max.toFixed(0)} ms |`,
].join("\n");
const dir = new URL("./results/", import.meta.url).pathname;
writeFileSync(`${dir}transcript-webhook-latency${smoke ? "-smoke" : ""}.json`, JSON.stringify({ machine: m, calls: CALLS, summary, arrivals }, null, 2) + "\n");
writeFileSync(`${dir}transcript-webhook-latency${smoke ? "-smoke" : ""}.md`, md + "\n");
console.log(md);
process.exit(0);
