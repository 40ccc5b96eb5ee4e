/** Writes bench/results/latest.json and latest.md, and renders the same tables for stdout. */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import type { EndpointResult } from "./api-throughput.ts";
import { bargeInTargets, renderBargeIn, type BargeInResult } from "./barge-in.ts";
import type { HotPathCase } from "./hot-path.ts";
import type { RealisticResult } from "./realistic-profile.ts";
import { fmt } from "./stats.ts";
import type { TurnOverheadResult } from "./turn-overhead.ts";
import type { BurstResult } from "./webhook-burst.ts";

const HERE = new URL("./", import.meta.url).pathname;
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
  const off = r.realistic.modes.find((m) => m.profile === "realistic" && !m.earlyStart);
  const baseline = r.realistic.modes.filter((m) => m.profile === "twilio-baseline");
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
  if (off) {
    out.push({
      name: "Turn gap vs simulated provider time (realistic, p50)",
      goal: "within 20 ms",
      measured: `platform share ${fmt(off.overhead.p50)} ms (turn gap p50 ${fmt(off.turnGap.p50, 0)} ms)`,
      met: off.overhead.p50 <= 20,
    });
  }
  for (const m of baseline) {
    out.push({
      name: `Voice-to-voice vs Twilio's 885 ms turn gap, with its per-stage figures, early start ${m.earlyStart ? "on" : "off"}`,
      goal: "< 885 ms at p50",
      measured: `${fmt(m.v2v.p50, 0)} ms p50 (p90 ${fmt(m.v2v.p90, 0)})`,
      met: m.v2v.p50 < 885,
    });
  }
  out.push(...bargeInTargets(r.bargeIn));
  return out;
}

/** A Markdown table (and the blank line after it); `align` has one letter per column, l or r. */
function table(head: string[], align: string, rows: (string | number)[][]): string[] {
  const rule = [...align].map((a) => (a === "r" ? "---:" : "---")).join("|");
  return [`| ${head.join(" | ")} |`, `|${rule}|`, ...rows.map((row) => `| ${row.join(" | ")} |`), ""];
}

const onOff = (on: boolean) => (on ? "on" : "off");

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const to = r.turnOverhead;
  const re = r.realistic;
  const L: string[] = [
    `# Benchmark results (${r.mode})`,
    "",
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB · Node ${m.node} · workerd ${m.workerd} (wrangler ${m.wrangler}) · ${m.os} · commit ${m.commit} · ${r.startedAt} · ${fmt(r.durationS, 0)} s`,
    "",
    "Percentiles are medians over repetitions (n = all samples). Times in ms. Method and caveats: bench/README.md.",
    "",
    "## Targets (issue 6)",
    "",
    ...table(["Target", "Goal", "Measured", ""], "llll", r.targets.map((t) => [t.name, t.goal, t.measured, t.met ? "met" : "**missed**"])),
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
    "## 5. Voice-to-voice with published provider figures",
    "",
    `Voice-to-voice = end of caller speech → first agent audio at Twilio. Twilio's published cascaded baseline: ${re.twilio.platformTurnGapMs} ms platform turn gap, ${re.twilio.mouthToEarMs} ms mouth-to-ear (≈${re.twilio.telephonyMs} ms of it telephony we do not model).`,
    "",
    "`realistic`: Bedrock Claude Haiku first token ~700 ms, Nova-3 final ~250 ms after the end of speech, endpointing included (at a 300 ms endpoint it comes with the endpoint), Aura-2 ~200 ms, Twilio media transit ~20 ms each way. `twilio-baseline`: the stage budget behind Twilio's 885 ms (STT 350 ms incl. endpointing, LLM first token 375 ms, TTS 100 ms).",
    "",
    ...table(
      ["Profile", "Early start", "n", "V2V p50", "p90", "p95", "p99", "As heard (20 ms frames) p50", "Platform p50", "Est. mouth-to-ear p50", "vs Twilio 885 / 1,115"],
      "llrrrrrrrrl",
      re.modes.map((md) => {
        const m2e = md.v2v.p50 + re.twilio.telephonyMs;
        const vs = (v: number, limit: number) => (v < limit ? "below" : "above");
        return [md.profile, onOff(md.earlyStart), md.v2v.n, fmt(md.v2v.p50, 0), fmt(md.v2v.p90, 0), fmt(md.v2v.p95, 0), fmt(md.v2v.p99, 0), fmt(md.v2vCaller.p50, 0), fmt(md.overhead.p50), fmt(m2e, 0), `${vs(md.v2v.p50, re.twilio.platformTurnGapMs)} / ${vs(m2e, re.twilio.mouthToEarMs)}`];
      }),
    ),
    "Stacked per-stage breakdown (p50 of each stage; stage p50s need not add up to the v2v p50):",
    "",
    ...table(
      ["Profile", "Early start", "Endpointing", "STT final", "LLM first token", "First clause", "TTS first byte", "Platform", "Sum", "V2V p50", "Model asked before final"],
      "llrrrrrrrrr",
      re.modes.map((md) => {
        const s = md.stagesP50;
        const sum = s.endpointingMs + s.sttMs + s.llmFirstTokenMs + s.firstClauseMs + s.ttsFirstByteMs + s.platformMs;
        return [md.profile, onOff(md.earlyStart), fmt(s.endpointingMs, 0), fmt(s.sttMs, 0), fmt(s.llmFirstTokenMs, 0), fmt(s.firstClauseMs, 0), fmt(s.ttsFirstByteMs, 0), fmt(s.platformMs), fmt(sum, 0), fmt(md.v2v.p50, 0), `${fmt(md.llmBeforeFinalShare * 100, 0)} %`];
      }),
    ),
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

export function writeResults(r: BenchResults): { json: string; md: string } {
  const dir = `${HERE}results`;
  mkdirSync(dir, { recursive: true });
  const suffix = r.mode === "smoke" ? "smoke" : "latest";
  const json = `${dir}/${suffix}.json`;
  const md = `${dir}/${suffix}.md`;
  writeFileSync(json, JSON.stringify(r, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : typeof v === "number" ? Math.round(v * 1000) / 1000 : v), 2) + "\n");
  writeFileSync(md, renderMarkdown(r) + "\n");
  return { json, md };
}
