/**
 * A reply of many short sentences against Deepgram's speak-socket limits (20 Flushes per 60 s, protocol notes §4.1),
 * which the simulator enforces on the call clock: the agent must neither go silent nor lose a word.
 */
import { describe, expect, it } from "vitest";
import type { CallRecording } from "../../simulators/twilio/index.ts";
import { agentTurns, callerTurns, DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const SENTENCES = Array.from({ length: 22 }, (_, i) => `Item ${i + 1} on the list is the one you asked me about.`);
const LONG_REPLY = SENTENCES.join(" ");
/**
 * The caller speaks only after this much silence (call-clock ms): on a machine shared with other work, paced playback
 * can stutter for seconds, which must not read as the end of the reply. A stalled Flush never ends.
 */
const CALLER_PATIENCE_MS = 12_000;

const world = worldPerFile();

/** Agent audio segments (call-clock ms) that began after `fromMs` and before `toMs`. */
const segmentsBetween = (recording: CallRecording, fromMs: number, toMs: number) => recording.agentAudio.filter((s) => s.startMs >= fromMs && s.startMs < toMs);

describe("Deepgram's Flush limit in a long reply", () => {
  it("speaks 22 sentences at once (with the greeting, more than 20 Flushes a minute) in full, then says goodbye and hangs up", async () => {
    world.platform.sims.bedrock.loadScenario({ rules: [{ id: "list", when: { lastUserTextMatches: "list" }, reply: { text: LONG_REPLY } }, ...DEMO_SCENARIO.rules] });
    // Room for the whole list in one reply (the demo agent stops at 300 tokens), and a caller allowed to stay quiet.
    const tenant = await tenantFor(world, { llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0", temperature: 0.4, max_tokens: 1000 }, silence_timeout_s: 60 });
    const before = world.platform.sims.deepgram.stats().speak;
    const { recording, call } = await placeInboundCall(world, tenant, {
      steps: [
        { waitForAgent: true, waitSilenceMs: CALLER_PATIENCE_MS },
        { say: "Please read me the whole list." },
        { waitForAgent: true, waitSilenceMs: CALLER_PATIENCE_MS },
        { say: "Thanks, bye!" },
        { waitForAgent: true },
      ],
    });

    expect(callerTurns(call).map((t) => t.text)).toEqual(["Please read me the whole list.", "Thanks, bye!"]);
    const [, list, goodbye] = agentTurns(call);
    expect(list).toMatchObject({ text: LONG_REPLY, interrupted: false });
    expect(goodbye!.text).toBe("You're welcome. Have a great day, goodbye!");
    expect(call).toMatchObject({ status: "completed", end_reason: "twilio:completed" });
    expect(recording.endReason).not.toBe("caller-hangup");

    // Deepgram never had a reason to warn, and the speaker merged clauses to stay within its Flushes.
    const speak = world.platform.sims.deepgram.stats().speak;
    expect(speak.flushLimitWarnings - before.flushLimitWarnings).toBe(0);
    expect(speak.warnings - before.warnings).toBe(0);
    const tts = (call as any).metrics.tts;
    expect(tts).toMatchObject({ warnings: 0, reconnects: 0 });
    expect(tts.mergedChunks).toBeGreaterThan(0);
    expect(tts.maxSocketsOpen).toBeLessThanOrEqual(2);

    // The caller waits for CALLER_PATIENCE_MS of silence before saying goodbye, so the reply being heard to its end,
    // uninterrupted, shows it never stalled that long. The longest silence inside it is printed for the record: on a
    // machine shared with other work, playback itself stutters (the simulator's Deepgram answers at once).
    const [question, bye] = recording.turns;
    const segments = segmentsBetween(recording, question!.speechEndMs, bye!.speechStartMs);
    const gapsMs = segments.slice(1).map((s, i) => s.startMs - segments[i]!.endMs);
    console.info(`long reply: ${segments.length} audio segment(s), longest silence inside it ${Math.max(0, ...gapsMs)} ms (call clock)`, JSON.stringify(segments.map((s) => [s.startMs, s.endMs])));
    const playedMs = segments.reduce((n, s) => n + (s.endMs - s.startMs), 0);
    // About 65 ms of speech per character in the simulator's voice: the whole text was heard as audio.
    expect(playedMs).toBeGreaterThan(LONG_REPLY.length * 50);
  }, 120_000);
});
