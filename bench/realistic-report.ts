/** Section 5's targets and tables: voice-to-voice per profile and variant, the stage breakdown, the levers on and off. */
import { table } from "./markdown.ts";
import type { RealisticMode, RealisticResult } from "./realistic-profile.ts";
import type { Target } from "./report.ts";
import { fmt } from "./stats.ts";

/** A mode's row label; results written before the variants existed only know early start. */
export const modeLabel = (m: Pick<RealisticMode, "label" | "earlyStart">): string => m.label ?? (m.earlyStart ? "Nova-3, early start" : "Nova-3");

const isFlux = (m: RealisticMode) => m.stt === "flux-general-en";
/** The shipped setting: the lever rows with prompt caching off are no candidates for a target. */
const shipped = (m: RealisticMode) => m.promptCaching !== false;
const novaOff = (modes: RealisticMode[], profile: string) => modes.find((m) => m.profile === profile && !isFlux(m) && !m.earlyStart && shipped(m));

/** Repetition-to-repetition spread of a mode's platform p50 (0.4–0.9 ms between the modes of one run). */
const PLATFORM_NOISE_MS = 1;

export function realisticTargets(re: RealisticResult): Target[] {
  const out: Target[] = [];
  const off = novaOff(re.modes, "realistic");
  if (off) {
    out.push({
      name: "Turn gap vs simulated provider time (realistic, p50)",
      goal: "within 20 ms",
      measured: `platform share ${fmt(off.overhead.p50)} ms (turn gap p50 ${fmt(off.turnGap.p50, 0)} ms)`,
      met: off.overhead.p50 <= 20,
    });
  }
  for (const m of re.modes.filter((m) => m.profile === "twilio-baseline" && shipped(m))) {
    out.push({
      name: `Voice-to-voice vs Twilio's 885 ms turn gap, with its per-stage figures, ${isFlux(m) ? "Flux eager end of turn" : `early start ${m.earlyStart ? "on" : "off"}`}`,
      goal: "< 885 ms at p50",
      measured: `${fmt(m.v2v.p50, 0)} ms p50 (p90 ${fmt(m.v2v.p90, 0)})`,
      met: m.v2v.p50 < 885,
    });
  }
  const flux = re.modes.filter((m) => isFlux(m) && shipped(m));
  const realistic = flux.find((m) => m.profile === "realistic");
  if (realistic) {
    out.push({ name: "Voice-to-voice with the realistic profile, Flux eager end of turn", goal: "≤ 1,150 ms at p50", measured: `${fmt(realistic.v2v.p50, 0)} ms p50 (p90 ${fmt(realistic.v2v.p90, 0)})`, met: realistic.v2v.p50 <= 1150 });
  }
  for (const m of flux) {
    const nova = novaOff(re.modes, m.profile);
    if (!nova) continue;
    out.push({
      name: `Platform share with Flux (${m.profile}, p50)`,
      goal: `unchanged or lower: ≤ Nova-3's + ${PLATFORM_NOISE_MS} ms`,
      measured: `${fmt(m.overhead.p50)} ms vs Nova-3 ${fmt(nova.overhead.p50)} ms`,
      met: m.overhead.p50 <= nova.overhead.p50 + PLATFORM_NOISE_MS,
    });
  }
  return out;
}

/** Cancelled of started speculative model turns, with the tokens the cancelled ones spent. */
export function speculationWasted(m: RealisticMode): string {
  const s = m.usage?.speculation;
  if (!s) return "–";
  if (s.started === 0) return "none started";
  return `${s.cancelled} of ${s.started} (${fmt((s.cancelled / s.started) * 100, 0)} %; ${s.wastedInputTokens} in / ${s.wastedOutputTokens} out tokens)`;
}

function cacheTokens(m: RealisticMode): string {
  const l = m.usage?.llm;
  if (!l || l.requests === 0) return "–";
  return `${fmt(l.cacheReadTokens / l.requests, 0)} / ${fmt(l.cacheWriteTokens / l.requests, 0)} (input ${fmt(l.inputTokens / l.requests, 0)})`;
}

/** Each lever as a row pair: the variant with it on, the variant with it off (labels of ./realistic-profile.ts VARIANTS). */
const LEVERS = [
  { lever: "Flux eager end of turn (off: Nova-3 endpointing + final)", on: "Flux, eager end of turn", off: "Nova-3" },
  { lever: "Early start on a stable interim (Nova-3)", on: "Nova-3, early start", off: "Nova-3" },
  { lever: "Prompt caching (Flux, eager end of turn)", on: "Flux, eager end of turn", off: "Flux, eager end of turn, prompt caching off" },
];

