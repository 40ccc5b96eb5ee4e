/**
 * 5. Voice-to-voice with published provider figures, with the stacked per-stage breakdown, early start off and on:
 *  - `realistic`: Nova-3 final ~250 ms after the end of speech, endpointing included (so at a 300 ms endpoint the
 *    final comes with the endpoint: simulators/deepgram/README.md), Claude Haiku on Bedrock first token ~700 ms at
 *    ~80 tokens/s, Aura-2 first byte ~200 ms warm / ~310 ms cold, Twilio media transit ~20 ms each way;
 *  - `twilio-baseline`: the per-stage budget behind Twilio's 885 ms cascaded turn gap (STT 350 ms including the
 *    endpointing silence, LLM first token 375 ms, TTS first byte 100 ms), so the comparison is like for like.
 * Twilio's published baseline: 885 ms platform turn gap, 1,115 ms mouth-to-ear.
 */
import type { LatencyProfileName } from "../simulators/common/latency-profile.ts";
import { median, medianOfSummaries, summarize, type Summary } from "./stats.ts";
import { analyzeCall, type TurnSample } from "./turns.ts";
import { patchAgent, placeCalls, waitForFinalCalls, type World } from "./world.ts";

export interface StageBreakdown {
  endpointingMs: number;
  sttMs: number;
  llmFirstTokenMs: number;
  firstClauseMs: number;
  ttsFirstByteMs: number;
  platformMs: number;
}

export interface RealisticMode {
  profile: LatencyProfileName;
  earlyStart: boolean;
  reps: number;
  calls: number;
  turnsPerCall: number;
  /** End of caller speech → first agent audio at Twilio (wall clock, from the tap). */
  v2v: Summary & { reps: number };
  /** The same as the simulated caller heard it (call clock, 20 ms frame resolution). */
  v2vCaller: Summary & { reps: number };
  /** Frame that completes the endpointing silence → first agent audio at Twilio. */
  turnGap: Summary & { reps: number };
  overhead: Summary & { reps: number };
  /** p50 of each stage (median over repetitions); the stages' p50s need not add up to the v2v p50. */
  stagesP50: StageBreakdown;
  /** Share of turns whose model request went out before the final transcript. */
  llmBeforeFinalShare: number;
  missing: number;
}

export interface RealisticResult {
  modes: RealisticMode[];
  twilio: { platformTurnGapMs: number; mouthToEarMs: number; telephonyMs: number };
}

export const TWILIO_BASELINE = { platformTurnGapMs: 885, mouthToEarMs: 1115, telephonyMs: 1115 - 885 };

const WORDS = "what are your opening hours on Saturday?";

/** Both early-start modes on a world started with `profile`; caller numbers from `firstCallerNo`. */
export async function runProfileModes(world: World, profile: LatencyProfileName, opts: { calls: number; turns: number; reps: number }, firstCallerNo: number, log: (line: string) => void): Promise<RealisticMode[]> {
  const modes: RealisticMode[] = [];
  let callerNo = firstCallerNo;
  for (const earlyStart of [false, true]) {
    await patchAgent(world.tenant, { early_start: earlyStart });
    // Both modes draw the same model latencies (the largest and widest stage), so on/off differ by early start only.
    world.platform.sims.bedrock.setProfile(profile);
    const reps: TurnSample[][] = [];
    let missing = 0;
    for (let r = 0; r < opts.reps; r++) {
      world.tap.reset();
      world.platform.sims.bedrock.reset();
      const calls = await placeCalls(world, opts.calls, opts.turns, opts.calls > 1 ? 1500 : 0, callerNo, WORDS);
      callerNo += opts.calls;
      await waitForFinalCalls(world, calls.map((c) => c.callSid));
      const log2 = world.platform.sims.bedrock.requests();
      const samples: TurnSample[] = [];
      for (const call of calls) {
        const a = analyzeCall(world.tap, call, log2, 1);
        samples.push(...a.turns);
        missing += a.missing.length;
      }
      reps.push(samples);
      const s = summarize(samples.map((t) => t.v2vMs));
      log(`  ${profile}, early start ${earlyStart ? "on" : "off"}, rep ${r + 1}/${opts.reps}: ${s.n} turns, v2v p50 ${s.p50.toFixed(0)} p90 ${s.p90.toFixed(0)} p99 ${s.p99.toFixed(0)} ms`);
    }
    const by = (f: (t: TurnSample) => number) => medianOfSummaries(reps.map((rep) => summarize(rep.map(f))));
    const p50 = (f: (t: TurnSample) => number) => median(reps.map((rep) => summarize(rep.map(f)).p50));
    const all = reps.flat();
    modes.push({
      profile,
      earlyStart,
      reps: opts.reps,
      calls: opts.calls,
      turnsPerCall: opts.turns,
      v2v: by((t) => t.v2vMs),
      v2vCaller: by((t) => t.v2vCallerMs ?? Number.NaN),
      turnGap: by((t) => t.turnGapMs),
      overhead: by((t) => t.overheadMs),
      stagesP50: {
        endpointingMs: p50((t) => t.endpointingMs),
        sttMs: p50((t) => t.sttMs),
        llmFirstTokenMs: p50((t) => t.llmFirstTokenMs),
        firstClauseMs: p50((t) => t.firstClauseMs),
        ttsFirstByteMs: p50((t) => t.ttsFirstByteMs),
        platformMs: p50((t) => t.overheadMs),
      },
      llmBeforeFinalShare: all.length ? all.filter((t) => t.llmBeforeFinal).length / all.length : 0,
      missing,
    });
  }
  await patchAgent(world.tenant, { early_start: false });
  return modes;
}
