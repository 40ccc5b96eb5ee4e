import { describe, expect, it, vi } from "vitest";
import type { Frame } from "./frames.ts";
import { text } from "./testing/fake-providers.ts";
import { harness, played } from "./testing/pipeline-harness.ts";
import type { ToolCall } from "./stages/conversation.ts";
import { TURN_MARKS, type TurnTimings } from "./turn-metrics.ts";
import { REPLY_END_MARK_PREFIX } from "../../shared/protocol/reply-end-mark.ts";

/** All seven marks are integer timestamps from the end of the caller's speech, in order; derived = differences. */
function expectConsistentTimings(t: TurnTimings): void {
  const marks = TURN_MARKS.map((m) => t[`${m}_ms`]);
  expect(marks.every((v) => Number.isInteger(v))).toBe(true);
  expect(t.speech_end_ms).toBe(0);
  for (let i = 1; i < marks.length; i++) expect(marks[i]!).toBeGreaterThanOrEqual(marks[i - 1]!);
  expect(t.stt_ms).toBe(t.stt_final_ms! - t.speech_end_ms!);
  expect(t.llm_ttft_ms).toBe(t.llm_first_token_ms! - t.llm_request_ms!);
  expect(t.tts_ttfb_ms).toBe(t.tts_first_byte_ms! - t.first_chunk_to_tts_ms!);
  expect(t.voice_to_voice_ms).toBe(t.first_audio_sent_ms!);
  expect(t.platform_overhead_ms).toBe(t.llm_request_ms! - t.stt_final_ms! + (t.first_audio_sent_ms! - t.tts_first_byte_ms!));
}