export function renderRealistic(re: RealisticResult): string[] {
  const m2e = (md: RealisticMode) => md.v2v.p50 + re.twilio.telephonyMs;
  const vs = (v: number, limit: number) => (v < limit ? "below" : "above");
  const leverRows = re.modes.flatMap((md) =>
    LEVERS.flatMap(({ lever, on, off }) => {
      const setting = modeLabel(md) === on ? "on" : modeLabel(md) === off ? "off" : undefined;
      return setting ? [{ lever, setting, md }] : [];
    }),
  );
  leverRows.sort((a, b) => a.md.profile.localeCompare(b.md.profile) || LEVERS.findIndex((l) => l.lever === a.lever) - LEVERS.findIndex((l) => l.lever === b.lever) || (a.setting === "on" ? -1 : 1));
  return [
    "## 5. Voice-to-voice with published provider figures",
    "",
    `Voice-to-voice (the turn gap callers hear, and the figure the targets use) = end of caller speech → first agent audio at Twilio. Turn gap = the audio that completed end of turn (Nova-3's endpointing silence, Flux's EndOfTurn window) leaving Twilio → first agent audio. Twilio's published cascaded baseline: ${re.twilio.platformTurnGapMs} ms platform turn gap, ${re.twilio.mouthToEarMs} ms mouth-to-ear (≈${re.twilio.telephonyMs} ms of it telephony we do not model).`,
    "",
    "`realistic`: Bedrock Claude Haiku first token ~700 ms, Nova-3 final ~250 ms after the end of speech, endpointing included (at a 300 ms endpoint it comes with the endpoint), Flux EndOfTurn ~260 ms after it (EagerEndOfTurn ~180 ms, 18 % false eagers), Aura-2 ~200 ms, Twilio media transit ~20 ms each way. `twilio-baseline`: the stage budget behind Twilio's 885 ms (STT 350 ms incl. endpointing, LLM first token 375 ms, TTS 100 ms); with Flux its end-of-turn figures replace endpointing plus final. Speculation wasted = cancelled of started speculative model turns (early start, eager end of turn), from the calls' metered `usage.speculation`.",
    "",
    ...table(
      ["Profile", "Turn-taking", "n", "V2V p50", "p90", "p95", "p99", "As heard (20 ms frames) p50", "Turn gap p50", "Platform p50", "Est. mouth-to-ear p50", "vs Twilio 885 / 1,115", "Speculation wasted"],
      "llrrrrrrrrrll",
      re.modes.map((md) => [md.profile, modeLabel(md), md.v2v.n, fmt(md.v2v.p50, 0), fmt(md.v2v.p90, 0), fmt(md.v2v.p95, 0), fmt(md.v2v.p99, 0), fmt(md.v2vCaller.p50, 0), fmt(md.turnGap.p50, 0), fmt(md.overhead.p50), fmt(m2e(md), 0), `${vs(md.v2v.p50, re.twilio.platformTurnGapMs)} / ${vs(m2e(md), re.twilio.mouthToEarMs)}`, speculationWasted(md)]),
    ),
    "Stacked per-stage breakdown (p50 of each stage; stage p50s need not add up to the v2v p50). With Flux, *end of turn* is end of speech → the audio that completed its EndOfTurn leaving Twilio, and *STT final* is that audio at Deepgram → EndOfTurn sent:",
    "",
    ...table(
      ["Profile", "Turn-taking", "Endpointing / end of turn", "STT final", "LLM first token", "First clause", "TTS first byte", "Platform", "Sum", "V2V p50", "Model asked before final"],
      "llrrrrrrrrr",
      re.modes.map((md) => {
        const s = md.stagesP50;
        const sum = s.endpointingMs + s.sttMs + s.llmFirstTokenMs + s.firstClauseMs + s.ttsFirstByteMs + s.platformMs;
        return [md.profile, modeLabel(md), fmt(s.endpointingMs, 0), fmt(s.sttMs, 0), fmt(s.llmFirstTokenMs, 0), fmt(s.firstClauseMs, 0), fmt(s.ttsFirstByteMs, 0), fmt(s.platformMs), fmt(sum, 0), fmt(md.v2v.p50, 0), `${fmt(md.llmBeforeFinalShare * 100, 0)} %`];
      }),
    ),
    "Levers on and off (the same rows, paired). Cache tokens per model request, from the calls' metered `usage.llm` (read / write, and the uncached input). The simulator reports cache tokens but does not shorten a cached request's first token, so prompt caching's row pair shows its platform cost and its tokens, not a latency gain. No warm Bedrock connection lever exists in the platform, so it has no row.",
    "",
    ...table(
      ["Profile", "Lever", "Setting", "V2V p50", "Turn gap p50", "Platform p50", "Speculation wasted", "Cache read / write tokens per request"],
      "lllrrrll",
      leverRows.map(({ lever, setting, md }) => [md.profile, lever, setting, fmt(md.v2v.p50, 0), fmt(md.turnGap.p50, 0), fmt(md.overhead.p50), speculationWasted(md), cacheTokens(md)]),
    ),
  ];
}
