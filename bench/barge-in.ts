/**
 * 7. Barge-in: how fast the agent stops when the caller talks over it, and whether it stops only when it should.
 * Each scripted call (realistic profile, real-time call clock) asks a question whose answer is long, then, over
 * that answer, says "mm-hm", coughs, says "okay", makes line noise and says "right" (a pause after each), then
 * interrupts with a real sentence; the answers to that and to a second interruption are each interrupted again.
 *
 * Everything is read at the Twilio simulator's side of the media stream (its call recording, call clock at 20 ms
 * frame resolution, with Twilio's playback buffer modelled):
 * - reaction: caller's first sound → the agent's audio stops playing at Twilio, for good: the end of the last agent
 *   audio that started before the `clear` (no audio starts between that end and the `clear`); the `clear` itself is
 *   reported too. With the pause lever the audio stops on the caller's voice and the `clear` follows the first words.
 * - a false interruption: a `clear` within a backchannel's window (its start to the next sound), or an agent turn
 *   cut in the platform's history beyond the real interruptions; a pause that resumes is not one;
 * - a missed interruption: no `clear` within 3 s of a real interruption's start.
 * The lever (`duck_on_speech_start`) runs off, then on, on the same world.
 */
import type { CallRecording } from "../simulators/twilio/index.ts";
import { fmt, summarize, type Summary } from "./stats.ts";
import { patchAgent, sleep, startWorld, waitForFinalCalls, withTimeout, type World } from "./world.ts";

const BACKCHANNEL_STEPS = [{ say: "mm-hm" }, { noise: "cough" }, { say: "okay" }, { noise: "line_noise" }, { say: "right" }] as const;
const INTERRUPTIONS = ["Wait, can I book for Tuesday instead?", "Sorry, I need to change my appointment.", "No, that's not what I asked."];
const BACKCHANNEL_TEXTS = new Set(["mm-hm", "[cough]", "okay", "[line_noise]", "right"]);
const CLOSING_LINE = "Thanks, bye.";
const MISSED_AFTER_MS = 3_000;
/** Between two sounds, long enough for a paused reply to resume first. */
const GAP_MS = 1_500;

/** Every answer is long (about 25 s of speech), so all the sounds land on one. */
const LONG_REPLY =
  "Of course. We are open Monday to Friday from eight in the morning until six in the evening, with late opening until eight on Thursdays, " +
  "and on Saturdays from nine until one. We are closed on Sundays and public holidays. The front desk also answers calls during lunch, " +
  "and for an emergency outside these hours you can call our partner clinic, whose number is on our website, and they will see you the same day.";

export const BARGE_IN_SCENARIO = {
  name: "barge-in",
  rules: [
    { id: "bye", when: { lastUserTextMatches: "\\bbye\\b" }, reply: { text: "Goodbye!", toolUses: [{ name: "end_call", input: { reason: "caller said goodbye" } }] } },
    { id: "long", reply: { text: LONG_REPLY } },
  ],
};

/** `short`: one backchannel and one interruption (the smoke run). */
export function bargeInScript(callerNo: number, short = false) {
  const steps: unknown[] = [{ waitForAgent: true, waitSilenceMs: 400 }, { say: "What are your opening hours?" }];
  BACKCHANNEL_STEPS.slice(0, short ? 1 : undefined).forEach((sound, i) => {
    if (i > 0) steps.push({ pause: GAP_MS });
    steps.push({ ...sound, interruptAfterMs: i === 0 ? 1_200 : 0 });
  });
  steps.push({ pause: GAP_MS }, { say: INTERRUPTIONS[0], interruptAfterMs: 0 });
  for (const sentence of INTERRUPTIONS.slice(1, short ? 1 : undefined)) steps.push({ say: sentence, interruptAfterMs: GAP_MS });
  steps.push({ waitForAgent: true, waitSilenceMs: 400 }, { say: CLOSING_LINE }, { waitForAgent: true, waitSilenceMs: 400 }, { hangup: true });
  return { seed: callerNo, agentTimeoutMs: 15_000, maxDurationMs: 180_000, steps };
}

