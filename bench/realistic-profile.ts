/**
 * 5. Voice-to-voice with published provider figures, with the stacked per-stage breakdown, for each turn-taking
 * variant and lever (VARIANTS):
 *  - `realistic`: Nova-3 final ~250 ms after the end of speech, endpointing included (so at a 300 ms endpoint the
 *    final comes with the endpoint: simulators/deepgram/README.md), Flux end of turn ~260 ms after it (eager ~180 ms),
 *    Claude Haiku on Bedrock first token ~700 ms at ~80 tokens/s, Aura-2 first byte ~200 ms warm / ~310 ms cold,
 *    Twilio media transit ~20 ms each way;
 *  - `twilio-baseline`: the per-stage budget behind Twilio's 885 ms cascaded turn gap (STT 350 ms including the
 *    endpointing silence, LLM first token 375 ms, TTS first byte 100 ms), so the comparison is like for like; with
 *    Flux, its end-of-turn figures replace endpointing plus final.
 * The agent has a realistic front-desk prompt (bench/fixtures/front-desk-prompt.md, ~1,250 tokens), long enough for
 * a prompt-cache point to count. Speculation and cache tokens are read from the calls' own metered usage.
 * Twilio's published baseline: 885 ms platform turn gap, 1,115 ms mouth-to-ear.
 */
import { readFileSync } from "node:fs";
import type { LatencyProfileName } from "../simulators/common/latency-profile.ts";
import { median, medianOfSummaries, summarize, type Summary } from "./stats.ts";
import { analyzeCall, type TurnSample } from "./turns.ts";
import { BENCH_AGENT_FILE, patchAgent, placeCalls, waitForFinalCalls, type World } from "./world.ts";

export interface StageBreakdown {
  endpointingMs: number;
  sttMs: number;
  llmFirstTokenMs: number;
  firstClauseMs: number;
  ttsFirstByteMs: number;
  platformMs: number;
}

export type SttModel = "nova-3" | "flux-general-en";

/** One row of section 5: how turns are taken (Nova-3 endpointing, early start, Flux eager end of turn) and the levers. */
export interface ProfileVariant {
  label: string;
  stt: SttModel;
  earlyStart: boolean;
  promptCaching: boolean;
}

export const VARIANTS: ProfileVariant[] = [
  { label: "Nova-3", stt: "nova-3", earlyStart: false, promptCaching: true },
  { label: "Nova-3, early start", stt: "nova-3", earlyStart: true, promptCaching: true },
  { label: "Flux, eager end of turn", stt: "flux-general-en", earlyStart: false, promptCaching: true },
  { label: "Flux, eager end of turn, prompt caching off", stt: "flux-general-en", earlyStart: false, promptCaching: false },
];

/** Flux at Deepgram's default end-of-turn threshold, eager end of turn at 0.5 (the profile's figures are at these). */
const FLUX_STT = { model: "flux-general-en", language: "en", keyterms: [], eot_threshold: 0.7, eager_eot_threshold: 0.5, eot_timeout_ms: 5000 };
const BENCH_AGENT = JSON.parse(readFileSync(BENCH_AGENT_FILE, "utf8")).config;
const FRONT_DESK_PROMPT = readFileSync(new URL("./fixtures/front-desk-prompt.md", import.meta.url), "utf8").trim();

/** The agent config patch for a variant (stt and llm are replaced whole, from the bench agent's own). */
const variantPatch = (v: ProfileVariant) => ({
  system_prompt: FRONT_DESK_PROMPT,
  stt: v.stt === "nova-3" ? BENCH_AGENT.stt : FLUX_STT,
  llm: { ...BENCH_AGENT.llm, prompt_caching: v.promptCaching },
  early_start: v.earlyStart,
});

