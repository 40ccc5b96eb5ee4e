/**
 * 1 + 2. Per-turn platform overhead and resource cost at 1, 10, 50 and 100 concurrent scripted calls in one workerd
 * process, instant provider profile, real-time call clock (speed 1: the platform paces audio in real 20 ms frames, so
 * pacing, jitter and CPU per call-minute are what a real call would see).
 */
import { medianOfSummaries, median, summarize, type Summary } from "./stats.ts";
import { analyzeCall, type PlaybackSample, type TurnSample } from "./turns.ts";
import { ResourceMonitor, resourceCost, rssSlope, type ResourceCost } from "./resource-cost.ts";
import { placeCalls, sleep, waitForFinalCalls, type World } from "./world.ts";

export interface LevelPlan {
  concurrency: number;
  reps: number;
  turns: number;
}

export interface LevelResult {
  concurrency: number;
  reps: number;
  turnsPerCall: number;
  samples: number;
  missing: number;
  failedCalls: number;
  overhead: Summary & { reps: number };
  turnGap: Summary & { reps: number };
  v2v: Summary & { reps: number };
  /** p50 of each platform hop and provider stage (median over repetitions). */
  hopsP50: Record<"ingressMs" | "sttToLlmMs" | "llmToTtsMs" | "egressMs" | "sttMs" | "llmFirstTokenMs" | "firstClauseMs" | "ttsFirstByteMs", number>;
  /** Frame pacing at the caller (Twilio simulator), worst over all calls and repetitions. */
  pacing: { maxGapMs: number; gapP99Ms: number; late20: number; late40: number; maxLatenessMs: number; frames: number };
  /** The platform's own `metrics.playback` (per call): its max_gap_ms also spans the silences between replies. */
  platformPlayback: { framesSent: number; maxGapMsP50: number; lateFrames: number };
  resources: ResourceCost;
}

export interface TurnOverheadResult {
  profile: "instant";
  speed: number;
  idleRssMb: number;
  rssSlopeMbPerCall: number;
  levels: LevelResult[];
  notes: string[];
}

const HOPS = ["ingressMs", "sttToLlmMs", "llmToTtsMs", "egressMs", "sttMs", "llmFirstTokenMs", "firstClauseMs", "ttsFirstByteMs"] as const;

export async function runTurnOverhead(world: World, plan: LevelPlan[], log: (line: string) => void): Promise<TurnOverheadResult> {
  const notes: string[] = [];
  {
    // Warm-up: one call so code is compiled and connections exist before anything is measured.
    await placeCalls(world, 1, 0, 0, 9000);
    await sleep(500);
    const levels: LevelResult[] = [];
    let callerNo = 1;
    for (const level of plan) {
      const reps: { samples: TurnSample[]; playback: PlaybackSample[]; platform: any[]; res: ResourceCost; missing: number; failed: number }[] = [];
      for (let r = 0; r < level.reps; r++) {
        const rep = await runOnce(world, level.concurrency, level.turns, callerNo, notes);
        callerNo += level.concurrency;
        reps.push(rep);
        const s = summarize(rep.samples.map((x) => x.overheadMs));
        log(`  ${level.concurrency} calls, rep ${r + 1}/${level.reps}: ${s.n} turns, overhead p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)} ms, workerd ${rep.res.cpuMsPerCallMinute.toFixed(0)} CPU-ms/call-min, ${rep.res.rssPerCallMb.toFixed(2)} MB/call${rep.missing ? `, ${rep.missing} turns unmatched` : ""}${rep.failed ? `, ${rep.failed} calls failed` : ""}`);
      }
      const by = (f: (t: TurnSample) => number) => medianOfSummaries(reps.map((rep) => summarize(rep.samples.map(f))));
      const allPlayback = reps.flatMap((rep) => rep.playback);
      const allPlatform = reps.flatMap((rep) => rep.platform);
      const gaps = summarize(allPlayback.map((p) => p.maxGapMs));
      levels.push({
        concurrency: level.concurrency,
        reps: level.reps,
        turnsPerCall: level.turns,
        samples: reps.reduce((n, rep) => n + rep.samples.length, 0),
        missing: reps.reduce((n, rep) => n + rep.missing, 0),
        failedCalls: reps.reduce((n, rep) => n + rep.failed, 0),
        overhead: by((t) => t.overheadMs),
        turnGap: by((t) => t.turnGapMs),
        v2v: by((t) => t.v2vMs),
        hopsP50: Object.fromEntries(HOPS.map((h) => [h, median(reps.map((rep) => summarize(rep.samples.map((t) => t[h])).p50))])) as LevelResult["hopsP50"],
        pacing: {
          maxGapMs: Math.max(0, ...allPlayback.map((p) => p.maxGapMs)),
          gapP99Ms: gaps.p99,
          late20: allPlayback.reduce((n, p) => n + p.late20, 0),
          late40: allPlayback.reduce((n, p) => n + p.late40, 0),
          maxLatenessMs: Math.max(0, ...allPlayback.map((p) => p.maxLatenessMs)),
          frames: allPlayback.reduce((n, p) => n + p.frames, 0),
        },
        platformPlayback: {
          framesSent: allPlatform.reduce((n, p) => n + (p?.frames_sent ?? 0), 0),
          maxGapMsP50: median(allPlatform.map((p) => p?.max_gap_ms ?? Number.NaN)),
          lateFrames: allPlatform.reduce((n, p) => n + (p?.late_frames ?? 0), 0),
        },
        resources: medianResources(reps.map((rep) => rep.res)),
      });
    }
    // The Worker process's RSS before the first level (after the warm-up call).
    const idleRssMb = levels[0]?.resources.rssBeforeMb ?? Number.NaN;
    const rssSlopeMbPerCall = rssSlope(idleRssMb, levels.map((l) => ({ concurrency: l.concurrency, peakRssMb: l.resources.peakRssMb })));
    return { profile: "instant", speed: 1, idleRssMb, rssSlopeMbPerCall, levels, notes };
  }
}