describe("VoicePipeline", () => {
  it("plays the greeting, then answers three caller turns with the history growing in order", async () => {
    const h = harness([text("Sure, we open at nine. "), text("Yes, on Saturdays too. "), text("You're welcome, goodbye! ")]);
    const greeting = h.pipeline.say("Hi, Acme Dental, how can I help?", "greeting");
    await played(h, greeting);
    expect(h.sink.media).toBeGreaterThan(0);
    expect(h.tts.spoken.join(" ")).toBe("Hi, Acme Dental, how can I help?");

    for (let i = 0; i < 350; i++) h.pipeline.callerAudio(new Uint8Array(160).fill(0xff)); // 7 s of line audio
    expect(h.stt.audioBytes).toBe(350 * 160);
    const questions = ["When do you open?", "Are you open on Saturdays?", "Thanks a lot."];
    for (const [i, q] of questions.entries()) {
      h.stt.say(q, 2000 * (i + 1));
      const turnId = (h.kinds("user_turn").at(-1) as Extract<Frame, { kind: "user_turn" }>).turnId;
      await played(h, turnId);
    }
    const history = h.pipeline.conversation.history.messages;
    expect(history.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant", "user", "assistant"]);
    expect(history[2]).toEqual({ role: "user", content: [{ text: "When do you open?" }] });
    expect(history[3]).toEqual({ role: "assistant", content: [{ text: "Sure, we open at nine. " }] });
    expect(h.llm.requests[2]!.messages).toHaveLength(7);
    expect(h.sink.clears).toBe(0);
    expect(h.errors).toEqual([]);
    for (const turnId of [1, 2, 3]) expectConsistentTimings(h.pipeline.metrics.timings(turnId)!);
    // The greeting answers no caller speech: its marks count from the moment it was asked for.
    const g = h.pipeline.metrics.timings(greeting)!;
    expect(Object.keys(g).sort()).toEqual(["first_audio_sent_ms", "first_chunk_to_tts_ms", "tts_first_byte_ms", "tts_ttfb_ms"]);
    expect(g.first_chunk_to_tts_ms).toBeLessThanOrEqual(g.tts_first_byte_ms!);
    expect(g.tts_first_byte_ms).toBeLessThanOrEqual(g.first_audio_sent_ms!);
    expect(g.tts_ttfb_ms).toBe(g.tts_first_byte_ms! - g.first_chunk_to_tts_ms!);
  });

  it("stops talking on a barge-in: clear sent, model aborted, history keeps only the heard words", async () => {
    const long = "Our clinic offers cleanings, fillings, crowns, implants, whitening and orthodontics, and we accept most insurance plans including Delta and Cigna. ";
    // A slow model and slowly streamed speech: both are still running when the caller cuts in.
    const h = harness([text(long), text("Sure, what day works? ")], { llmDelayMs: 20, tts: { pieces: 20, pieceDelayMs: 10 } });
    h.stt.say("What do you offer?", 1000);
    await vi.waitFor(() => expect(h.sink.media).toBeGreaterThan(20), { timeout: 3000, interval: 2 });
    expect(h.llm.aborted).toBe(0);
    h.stt.say("I want a cleaning", 1500, { interim: true });
    expect(h.sink.clears).toBe(1);
    expect(h.tts.clears).toBe(1);
    expect(h.kinds("interrupt")).toHaveLength(1);
    await vi.waitFor(() => expect(h.llm.aborted).toBe(1), { timeout: 1000, interval: 2 });
    const assistant = h.pipeline.conversation.history.messages.at(-1)!;
    expect(assistant.role).toBe("assistant");
    const heard = (assistant.content[0] as { text: string }).text;
    expect(heard.endsWith(" —")).toBe(true);
    expect(long.startsWith(heard.slice(0, -2))).toBe(true);
    expect(heard.length).toBeLessThan(long.length);
    const bytesAtInterrupt = h.sink.bytes;
    h.stt.say("I want a cleaning", 2500);
    await played(h, 1);
    // Nothing of the old reply plays after the clear: once the next reply has played, everything sent since the
    // interruption is that reply's audio.
    const nextReplyBytes = h.frames.reduce((sum, f) => sum + (f.kind === "agent_audio" && f.turnId === 1 ? f.mulaw.length : 0), 0);
    expect(h.sink.bytes - bytesAtInterrupt).toBe(nextReplyBytes);
    expect(h.llm.requests[1]!.messages.at(-2)).toEqual({ role: "assistant", content: [{ text: heard }] });
    expect(h.llm.requests[1]!.messages.at(-1)).toEqual({ role: "user", content: [{ text: "I want a cleaning" }] });
  });

  it("marks the stream once a reply was heard in full, and never for a reply cut by a barge-in", async () => {
    const long = "Our clinic offers cleanings, fillings, crowns, implants, whitening and orthodontics. ";
    const h = harness([text(long), text("Sure, what day works? ")], { llmDelayMs: 20, tts: { pieces: 20, pieceDelayMs: 10 } });
    const greeting = h.pipeline.say("Hi, how can I help?", "greeting");
    await played(h, greeting);
    h.stt.say("What do you offer?", 1000);
    await vi.waitFor(() => expect(h.sink.media).toBeGreaterThan(20), { timeout: 3000, interval: 2 });
    h.stt.say("I want a cleaning", 1500, { interim: true });
    h.stt.say("I want a cleaning", 2500);
    const answer = (h.kinds("user_turn").at(-1) as Extract<Frame, { kind: "user_turn" }>).turnId;
    await played(h, answer);
    const replyEnds = h.sink.log.filter((entry) => entry.startsWith(`mark:${REPLY_END_MARK_PREFIX}`));
    expect(replyEnds).toEqual([`mark:${REPLY_END_MARK_PREFIX}${greeting}`, `mark:${REPLY_END_MARK_PREFIX}${answer}`]);
    expect(h.kinds("user_turn")).toHaveLength(2);
    h.echoMarks(); // Twilio echoes the reply-end marks too; they finish nothing twice
    expect(h.kinds("playback_done")).toHaveLength(2);
    expect(h.errors).toEqual([]);
  });

  it("does not stop for a backchannel, and does not treat it as a turn", async () => {
    const h = harness([text("Our clinic offers cleanings, fillings, crowns, implants and whitening, and we accept most insurance plans. ")]);
    h.stt.say("What do you offer?", 1000);
    await vi.waitFor(() => expect(h.sink.media).toBeGreaterThan(5), { timeout: 3000, interval: 2 });
    h.stt.say("mm-hm", 1800, { interim: true });
    h.stt.say("mm-hm", 1800);
    await played(h, 0);
    expect(h.sink.clears).toBe(0);
    expect(h.kinds("user_turn")).toHaveLength(1);
  });

  it("says a filler line when a tool is slow, then answers from the tool result", async () => {
    const h = harness(
      [
        [{ type: "tool_use", toolUseId: "t1", name: "get_weather", input: { city: "Paris" } }, { type: "stop", reason: "tool_use" }],
        (req) => text(`It is ${JSON.stringify(req.messages.at(-1)!.content[0]).includes("sunny") ? "sunny" : "unknown"} in Paris. `),
      ],
      { runTools: async (calls) => (await new Promise((r) => setTimeout(r, 700)), calls.map(() => ({ status: "success" as const, content: '{"summary":"sunny"}' }))) },
    );
    h.stt.say("Weather in Paris?", 1000);
    await played(h, 0);
    expect(h.tts.spoken).toEqual(["One moment while I check that.", "It is sunny in Paris."]);
    expect(h.kinds("tool_call")).toHaveLength(1);
    expect(h.kinds("tool_result")).toHaveLength(1);
  });

  it("still speaks after a tool whose result the model answers with nothing", async () => {
    const h = harness([[{ type: "tool_use", toolUseId: "t1", name: "lookup", input: {} }, { type: "stop", reason: "tool_use" }], [{ type: "stop", reason: "end_turn" }]]);
    h.stt.say("Look it up", 1000);
    await played(h, 0);
    expect(h.tts.spoken.at(-1)).toBe("Sorry, I couldn't get that information just now.");
  });

  it("never plays a reply to an older turn once the caller has started a newer one", async () => {
    const h = harness([text("This is the answer to the first question, which took a while. "), text("Second answer. ")], { llmDelayMs: 15 });
    h.stt.say("First question", 1000);
    await vi.waitFor(() => expect(h.llm.requests).toHaveLength(1), { interval: 1 });
    h.stt.say("Actually, second question", 3000);
    await played(h, 1);
    expect(h.tts.spoken).toEqual(["Second answer."]);
    expect(h.llm.aborted).toBe(1);
    expect(h.pipeline.conversation.history.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(h.pipeline.conversation.history.messages[0]!.content).toEqual([{ text: "First question" }, { text: "Actually, second question" }]);
  });

  it("reaches the model with DTMF as a text event", async () => {
    const h = harness([text("Got it. ")]);
    h.pipeline.callerDtmf("1");
    h.pipeline.callerDtmf("#");
    await vi.waitFor(() => expect(h.llm.requests).toHaveLength(1), { timeout: 3000 });
    expect(h.llm.requests[0]!.messages.at(-1)).toEqual({ role: "user", content: [{ text: "[The caller pressed: 1, #]" }] });
    await played(h, 0);
    // Key presses get the breakdown too: "speech" ends at the last digit, the window's close is the final.
    const t = h.pipeline.metrics.timings(0)!;
    expectConsistentTimings(t);
    expect(t.stt_final_ms).toBeGreaterThanOrEqual(1000 / 2); // the 1 s digit window, on a clock that may be coarse
  });

  it("starts the model early on a stable interim and confirms it at the endpoint", async () => {
    const h = harness([text("We open at nine. ")], { earlyStart: true });
    h.stt.say("When do you open tomorrow", 900, { interim: true });
    h.stt.say("When do you open tomorrow", 1000, { interim: true });
    await vi.waitFor(() => expect(h.llm.requests).toHaveLength(1), { interval: 1 });
    expect(h.tts.spoken).toEqual([]); // held until the endpoint confirms the words
    h.stt.say("When do you open tomorrow", 1000);
    await played(h, 0);
    expect(h.llm.requests).toHaveLength(1);
    expect(h.tts.spoken).toEqual(["We open at nine."]);
  });

  it("discards an early start when the caller keeps talking", async () => {
    const h = harness([text("Wrong answer. "), text("Right answer. ")], { earlyStart: true, llmDelayMs: 5 });
    h.stt.say("When do you open", 900, { interim: true });
    h.stt.say("When do you open", 950, { interim: true });
    await vi.waitFor(() => expect(h.llm.requests).toHaveLength(1), { interval: 1 });
    h.stt.say("When do you open on Sunday", 1500);
    await played(h, 1);
    expect(h.tts.spoken).toEqual(["Right answer."]);
    expect(h.pipeline.conversation.history.messages[0]).toEqual({ role: "user", content: [{ text: "When do you open on Sunday" }] });
  });

  it("ends a turn on UtteranceEnd when no speech_final comes", async () => {
    const h = harness([text("We open at nine. ")]);
    h.stt.say("When do you open", 1000, { speechFinal: false }); // final words, but no endpoint
    h.stt.listener.utteranceEnd(1000);
    await played(h, 0);
    // The turn began with the UtteranceEnd, not with the final words before it.
    const kinds = h.frames.map((f) => f.kind);
    expect(kinds.indexOf("user_turn")).toBeGreaterThan(kinds.indexOf("utterance_end"));
    expect(h.kinds("user_turn")).toHaveLength(1);
    expect(h.llm.requests[0]!.messages.at(-1)).toEqual({ role: "user", content: [{ text: "When do you open" }] });
  });

  it("at the tool depth limit the model still answers from every result, and tools it asks for then are not run", async () => {
    const toolRound = (i: number) => [{ type: "tool_use" as const, toolUseId: `t${i}`, name: "lookup", input: { i } }, { type: "stop" as const, reason: "tool_use" as const }];
    const ran: unknown[] = [];
    const runTools = async (calls: ToolCall[]) => (ran.push(...calls.map((c) => c.input)), calls.map((c) => ({ status: "success" as const, content: `result ${JSON.stringify(c.input)}` })));
    // Default limit: 4 rounds of tools, then a fifth model call that must answer.
    const answered = harness([toolRound(0), toolRound(1), toolRound(2), toolRound(3), text("All four are booked. ")], { runTools });
    answered.stt.say("Book them all", 1000);
    await played(answered, 0);
    expect(ran).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    const last = answered.llm.requests[4]!.messages;
    expect(last.at(-1)!.content).toEqual([{ toolResult: { toolUseId: "t3", content: [{ text: 'result {"i":3}' }], status: "success" } }]);
    expect(answered.tts.spoken).toEqual(["All four are booked."]);

    ran.length = 0;
    const stubborn = harness([toolRound(0), toolRound(1), toolRound(2), toolRound(3), toolRound(4)], { runTools });
    stubborn.stt.say("Book them all", 1000);
    await played(stubborn, 0);
    expect(ran).toHaveLength(4); // the fifth call's tool request is not run
    expect(stubborn.tts.spoken).toEqual(["Sorry, I couldn't get that information just now."]);
    const history = stubborn.pipeline.conversation.history.messages;
    const uses = history.flatMap((m) => m.content.flatMap((b) => ("toolUse" in b ? [b.toolUse.toolUseId] : [])));
    const results = history.flatMap((m) => m.content.flatMap((b) => ("toolResult" in b ? [b.toolResult.toolUseId] : [])));
    expect(uses).toEqual(results); // every toolUse in the history has its result: the next request stays valid
    expect(history.at(-1)).toEqual({ role: "assistant", content: [{ text: "Sorry, I couldn't get that information just now." }] });
  });

  it("keeps the STT socket alive while the agent speaks, and only then", async () => {
    // Fake time: the quiet windows below are exactly as long as stated, however busy the machine (vi.waitFor
    // advances it by its interval on every check).
    vi.useFakeTimers();
    try {
      const h = harness([text("Our clinic offers cleanings, fillings, crowns, implants and whitening, and we accept most insurance plans. ".repeat(3))]);
      await vi.advanceTimersByTimeAsync(200);
      expect(h.stt.stats.keepAlives).toBe(0); // nobody speaking: caller audio keeps the socket open
      h.stt.say("What do you offer?", 1000);
      // Marks are not echoed yet, so the agent is still speaking as far as the pipeline knows.
      await vi.waitFor(() => expect(h.stt.stats.keepAlives).toBeGreaterThanOrEqual(2), { timeout: 2000, interval: 10 });
      await played(h, 0);
      const after = h.stt.stats.keepAlives;
      await vi.advanceTimersByTimeAsync(250);
      expect(h.stt.stats.keepAlives).toBe(after);
    } finally {
      vi.useRealTimers();
    }
  });

  describe("a reply to an older turn never starts over a newer one", () => {
    it("cancels a reply that is not yet audible when the caller's next words come: model aborted, none of it played", async () => {
      const h = harness([text("This is the answer to the first question, which took a while. "), text("Here is the answer to both. ")], { llmDelayMs: 20 });
      h.stt.say("First question", 1000);
      await vi.waitFor(() => expect(h.llm.requests).toHaveLength(1), { interval: 1 });
      h.stt.listener.speechStarted(1400);
      h.stt.say("and the second", 1900, { interim: true });
      expect(h.kinds("interrupt")).toEqual([expect.objectContaining({ reason: "new_turn" })]);
      await vi.waitFor(() => expect(h.llm.aborted).toBe(1), { interval: 1 });
      h.stt.say("and the second", 2000);
      await played(h, 1);
      expect(h.tts.spoken).toEqual(["Here is the answer to both."]);
      expect(h.llm.requests[1]!.messages).toEqual([{ role: "user", content: [{ text: "First question" }, { text: "and the second" }] }]);
      expect(h.sink.clears).toBe(0); // nothing had been sent to Twilio, so nothing had to be cleared
    });

    it("lets the reply play after a mere backchannel or a speech start without words (a breath, line noise)", async () => {
      const h = harness([text("We open at nine. ")], { llmDelayMs: 10 });
      h.stt.say("When do you open", 1000);
      h.stt.listener.speechStarted(1200);
      h.stt.say("okay", 1500, { interim: true });
      h.stt.say("okay", 1500);
      await played(h, 0);
      expect(h.tts.spoken).toEqual(["We open at nine."]);
      expect(h.kinds("user_turn")).toHaveLength(1);
      expect(h.kinds("interrupt")).toHaveLength(0);
      expect(h.llm.aborted).toBe(0);
    });
  });

  it("keeps no blank text in the history when the model streams only whitespace around a tool call", async () => {
    const h = harness(
      [
        [{ type: "text", text: "\n\n" }, { type: "tool_use", toolUseId: "t1", name: "lookup", input: {} }, { type: "stop", reason: "tool_use" }],
        [{ type: "text", text: " " }, { type: "stop", reason: "end_turn" }],
        text("Sure. "),
      ],
      { runTools: async (calls) => (await new Promise((r) => setTimeout(r, 700)), calls.map(() => ({ status: "success" as const, content: "{}" }))) },
    );
    h.stt.say("Look it up", 1000);
    await played(h, 0);
    // Whitespace is no speech: the filler covers the tool, and the empty answer still gets a line.
    expect(h.tts.spoken).toEqual(["One moment while I check that.", "Sorry, I couldn't get that information just now."]);
    h.stt.say("Thanks", 3000);
    await played(h, 1);
    expect(h.llm.rejected).toEqual([]);
    expect(h.tts.spoken.at(-1)).toBe("Sure.");
  });

  describe("uninterruptible lines", () => {
    it("the closing line is heard to the end however the caller talks over it, then the call hangs up", async () => {
      const h = harness([], { sensitivity: "high" });
      const closing = h.pipeline.say("Thank you for calling Acme Dental, we are closing the line now. Goodbye!", "closing");
      await vi.waitFor(() => expect(h.sink.media).toBeGreaterThan(5), { timeout: 3000, interval: 2 });
      h.stt.listener.speechStarted(500);
      h.stt.say("wait I have one more question", 900, { interim: true });
      h.stt.say("wait I have one more question", 1000);
      expect(h.kinds("interrupt")).toHaveLength(0);
      expect(h.sink.clears).toBe(0);
      await played(h, closing);
      expect(h.kinds("playback_done")).toEqual([{ kind: "playback_done", turnId: closing, after: { action: "hang_up", reason: "closing" } }]);
      expect(h.kinds("user_turn")).toHaveLength(1); // transcribed…
      // …but not answered: the call is ending. The line's playback_done settled the waiting turn (an answer would
      // have started on a microtask queued then, which has run by the time `played` resolves).
      expect(h.llm.requests).toHaveLength(0);
    });

    it("the recording disclosure is heard to the end; the caller's words during it are answered after it", async () => {
      const h = harness([text("Hi! Yes, I can hear you. ")]);
      const disclosure = h.pipeline.say("This call may be recorded for quality and training purposes.", "disclosure");
      const greeting = h.pipeline.say("Hi, Acme Dental, how can I help?", "greeting");
      await vi.waitFor(() => expect(h.sink.media).toBeGreaterThan(5), { timeout: 3000, interval: 2 });
      h.stt.say("hello can you hear me", 900, { interim: true });
      h.stt.say("hello can you hear me", 1000);
      h.stt.say("mm-hm", 1400);
      expect(h.kinds("interrupt")).toHaveLength(0);
      expect(h.llm.requests).toHaveLength(0); // not while the disclosure plays
      await played(h, disclosure);
      const turn = (h.kinds("user_turn")[0] as Extract<Frame, { kind: "user_turn" }>).turnId;
      await played(h, turn);
      expect(h.kinds("user_turn")).toHaveLength(1); // the backchannel was no turn
      expect(h.llm.requests[0]!.messages.at(-1)).toEqual({ role: "user", content: [{ text: "hello can you hear me" }] });
      expect(h.tts.spoken[0]).toBe("This call may be recorded for quality and training purposes.");
      expect(h.tts.spoken.at(-1)).toBe("Hi! Yes, I can hear you.");
      const done = h.kinds("playback_done").map((f) => (f as Extract<Frame, { kind: "playback_done" }>).turnId);
      expect(done[0]).toBe(disclosure);
      expect(done).toContain(turn);
      expect(greeting).toBe(disclosure + 1);
    });
  });
});