export interface BargeInMode {
  duck: boolean;
  calls: number;
  /** Caller's first sound → agent audio stopped at Twilio, real interruptions. */
  reaction: Summary;
  /** Caller's first sound → `clear` at Twilio. */
  clear: Summary;
  interruptions: number;
  missed: number;
  backchannels: number;
  /** Per sound: how many were spoken over the agent, and how many of those it took for an interruption. */
  byBackchannel: Record<string, { n: number; falseInterruptions: number }>;
  falseInterruptions: number;
  /** Agent turns cut in the platform's history that no real sentence explains (`unexplainedCuts`). */
  extraHistoryCuts: number;
  /** Backchannels during which the agent's audio paused at Twilio, then resumed. */
  pausedAndResumed: number;
  /** Sounds that did not land on agent speech (the answer had ended): left out of every figure. */
  notOverAgent: number;
  /** What each unexplained history cut was. */
  notes: string[];
}

export interface BargeInResult {
  profile: "realistic";
  modes: BargeInMode[];
}

/** Its own world (realistic profile), the lever off then on; `smoke`: the short script, the lever on only. */
export async function runBargeIn(opts: { calls: number; reps: number; smoke?: boolean }, log: (line: string) => void): Promise<BargeInResult> {
  const world = await startWorld({ profile: "realistic", speed: 1 });
  try {
    world.platform.sims.bedrock.loadScenario(BARGE_IN_SCENARIO);
    const modes: BargeInMode[] = [];
    let callerNo = 9000;
    for (const duck of opts.smoke ? [true] : [false, true]) {
      await patchAgent(world.tenant, { duck_on_speech_start: duck });
      const trials: Trial[] = [];
      let extraHistoryCuts = 0;
      const notes: string[] = [];
      for (let r = 0; r < opts.reps; r++) {
        const calls = await placeBargeInCalls(world, opts.calls, callerNo, opts.smoke ?? false);
        callerNo += opts.calls;
        const final = await waitForFinalCalls(world, calls.map((c) => c.callSid));
        for (const call of calls) {
          const own = analyzeBargeIns(call.recording);
          trials.push(...own);
          const row = final.get(call.callSid);
          const detail = row ? await world.tenant.api.get(`/v1/calls/${row.id}`) : undefined;
          const cuts = unexplainedCuts(detail?.turns ?? []);
          extraHistoryCuts += cuts.length;
          notes.push(...cuts.map((c) => `call ${call.callSid}: ${c}`));
        }
      }
      const mode = { ...summarizeMode(duck, opts.calls * opts.reps, trials, extraHistoryCuts), notes };
      modes.push(mode);
      log(`  pause on speech start ${duck ? "on" : "off"}: reaction p50 ${fmt(mode.reaction.p50, 0)} p95 ${fmt(mode.reaction.p95, 0)} ms (n ${mode.reaction.n}), missed ${mode.missed}/${mode.interruptions}, false ${mode.falseInterruptions}/${mode.backchannels}`);
    }
    return { profile: "realistic", modes };
  } finally {
    await world.close();
  }
}

async function placeBargeInCalls(world: World, n: number, firstCallerNo: number, short: boolean): Promise<{ callSid: string; recording: CallRecording }[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await sleep(i * 700); // staggered, so the calls' sounds do not all land on the same instant
      const callerNo = firstCallerNo + i;
      const handle = await world.platform.sims.twilio.startInboundCall({ to: world.tenant.number, from: `+4420719${String(callerNo).padStart(5, "0")}`, script: bargeInScript(callerNo, short) });
      return { callSid: handle.callSid, recording: await withTimeout(handle.ended, 240_000, `barge-in call ${callerNo} did not end`) };
    }),
  );
}

