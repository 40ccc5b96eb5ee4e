/** The run's record (BenchResults), its targets, and its Markdown report (written by ./results-files.ts). */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import type { EndpointResult } from "./api-throughput.ts";
import type { BargeInResult } from "./barge-in.ts";
import { bargeInTargets, renderBargeIn } from "./barge-in-report.ts";
import { renderSideBySide, type StoredResults } from "./compare.ts";
import type { HotPathCase } from "./hot-path.ts";
import { table } from "./markdown.ts";
import type { RealisticResult } from "./realistic-profile.ts";
import { realisticTargets, renderRealistic } from "./realistic-report.ts";
import { fmt } from "./stats.ts";
import type { TurnOverheadResult } from "./turn-overhead.ts";
import type { BurstResult } from "./webhook-burst.ts";

const ROOT = new URL("../", import.meta.url).pathname;

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  workerd: string;
  wrangler: string;
  os: string;
  commit: string;
}

export interface BenchResults {
  startedAt: string;
  durationS: number;
  mode: "full" | "smoke";
  /** CPU busy loops the whole run had beside it (`--busy N`, emulating a slower CPU model); absent in older results. */
  busyLoops?: number;
  machine: Machine;
  hotPath: HotPathCase[];
  turnOverhead: TurnOverheadResult;
  api: EndpointResult[];
  webhookBurst: BurstResult;
  realistic: RealisticResult;
  bargeIn: BargeInResult;
  targets: Target[];
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

const pkgVersion = (name: string) => {
  try {
    return JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, "utf8")).version as string;
  } catch {
    return "?";
  }
};

export function machine(): Machine {
  let commit = "?";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    /* not a git checkout */
  }
  return {
    cpuModel: os.cpus()[0]?.model ?? "?",
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    workerd: pkgVersion("workerd"),
    wrangler: pkgVersion("wrangler"),
    os: `${os.type()} ${os.release()}`,
    commit,
  };
}

export function targets(r: Omit<BenchResults, "targets">): Target[] {
  const level = (n: number) => r.turnOverhead.levels.find((l) => l.concurrency === n);
  const top = r.turnOverhead.levels.at(-1);
  const l50 = level(50) ?? top;
  const l100 = level(100) ?? top;
  const agent = r.api.find((a) => a.name.startsWith("GET /v1/agents"));
  const out: Target[] = [];
  if (l50) {
    out.push({ name: `Overhead p50 at ${l50.concurrency} calls`, goal: "≤ 5 ms", measured: `${fmt(l50.overhead.p50)} ms`, met: l50.overhead.p50 <= 5 });
    out.push({ name: `Overhead p99 at ${l50.concurrency} calls`, goal: "≤ 20 ms", measured: `${fmt(l50.overhead.p99)} ms`, met: l50.overhead.p99 <= 20 });
  }
  if (l100) {
    out.push({
      name: `No frame > 40 ms late at ${l100.concurrency} calls`,
      goal: "max lateness ≤ 40 ms",
      measured: `max ${fmt(l100.pacing.maxLatenessMs)} ms late, ${l100.pacing.late40} of ${l100.pacing.frames} frames > 40 ms; max gap ${fmt(l100.pacing.maxGapMs)} ms`,
      met: l100.pacing.maxLatenessMs <= 40 && l100.failedCalls === 0,
    });
  }
  for (const l of new Set([l50, l100])) {
    if (!l) continue;
    const cost = l.resources.cpuMsPerCallMinute;
    out.push({ name: `workerd CPU per call-minute at ${l.concurrency} calls`, goal: "≤ 150 ms", measured: `${fmt(cost, 0)} ms`, met: cost <= 150 });
  }
  if (l100) {
    out.push({
      name: "Memory per concurrent call",
      goal: "≤ 2 MB",
      measured: `${fmt(l100.resources.rssPerCallMb, 2)} MB at ${l100.concurrency} calls (slope over levels ${fmt(r.turnOverhead.rssSlopeMbPerCall, 2)} MB)`,
      met: l100.resources.rssPerCallMb <= 2,
    });
  }
  const burst = r.webhookBurst;
  out.push({
    name: `${burst.calls} simultaneous inbound calls to one account`,
    goal: "every webhook answered with TwiML, audit chain valid",
    measured: `${burst.failures} failed of ${burst.calls * burst.reps}, chain ${burst.chain.valid ? "valid" : "BROKEN"} (${burst.chain.pending} pending)`,
    met: burst.failures === 0 && burst.chain.valid && burst.chain.pending === 0,
  });
  if (agent) out.push({ name: "KV-cached agent read", goal: "≥ 2,000 req/s", measured: `${fmt(agent.requestsPerSecond, 0)} req/s`, met: agent.requestsPerSecond >= 2000 });
  out.push(...realisticTargets(r.realistic));
  out.push(...bargeInTargets(r.bargeIn));
  return out;
}