/** From the calls' metered usage (`usage.speculation`, `usage.llm[model]`), summed over the mode's calls. */
export interface MeteredUsage {
  /** Speculative model turns started, committed and cancelled (the cancelled ones were wasted). */
  speculation: { started: number; committed: number; cancelled: number; wastedInputTokens: number; wastedOutputTokens: number };
  /** Model requests and their prompt-cache tokens. */
  llm: { requests: number; inputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  /** Calls whose usage was not there to read. */
  callsWithoutUsage: number;
}

export interface RealisticMode {
  profile: LatencyProfileName;
  /** Absent in results written before the variants existed (then Nova-3 with prompt caching on). */
  label?: string;
  stt?: SttModel;
  promptCaching?: boolean;
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
  usage?: MeteredUsage;
}

export interface RealisticResult {
  modes: RealisticMode[];
  twilio: { platformTurnGapMs: number; mouthToEarMs: number; telephonyMs: number };
}

export const TWILIO_BASELINE = { platformTurnGapMs: 885, mouthToEarMs: 1115, telephonyMs: 1115 - 885 };

const WORDS = "what are your opening hours on Saturday?";

/** Every variant on a world started with `profile`; caller numbers from `firstCallerNo`. */
export async function runProfileModes(world: World, profile: LatencyProfileName, opts: { calls: number; turns: number; reps: number }, firstCallerNo: number, log: (line: string) => void): Promise<RealisticMode[]> {
  const modes: RealisticMode[] = [];
  let callerNo = firstCallerNo;
  for (const variant of VARIANTS) {
    await patchAgent(world.tenant, variantPatch(variant));
    // Every variant draws the same model latencies (the largest and widest stage), so rows differ by the variant only.
    world.platform.sims.bedrock.setProfile(profile);
    const reps: TurnSample[][] = [];
    const usage = emptyUsage();
    let missing = 0;
    for (let r = 0; r < opts.reps; r++) {
      world.tap.reset();
      world.platform.sims.bedrock.reset();
      const calls = await placeCalls(world, opts.calls, opts.turns, opts.calls > 1 ? 1500 : 0, callerNo, WORDS);
      callerNo += opts.calls;
      const final = await waitForFinalCalls(world, calls.map((c) => c.callSid));
      await addMeteredUsage(world, [...final.values()].map((c) => c.id as string), usage, calls.length - final.size);
      const log2 = world.platform.sims.bedrock.requests();
      const samples: TurnSample[] = [];
      for (const call of calls) {
        const a = analyzeCall(world.tap, call, log2, 1);
        samples.push(...a.turns);
        missing += a.missing.length;
      }
      reps.push(samples);
      const s = summarize(samples.map((t) => t.v2vMs));
      log(`  ${profile}, ${variant.label}, rep ${r + 1}/${opts.reps}: ${s.n} turns, v2v p50 ${s.p50.toFixed(0)} p90 ${s.p90.toFixed(0)} p99 ${s.p99.toFixed(0)} ms`);
    }
    const by = (f: (t: TurnSample) => number) => medianOfSummaries(reps.map((rep) => summarize(rep.map(f))));
    const p50 = (f: (t: TurnSample) => number) => median(reps.map((rep) => summarize(rep.map(f)).p50));
    const all = reps.flat();
    modes.push({
      profile,
      label: variant.label,
      stt: variant.stt,
      promptCaching: variant.promptCaching,
      earlyStart: variant.earlyStart,
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
      usage,
    });
  }
  await patchAgent(world.tenant, variantPatch(VARIANTS[0]!));
  return modes;
}

const emptyUsage = (): MeteredUsage => ({
  speculation: { started: 0, committed: 0, cancelled: 0, wastedInputTokens: 0, wastedOutputTokens: 0 },
  llm: { requests: 0, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
  callsWithoutUsage: 0,
});

/** Adds the calls' metered usage (GET /v1/calls/{id}: set when the call ends) to `into`. */
async function addMeteredUsage(world: World, callIds: string[], into: MeteredUsage, notFinal: number): Promise<void> {
  into.callsWithoutUsage += notFinal;
  for (const id of callIds) {
    const { usage } = await world.tenant.api.get(`/v1/calls/${id}`);
    if (!usage) {
      into.callsWithoutUsage++;
      continue;
    }
    const spec = usage.speculation ?? {};
    into.speculation.started += spec.started ?? 0;
    into.speculation.committed += spec.committed ?? 0;
    into.speculation.cancelled += spec.cancelled ?? 0;
    into.speculation.wastedInputTokens += spec.wasted_input_tokens ?? 0;
    into.speculation.wastedOutputTokens += spec.wasted_output_tokens ?? 0;
    for (const m of Object.values<any>(usage.llm ?? {})) {
      into.llm.requests += m.requests ?? 0;
      into.llm.inputTokens += m.input_tokens ?? 0;
      into.llm.cacheReadTokens += m.cache_read_tokens ?? 0;
      into.llm.cacheWriteTokens += m.cache_write_tokens ?? 0;
    }
  }
}