/**
 * Agent turns cut in the platform's history that no real sentence of the caller's explains: the caller turn after
 * the cut is a backchannel, empty, or missing. (Its closing "Thanks, bye." may land on a pause inside the last answer
 * on a loaded machine; that is a real sentence too.)
 */
export function unexplainedCuts(turns: { role: string; text: string; interrupted: boolean }[]): string[] {
  const sentences = new Set([...INTERRUPTIONS, CLOSING_LINE].map(bare));
  const out: string[] = [];
  turns.forEach((t, i) => {
    if (t.role !== "agent" || !t.interrupted) return;
    const next = turns.slice(i + 1).find((u) => u.role === "caller");
    if (!next || !sentences.has(bare(next.text))) out.push(`cut "${t.text.slice(-40)}", then caller "${next?.text ?? ""}"`);
  });
  return out;
}

const bare = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, "").trim();

export interface Trial {
  kind: "backchannel" | "interruption";
  text: string;
  overAgent: boolean;
  clearMs?: number;
  stopMs?: number;
  pausedAndResumed: boolean;
}

/** One trial per sound spoken over the agent, from the Twilio simulator's recording of the call. */
export function analyzeBargeIns(rec: CallRecording): Trial[] {
  const out: Trial[] = [];
  rec.turns.forEach((turn, i) => {
    const kind = BACKCHANNEL_TEXTS.has(turn.text) ? "backchannel" : INTERRUPTIONS.includes(turn.text) ? "interruption" : undefined;
    if (!kind) return;
    const from = turn.speechStartMs;
    const until = kind === "interruption" ? from + MISSED_AFTER_MS : (rec.turns[i + 1]?.speechStartMs ?? from + MISSED_AFTER_MS);
    const clear = rec.clears.find((c) => c.atMs >= from && c.atMs < until);
    const trial: Trial = { kind, text: turn.text, overAgent: turn.bargeIn, pausedAndResumed: false };
    if (clear) {
      trial.clearMs = clear.atMs - from;
      const playing = rec.agentAudio.filter((a) => a.startMs < clear.atMs && a.endMs >= from);
      trial.stopMs = Math.max(0, Math.max(...playing.map((a) => a.endMs), from) - from);
    } else {
      // Paused and resumed: the agent audio playing at the sound's start ended before the window did, and more
      // audio started after it within the window.
      const playingAt = rec.agentAudio.find((a) => a.startMs <= from && a.endMs > from);
      trial.pausedAndResumed = !!playingAt && playingAt.endMs < until && rec.agentAudio.some((a) => a.startMs >= playingAt.endMs && a.startMs < until);
    }
    out.push(trial);
  });
  return out;
}

function summarizeMode(duck: boolean, calls: number, trials: Trial[], extraHistoryCuts: number): Omit<BargeInMode, "notes"> {
  const over = trials.filter((t) => t.overAgent);
  const real = over.filter((t) => t.kind === "interruption");
  const backchannels = over.filter((t) => t.kind === "backchannel");
  const byBackchannel: BargeInMode["byBackchannel"] = {};
  for (const t of backchannels) {
    const b = (byBackchannel[t.text] ??= { n: 0, falseInterruptions: 0 });
    b.n++;
    if (t.clearMs !== undefined) b.falseInterruptions++;
  }
  const falseByClear = backchannels.filter((t) => t.clearMs !== undefined).length;
  return {
    duck,
    calls,
    reaction: summarize(real.flatMap((t) => (t.stopMs === undefined ? [] : [t.stopMs]))),
    clear: summarize(real.flatMap((t) => (t.clearMs === undefined ? [] : [t.clearMs]))),
    interruptions: real.length,
    missed: real.filter((t) => t.clearMs === undefined).length,
    backchannels: backchannels.length,
    byBackchannel,
    falseInterruptions: falseByClear + extraHistoryCuts,
    extraHistoryCuts,
    pausedAndResumed: backchannels.filter((t) => t.pausedAndResumed).length,
    notOverAgent: trials.length - over.length,
  };
}