/** Runs shown beside this one: the run it replaced, and the quiet or busy counterpart (./results-files.ts). */
export interface Sides {
  previous?: StoredResults | undefined;
  quiet?: StoredResults | undefined;
  busy?: StoredResults | undefined;
}

export function renderMarkdown(r: BenchResults, sides: Sides = {}): string {
  const m = r.machine;
  const to = r.turnOverhead;
  const re = r.realistic;
  const L: string[] = [
    `# Benchmark results (${r.mode}${r.busyLoops ? `, beside ${r.busyLoops} CPU busy loops` : ""})`,
    "",
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB · Node ${m.node} · workerd ${m.workerd} (wrangler ${m.wrangler}) · ${m.os} · commit ${m.commit} · ${r.startedAt} · ${fmt(r.durationS, 0)} s`,
    "",
    ...(r.busyLoops ? [`**Beside ${r.busyLoops} CPU busy loops** (\`--busy ${r.busyLoops}\`: child processes spinning \`for(;;){}\`), emulating a slower CPU model: every figure below was measured with them running.`, ""] : []),
    "Percentiles are medians over repetitions (n = all samples). Times in ms. Method and caveats: bench/README.md.",
    "",
    "## Targets (issues 6 and 19)",
    "",
    ...table(["Target", "Goal", "Measured", ""], "llll", r.targets.map((t) => [t.name, t.goal, t.measured, t.met ? "met" : "**missed**"])),
    ...(sides.previous ? renderSideBySide("Side by side with the previous run", ["Previous", "Now"], sides.previous, r) : []),
    ...(sides.busy ? renderSideBySide("Quiet vs busy (the last run beside busy loops, results/busy.md)", ["Quiet", "Busy"], r, sides.busy) : []),
    ...(sides.quiet ? renderSideBySide("Quiet vs busy (the last quiet run, results/latest.md)", ["Quiet", "Busy"], sides.quiet, r) : []),
    "## 1. Per-turn platform overhead (instant profile, real-time call clock)",
    "",
    "Overhead = turn gap − simulated provider time = the platform's four hops (Twilio → STT socket, final → model request, first clause → TTS flush, first TTS byte → Twilio).",
    "",
    ...table(
      ["Calls", "Turns (n)", "Overhead p50", "p95", "p99", "Turn gap p50", "V2V p50", "Ingress", "Final→LLM", "Clause→TTS", "Egress", "Max frame gap", "Late > 20 / > 40 ms", "Max lateness", "Failed calls"],
      "rrrrrrrrrrrrrrr",
      to.levels.map((l) => [
        l.concurrency,
        l.overhead.n,
        fmt(l.overhead.p50),
        fmt(l.overhead.p95),
        fmt(l.overhead.p99),
        fmt(l.turnGap.p50),
        fmt(l.v2v.p50, 0),
        fmt(l.hopsP50.ingressMs),
        fmt(l.hopsP50.sttToLlmMs),
        fmt(l.hopsP50.llmToTtsMs),
        fmt(l.hopsP50.egressMs),
        fmt(l.pacing.maxGapMs),
        `${l.pacing.late20} / ${l.pacing.late40} of ${l.pacing.frames}`,
        fmt(l.pacing.maxLatenessMs),
        `${l.failedCalls}${l.missing ? ` (${l.missing} turns unmatched)` : ""}`,
      ]),
    ),
    "Platform's own `metrics.playback` (per call, summed): " +
      to.levels.map((l) => `${l.concurrency} calls: late_frames ${l.platformPlayback.lateFrames}, max_gap_ms p50 ${fmt(l.platformPlayback.maxGapMsP50, 0)}`).join("; ") +
      ". Its max_gap_ms spans the silences between replies (see README).",
    "",
    "## 2. Resource cost (the Worker's workerd process)",
    "",
    ...table(
      ["Calls", "Call-minutes", "CPU ms / call-minute", "Dev proxy CPU ms / call-min", "workerd core share", "Simulators' core share", "RSS before (MB)", "Peak RSS (MB)", "MB per call"],
      "rrrrrrrrr",
      to.levels.map(({ concurrency, resources: c }) => [
        concurrency,
        fmt(c.callMinutes),
        fmt(c.cpuMsPerCallMinute, 0),
        fmt(c.proxyCpuMsPerCallMinute, 0),
        `${fmt(c.workerCoreShare * 100, 0)} %`,
        `${fmt(c.nodeCoreShare * 100, 0)} %`,
        fmt(c.rssBeforeMb, 0),
        fmt(c.peakRssMb, 0),
        fmt(c.rssPerCallMb, 2),
      ]),
    ),
    `Least-squares slope of peak RSS over the levels: ${fmt(to.rssSlopeMbPerCall, 2)} MB per concurrent call (idle ${fmt(to.idleRssMb, 0)} MB).`,
    "",
    "## 3. Audio hot path (Node, the Worker's modules, one core)",
    "",
    ...table(["Path", "Frames/s per core", "µs per frame", "CPU ms per call-minute (one direction)"], "lrrr", r.hotPath.map((h) => [h.name, fmt(h.framesPerSecond, 0), fmt(h.usPerFrame, 2), fmt(h.cpuMsPerCallMinute, 1)])),
    "## 4. Control-plane API (loopback, keep-alive load generator)",
    "",
    ...table(
      ["Endpoint", "Connections", "Req/s", "p50", "p90", "p99", "Responses", "429 share"],
      "lrrrrrlr",
      r.api.map((a) => [
        a.name,
        a.connections,
        fmt(a.requestsPerSecond, 0),
        fmt(a.latency.p50),
        fmt(a.latency.p90),
        fmt(a.latency.p99),
        Object.entries(a.statuses).map(([k, v]) => `${k}: ${v}`).join(", ") + (a.errors ? `, errors: ${a.errors}` : ""),
        `${fmt(a.rate429 * 100, 1)} %`,
      ]),
    ),
    ...renderRealistic(re),
    "## 6. Simultaneous inbound calls to one account (signed webhooks, all sent at once)",
    "",
    ...table(
      ["Webhooks", "Reps", "p50", "p90", "p99", "max", "Burst wall time", "Failed", "Responses", "Audit chain"],
      "rrrrrrrrll",
      [
        [
          r.webhookBurst.calls,
          r.webhookBurst.reps,
          fmt(r.webhookBurst.latency.p50),
          fmt(r.webhookBurst.latency.p90),
          fmt(r.webhookBurst.latency.p99),
          fmt(r.webhookBurst.latency.max),
          `${fmt(r.webhookBurst.burstMs, 0)} ms`,
          r.webhookBurst.failures,
          Object.entries(r.webhookBurst.statuses).map(([k, v]) => `${k}: ${v}`).join(", "),
          `${r.webhookBurst.chain.valid ? "valid" : "broken"}, ${r.webhookBurst.chain.checked} entries, ${r.webhookBurst.chain.pending} pending`,
        ],
      ],
    ),
  ];
  L.push(...renderBargeIn(r.bargeIn));
  if (to.notes.length) L.push("Notes: " + to.notes.slice(0, 5).join("; "), "");
  return L.join("\n");
}
