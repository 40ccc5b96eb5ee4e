import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { headlineFigures } from "../../bench/compare.ts";
import { targets, type BenchResults } from "../../bench/report.ts";
import { readResults, writeResults } from "../../bench/results-files.ts";
import { playbackOf } from "../../bench/turns.ts";

// The bench's results files and its side-by-side report, on made-up runs (the bench itself is too slow for npm test).
const summary = (p50: number) => ({ reps: 1, n: 4, p50, p90: p50, p95: p50, p99: p50 * 2, min: p50, max: p50 });
const level = (concurrency: number, cpu: number) => ({
  concurrency,
  reps: 1,
  turnsPerCall: 2,
  samples: 4,
  missing: 0,
  failedCalls: 0,
  overhead: summary(5),
  turnGap: summary(15),
  v2v: summary(330),
  hopsP50: { ingressMs: 0, sttToLlmMs: 1, llmToTtsMs: 1, egressMs: 1, sttMs: 0, llmFirstTokenMs: 0, firstClauseMs: 0, ttsFirstByteMs: 0 },
  pacing: { maxGapMs: 30, gapP99Ms: 21, late20: 0, late40: 0, maxLatenessMs: 12, frames: 100 },
  platformPlayback: { framesSent: 100, maxGapMsP50: 20, lateFrames: 0 },
  resources: { concurrency, callMinutes: 1, cpuMsPerCallMinute: cpu, proxyCpuMsPerCallMinute: 0, workerCoreShare: 0.3, proxyCoreShare: 0, nodeCoreShare: 0.3, rssBeforeMb: 100, peakRssMb: 150, rssPerCallMb: 1 },
});
const mode = (profile: "realistic" | "twilio-baseline", label: string, v2v: number, extra: object = {}) => ({
  profile,
  label,
  stt: label.startsWith("Flux") ? "flux-general-en" : "nova-3",
  promptCaching: !label.includes("caching off"),
  earlyStart: label.includes("early start"),
  reps: 1,
  calls: 1,
  turnsPerCall: 3,
  v2v: summary(v2v),
  v2vCaller: summary(v2v),
  turnGap: summary(v2v - 300),
  overhead: summary(5),
  stagesP50: { endpointingMs: 300, sttMs: 0, llmFirstTokenMs: 400, firstClauseMs: 60, ttsFirstByteMs: 100, platformMs: 5 },
  llmBeforeFinalShare: label.startsWith("Flux") ? 1 : 0,
  missing: 0,
  ...extra,
});

function run(commit: string, opts: { cpu: number; fluxV2v: number; busyLoops?: number; mode?: "full" | "smoke" }): BenchResults {
  const spec = { started: 10, committed: 8, cancelled: 2, wastedInputTokens: 2600, wastedOutputTokens: 40 };
  const partial = {
    startedAt: "2026-12-07T05:00:00.000Z",
    durationS: 900,
    mode: opts.mode ?? "full",
    busyLoops: opts.busyLoops ?? 0,
    machine: { cpuModel: "Test CPU", cores: 2, memoryGb: 8, node: "v22", workerd: "1", wrangler: "4", os: "Linux", commit },
    hotPath: [],
    turnOverhead: { profile: "instant", speed: 1, idleRssMb: 100, rssSlopeMbPerCall: 1, levels: [level(50, opts.cpu), level(100, opts.cpu - 20)], notes: [] },
    api: [],
    webhookBurst: { calls: 20, reps: 1, latency: summary(10), failures: 0, statuses: { 200: 20 }, burstMs: 100, chain: { valid: true, checked: 20, pending: 0 } },
    realistic: {
      twilio: { platformTurnGapMs: 885, mouthToEarMs: 1115, telephonyMs: 230 },
      modes: [
        mode("twilio-baseline", "Nova-3", 1040),
        mode("twilio-baseline", "Flux, eager end of turn", opts.fluxV2v, { usage: { speculation: spec, llm: { requests: 12, inputTokens: 300, cacheReadTokens: 1200, cacheWriteTokens: 100 }, callsWithoutUsage: 0 } }),
        mode("twilio-baseline", "Flux, eager end of turn, prompt caching off", opts.fluxV2v + 5, { usage: { speculation: spec, llm: { requests: 12, inputTokens: 1500, cacheReadTokens: 0, cacheWriteTokens: 0 }, callsWithoutUsage: 0 } }),
      ],
    },
    bargeIn: { profile: "realistic", modes: [] },
  } as unknown as Omit<BenchResults, "targets">;
  return { ...partial, targets: targets(partial) };
}