async function runOnce(world: World, n: number, turns: number, firstCallerNo: number, notes: string[]) {
  world.tap.reset();
  world.platform.sims.bedrock.reset();
  const sims = world.platform.sims;
  const monitor = new ResourceMonitor([sims.twilio.port, sims.deepgram.port, sims.bedrock.port]);
  monitor.start();
  // Starts spread over 2 s (calls arrive, they don't all ring in the same millisecond); every call overlaps all others.
  const calls = await placeCalls(world, n, turns, n > 1 ? 2000 : 0, firstCallerNo);
  const finals = await waitForFinalCalls(world, calls.map((c) => c.callSid));
  const window = monitor.stop();
  const bedrockLog = world.platform.sims.bedrock.requests();
  const samples: TurnSample[] = [];
  const playback: PlaybackSample[] = [];
  let missing = 0;
  for (const call of calls) {
    const a = analyzeCall(world.tap, call, bedrockLog, 1);
    samples.push(...a.turns);
    if (a.playback) playback.push(a.playback);
    missing += a.missing.length;
    if (a.missing.length > 0 && notes.length < 20) notes.push(...a.missing.slice(0, 3));
  }
  const failed = calls.filter((c) => c.recording.turns.length < turns || c.recording.errors.some((e) => e.code !== 0)).length;
  const platform = await Promise.all(
    [...finals.values()].map(async (c) => {
      try {
        return (await world.tenant.api.get(`/v1/calls/${c.id}`)).metrics?.playback;
      } catch {
        return undefined;
      }
    }),
  );
  const callMinutes = calls.reduce((m, c) => m + ((c.recording.endedAtMs ?? 0) - (c.recording.answeredAtMs ?? 0)) / 60_000, 0);
  return { samples, playback, platform, res: resourceCost(n, callMinutes, window), missing, failed };
}

function medianResources(reps: ResourceCost[]): ResourceCost {
  const m = (k: keyof ResourceCost) => median(reps.map((r) => r[k] as number));
  return {
    concurrency: reps[0]!.concurrency,
    callMinutes: m("callMinutes"),
    cpuMsPerCallMinute: m("cpuMsPerCallMinute"),
    proxyCpuMsPerCallMinute: m("proxyCpuMsPerCallMinute"),
    workerCoreShare: m("workerCoreShare"),
    proxyCoreShare: m("proxyCoreShare"),
    nodeCoreShare: m("nodeCoreShare"),
    rssBeforeMb: reps[0]!.rssBeforeMb,
    peakRssMb: Math.max(...reps.map((r) => r.peakRssMb)),
    rssPerCallMb: m("rssPerCallMb"),
  };
}