const dirs: string[] = [];
const tempDir = () => {
  const dir = `${mkdtempSync(`${os.tmpdir()}/bench-results-`)}/`;
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("bench results", () => {
  it("paces agent media by the audio each message carries: 80 ms messages 80 ms apart are on time, one 50 ms behind is late", () => {
    const every80 = [0, 80, 160, 240, 320];
    expect(playbackOf(every80, [0], [80, 80, 80, 80, 80])).toMatchObject({ late20: 0, late40: 0, maxLatenessMs: 0, frames: 5 });
    // Read as 20 ms messages, the same stream looks late from the second message on.
    expect(playbackOf(every80, [0])).toMatchObject({ late20: 4, late40: 4 });
    // The fourth message is 50 ms behind its audio's schedule; the schedule then restarts from it.
    expect(playbackOf([0, 80, 160, 290, 370], [0], [80, 80, 80, 80, 80])).toMatchObject({ late20: 1, late40: 1, maxLatenessMs: 50 });
  });

  it("sets the CPU per call-minute and Flux targets, and reports speculation wasted and cache tokens per lever", () => {
    const r = run("aaa", { cpu: 160, fluxV2v: 850 });
    const byName = Object.fromEntries(r.targets.map((t) => [t.name, t]));
    expect(byName["workerd CPU per call-minute at 50 calls"]).toMatchObject({ goal: "≤ 150 ms", measured: "160 ms", met: false });
    expect(byName["workerd CPU per call-minute at 100 calls"]).toMatchObject({ measured: "140 ms", met: true });
    expect(byName["Voice-to-voice vs Twilio's 885 ms turn gap, with its per-stage figures, Flux eager end of turn"]).toMatchObject({ met: true });
    expect(byName["Platform share with Flux (twilio-baseline, p50)"]).toMatchObject({ met: true });
    // The lever row (caching off) is no target.
    expect(r.targets.filter((t) => t.name.includes("Flux eager end of turn"))).toHaveLength(1);
    const md = writeResults(r, tempDir()).markdown;
    expect(md).toContain("| twilio-baseline | Flux, eager end of turn | 4 | 850 |");
    expect(md).toContain("2 of 10 (20 %; 2600 in / 40 out tokens)");
    expect(md).toContain("| twilio-baseline | Prompt caching (Flux, eager end of turn) | on | 850 | 550 | 5.0 | 2 of 10 (20 %; 2600 in / 40 out tokens) | 100 / 8 (input 25) |");
    expect(md).toContain("| twilio-baseline | Prompt caching (Flux, eager end of turn) | off | 855 | 555 | 5.0 | 2 of 10 (20 %; 2600 in / 40 out tokens) | 0 / 0 (input 125) |");
  });

  it("keeps the run a full run overwrites as previous and reports side by side with it", () => {
    const dir = tempDir();
    writeResults(run("aaa", { cpu: 400, fluxV2v: 900 }), dir);
    expect(existsSync(`${dir}previous.json`)).toBe(false);
    const second = writeResults(run("bbb", { cpu: 140, fluxV2v: 850 }), dir);
    expect(readResults("previous", dir)?.machine?.commit).toBe("aaa");
    expect(readFileSync(`${dir}previous.md`, "utf8")).toContain("commit aaa");
    expect(readResults("latest", dir)?.machine?.commit).toBe("bbb");
    expect(second.keptAs).toBe(`${dir}previous.{json,md}`);
    expect(second.markdown).toContain("## Side by side with the previous run");
    expect(second.markdown).toContain("Previous: commit aaa · 2026-12-07T05:00:00.000Z · Test CPU, 2 cores · full run, quiet.");
    expect(second.markdown).toContain("| workerd CPU ms per call-minute at 50 calls | 400 | 140 | −260 |");
    expect(second.markdown).toContain("| Voice-to-voice p50, twilio-baseline, Flux, eager end of turn (ms) | 900 | 850 | −50 |");
    expect(second.markdown).toContain("| workerd CPU per call-minute at 50 calls | ≤ 150 ms | 400 ms (**missed**) | 140 ms (met) |");
  });

  it("writes a run beside busy loops to busy.{json,md}, says so, and shows quiet and busy side by side", () => {
    const dir = tempDir();
    writeResults(run("aaa", { cpu: 140, fluxV2v: 850 }), dir);
    const busy = writeResults(run("aaa", { cpu: 290, fluxV2v: 950, busyLoops: 2 }), dir);
    expect(busy.json).toBe(`${dir}busy.json`);
    expect(readResults("latest", dir)?.busyLoops).toBe(0);
    expect(busy.markdown).toContain("# Benchmark results (full, beside 2 CPU busy loops)");
    expect(busy.markdown).toContain("**Beside 2 CPU busy loops**");
    expect(busy.markdown).toContain("| workerd CPU ms per call-minute at 50 calls | 140 | 290 | +150 |");
    // The next quiet run shows the busy one beside it, and its previous quiet run.
    const quiet = writeResults(run("bbb", { cpu: 150, fluxV2v: 860 }), dir).markdown;
    expect(quiet).toContain("## Side by side with the previous run");
    expect(quiet).toContain("Busy: commit aaa · 2026-12-07T05:00:00.000Z · Test CPU, 2 cores · full run, beside 2 CPU busy loops.");
    expect(quiet).toContain("| workerd CPU ms per call-minute at 50 calls | 150 | 290 | +140 |");
  });

  it("reads a run from before the variants, speculation, busy loops and barge-in existed", () => {
    const { bargeIn: _, busyLoops: __, ...now } = run("bbb", { cpu: 140, fluxV2v: 850 });
    const old = { ...now, realistic: { ...now.realistic, modes: now.realistic.modes.slice(0, 1).map(({ label: _l, stt: _s, promptCaching: _p, usage: _u, ...m }) => ({ ...m, earlyStart: true })) } };
    const figures = headlineFigures(old).map((f) => f.name);
    expect(figures).toContain("Voice-to-voice p50, twilio-baseline, Nova-3, early start (ms)");
    expect(figures.some((n) => n.startsWith("Barge-in") || n.startsWith("Speculation"))).toBe(false);
    const dir = tempDir();
    writeFileSync(`${dir}latest.json`, JSON.stringify(old));
    const md = writeResults(run("ccc", { cpu: 140, fluxV2v: 850 }), dir).markdown;
    expect(md).toContain("| Voice-to-voice p50, twilio-baseline, Flux, eager end of turn (ms) | – | 850 | – |");
    expect(md).toContain("full run, quiet.");
  });
});
