import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UsageMeter } from "../call/usage-meter.ts";
import type { LlmEvent } from "../providers/provider-types.ts";
import type { Frame, FrameKind, FrameOf } from "./frames.ts";
import { fakeCall } from "./testing/fake-call.ts";
import { FakeFluxSpeechToText, FakeLanguageModel, text } from "./testing/fake-providers.ts";

const MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const WRONG = "You would like to book, certainly, which of our many services would you like to book today? ";
const usage = (inputTokens: number, outputTokens: number): LlmEvent => ({ type: "usage", modelId: MODEL, inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 });

/**
 * A call on fake providers and the fake clock, with every frame recorded and usage metered as the call's object
 * does. `llmDelayMs` apart, the model's events stream slowly enough to be cut mid-answer.
 */
function speculatingCall(replies: LlmEvent[][], opts: { flux: boolean; llmDelayMs?: number }) {
  const stt = opts.flux ? new FakeFluxSpeechToText() : undefined;
  const llm = new FakeLanguageModel(replies, opts.llmDelayMs ?? 20);
  // 10 ms of speech a character: a reply is still playing when the caller talks over it.
  const call = fakeCall({ llm, stt, earlyStart: !opts.flux, ttsBytesPerChar: 80 });
  const frames: Frame[] = [];
  const meter = new UsageMeter();
  call.pipeline.observe((f) => frames.push(f));
  call.pipeline.observe(meter.observe);
  const of = <K extends FrameKind>(kind: K) => frames.filter((f): f is FrameOf<K> => f.kind === kind);
  /** Anything of `turnId` on its way to being heard: text to synthesise, audio, or media sent to Twilio. */
  const reachedSpeech = (turnId: number) => frames.some((f) => (f.kind === "speak" || f.kind === "agent_audio" || f.kind === "chunk_audible") && f.turnId === turnId);
  const usageOf = () => meter.snapshot({ callerAudioMs: 0, agentAudioMs: 0, sttAudioMs: 0, ttsCharacters: 0 });
  return { ...call, flux: stt!, llm, frames, of, reachedSpeech, usageOf };
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("Flux speculation: EagerEndOfTurn starts the model, TurnResumed cancels it, EndOfTurn commits it", () => {
  it("a TurnResumed cancels an answer already streaming before any of it is heard; its text never enters the history", async () => {
    const c = speculatingCall([[...text(WRONG)], [...text("Sure, a cleaning. What day works for you? "), usage(150, 12)]], { flux: true });
    await c.lineAudio(1_000);
    c.flux.turn("StartOfTurn", "I'd like", 600);
    c.flux.update("I'd like to book", 1_000);
    c.flux.turn("EagerEndOfTurn", "I'd like to book", 1_000);
    const speculative = c.of("user_turn")[0]!;
    expect(speculative).toMatchObject({ tentative: true, text: "I'd like to book" });
    // The answer is streaming: several of its words have come back from the model.
    await c.until(() => c.llm.yielded >= 3);
    expect(c.llm.aborted).toBe(0);

    c.flux.turn("TurnResumed", "I'd like to book", 1_000);
    expect(c.of("user_turn_cancelled")).toEqual([{ kind: "user_turn_cancelled", turnId: speculative.turnId }]);
    await c.until(() => c.llm.aborted === 1); // the model's stream is cut, not read to its end
    expect(c.llm.yielded).toBeLessThan(text(WRONG).length);
    expect(c.reachedSpeech(speculative.turnId)).toBe(false);
    expect(c.sink.media).toBe(0);
    expect(c.tts.spoken).toEqual([]);
    expect(c.of("interrupt")).toEqual([]); // nothing was playing: no clear, no cut in the history

    c.flux.update("I'd like to book a cleaning", 1_600);
    c.flux.turn("EagerEndOfTurn", "I'd like to book a cleaning", 1_600);
    c.flux.turn("EndOfTurn", "I'd like to book a cleaning", 1_600);
    const final = c.of("user_turn").at(-1)!;
    await c.until(() => c.heard.some((f) => f.turnId === final.turnId));
    expect(c.tts.spoken.join(" ")).toBe("Sure, a cleaning. What day works for you?");
    expect(c.pipeline.conversation.history.messages).toEqual([
      { role: "user", content: [{ text: "I'd like to book a cleaning" }] },
      { role: "assistant", content: [{ text: "Sure, a cleaning. What day works for you? " }] },
    ]);
    expect(JSON.stringify(c.llm.requests[1]!.messages)).not.toContain("which of our many services");
    const u = c.usageOf();
    expect(u.speculation).toMatchObject({ started: 2, committed: 1, cancelled: 1 });
    expect(u.speculation.wasted_input_tokens).toBeGreaterThan(0);
    expect(u.speculation.wasted_output_tokens).toBeGreaterThan(0);
    // The cut request never got Bedrock's usage: it is metered by estimate, and its tokens are the waste.
    const [cut, answered] = c.of("llm_usage");
    expect(cut).toMatchObject({ turnId: speculative.turnId, estimated: true });
    expect(answered).toMatchObject({ turnId: final.turnId, inputTokens: 150, outputTokens: 12 });
    expect(answered!.estimated).toBeUndefined();
    expect(u.speculation).toMatchObject({ wasted_input_tokens: cut!.inputTokens, wasted_output_tokens: cut!.outputTokens });
    expect(u.llm[MODEL]).toMatchObject({ input_tokens: cut!.inputTokens + 150, requests: 2, estimated_requests: 1 });
    expect(c.stageErrors).toEqual([]);
  });

  it("a speculative answer that becomes final is released as it is, not asked for twice", async () => {
    const c = speculatingCall([[...text("We open at nine. ").slice(0, -1), { type: "stop", reason: "end_turn" }, usage(120, 6)]], { flux: true, llmDelayMs: 5 });
    await c.lineAudio(1_000);
    c.flux.turn("StartOfTurn", "When", 400);
    c.flux.turn("EagerEndOfTurn", "When do you open", 1_000);
    // The whole answer comes back while the turn is still unconfirmed: held, none of it synthesised.
    await c.until(() => c.of("llm_usage").length === 1);
    expect(c.tts.spoken).toEqual([]);
    c.flux.update("When do you open", 1_000);
    c.flux.turn("EndOfTurn", "When do you open", 1_000);
    const [tentative, final] = c.of("user_turn");
    expect(final).toMatchObject({ turnId: tentative!.turnId, tentative: false });
    await c.until(() => c.heard.some((f) => f.turnId === final!.turnId));
    expect(c.llm.requests).toHaveLength(1);
    expect(c.tts.spoken).toEqual(["We open at nine."]);
    expect(c.pipeline.conversation.history.messages).toEqual([
      { role: "user", content: [{ text: "When do you open" }] },
      { role: "assistant", content: [{ text: "We open at nine. " }] },
    ]);
    expect(c.usageOf().speculation).toEqual({ started: 1, committed: 1, cancelled: 0, wasted_input_tokens: 0, wasted_output_tokens: 0 });
    expect(c.usageOf().llm[MODEL]).toMatchObject({ input_tokens: 120, output_tokens: 6, requests: 1, estimated_requests: 0 });
  });

  it("a TurnResumed after the whole answer came back drops the held answer; Bedrock's own usage is the waste", async () => {
    const c = speculatingCall([[...text("We open at nine. "), usage(120, 6)], [...text("On Sundays at ten. "), usage(130, 7)]], { flux: true, llmDelayMs: 5 });
    await c.lineAudio(1_000);
    c.flux.turn("StartOfTurn", "When", 400);
    c.flux.turn("EagerEndOfTurn", "When do you open", 1_000);
    await c.until(() => c.of("llm_usage").length === 1);
    c.flux.turn("TurnResumed", "When do you open", 1_000);
    c.flux.turn("EagerEndOfTurn", "When do you open on Sunday", 1_500);
    c.flux.turn("EndOfTurn", "When do you open on Sunday", 1_500);
    const final = c.of("user_turn").at(-1)!;
    await c.until(() => c.heard.some((f) => f.turnId === final.turnId));
    expect(c.tts.spoken).toEqual(["On Sundays at ten."]);
    expect(c.llm.aborted).toBe(0); // nothing left to cut
    expect(c.pipeline.conversation.history.messages).toEqual([
      { role: "user", content: [{ text: "When do you open on Sunday" }] },
      { role: "assistant", content: [{ text: "On Sundays at ten. " }] },
    ]);
    expect(c.usageOf().speculation).toEqual({ started: 2, committed: 1, cancelled: 1, wasted_input_tokens: 120, wasted_output_tokens: 6 });
    expect(c.usageOf().llm[MODEL]).toMatchObject({ input_tokens: 250, output_tokens: 13, requests: 2, estimated_requests: 0 });
  });

  it("an EndOfTurn whose transcript differs from the eager one cancels the speculation and asks afresh", async () => {
    const c = speculatingCall([text(WRONG), text("On Sundays we open at ten. ")], { flux: true });
    await c.lineAudio(1_000);
    c.flux.turn("StartOfTurn", "When", 400);
    c.flux.turn("EagerEndOfTurn", "When do you open", 1_000);
    await c.until(() => c.llm.yielded >= 2);
    c.flux.turn("EndOfTurn", "When do you open on Sunday", 1_400);
    const [tentative, final] = c.of("user_turn");
    expect(final).toMatchObject({ tentative: false, text: "When do you open on Sunday" });
    expect(final!.turnId).not.toBe(tentative!.turnId);
    await c.until(() => c.heard.some((f) => f.turnId === final!.turnId));
    expect(c.llm.requests).toHaveLength(2);
    expect(c.llm.aborted).toBe(1);
    expect(c.llm.requests[1]!.messages).toEqual([{ role: "user", content: [{ text: "When do you open on Sunday" }] }]);
    expect(c.reachedSpeech(tentative!.turnId)).toBe(false);
    expect(c.tts.spoken).toEqual(["On Sundays we open at ten."]);
    expect(c.pipeline.conversation.history.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(c.usageOf().speculation).toMatchObject({ started: 1, committed: 0, cancelled: 1 });
  });

  it("takes no turn from endpointing or utterance ends: only EndOfTurn ends a turn", async () => {
    const c = speculatingCall([text("We open at nine. ")], { flux: true });
    await c.lineAudio(1_000);
    c.flux.turn("StartOfTurn", "When", 400);
    c.flux.say("When do you open", 1_000, { speechFinal: true }); // what /v1/listen would call an endpoint
    c.flux.listener.utteranceEnd(1_000);
    c.flux.say("When do you open", 1_000, { interim: true }); // stable interims: no early start either
    c.flux.say("When do you open", 1_000, { interim: true });
    expect(c.of("user_turn")).toEqual([]);
    c.flux.turn("EndOfTurn", "When do you open", 1_000);
    expect(c.of("user_turn")).toEqual([expect.objectContaining({ text: "When do you open", tentative: false })]);
  });

  it("StartOfTurn's words over the agent barge in by the same policy: real words stop it, a backchannel does not", async () => {
    const long = "Our clinic offers cleanings, fillings, crowns, implants, whitening and orthodontics, and we accept most insurance plans. ";
    const c = speculatingCall([text(long), text("Sure. ")], { flux: true, llmDelayMs: 1 });
    await c.lineAudio(1_000);
    c.flux.turn("StartOfTurn", "What", 600);
    c.flux.turn("EndOfTurn", "What do you offer", 1_000);
    await c.until(() => c.sink.media > 10);
    c.flux.turn("StartOfTurn", "mm-hm", 1_400);
    c.flux.turn("EagerEndOfTurn", "mm-hm", 1_500);
    c.flux.turn("EndOfTurn", "mm-hm", 1_500);
    expect(c.of("interrupt")).toEqual([]);
    expect(c.of("user_turn")).toHaveLength(1); // the backchannel is no turn, not even a speculative one
    c.flux.turn("StartOfTurn", "wait, stop", 2_000);
    expect(c.of("interrupt")).toEqual([expect.objectContaining({ reason: "barge_in" })]);
    expect(c.sink.clears).toBe(1);
  });
});

describe("early start on stable interims (Deepgram /v1/listen)", () => {
  it("a tentative reply is cancelled as soon as the caller's words move on: the model is cut and its tokens counted as wasted", async () => {
    const c = speculatingCall([[...text(WRONG)], text("On Sundays we open at ten. ")], { flux: false });
    await c.lineAudio(1_000);
    c.stt.say("When do you open", 900, { interim: true });
    c.stt.say("When do you open", 950, { interim: true });
    const [tentative] = c.of("user_turn");
    expect(tentative).toMatchObject({ tentative: true });
    await c.until(() => c.llm.yielded >= 3);
    c.stt.say("When do you open on Sunday", 1_300, { interim: true });
    // Cancelled at the caller's next words, not at the endpoint.
    expect(c.of("user_turn_cancelled")).toEqual([{ kind: "user_turn_cancelled", turnId: tentative!.turnId }]);
    await c.until(() => c.llm.aborted === 1);
    c.stt.say("When do you open on Sunday", 1_400);
    const final = c.of("user_turn").at(-1)!;
    await c.until(() => c.heard.some((f) => f.turnId === final.turnId));
    expect(c.tts.spoken).toEqual(["On Sundays we open at ten."]);
    expect(c.reachedSpeech(tentative!.turnId)).toBe(false);
    expect(c.of("interrupt")).toEqual([]);
    const u = c.usageOf();
    expect(u.speculation).toMatchObject({ started: 1, committed: 0, cancelled: 1 });
    expect(u.speculation.wasted_output_tokens).toBeGreaterThan(0);
    const cut = c.of("llm_usage").find((f) => f.turnId === tentative!.turnId)!;
    expect(cut).toMatchObject({ estimated: true });
    expect(u.speculation.wasted_input_tokens).toBe(cut.inputTokens);
    expect(u.speculation.wasted_output_tokens).toBe(cut.outputTokens);
  });
});

describe("aborted model turns are metered", () => {
  it("a barge-in cuts the model before Bedrock's usage: the request is metered by estimate", async () => {
    const long = "Our clinic offers cleanings, fillings, crowns, implants, whitening and orthodontics, and we accept most insurance plans including Delta and Cigna. ";
    const c = speculatingCall([text(long)], { flux: false, llmDelayMs: 20 });
    await c.lineAudio(1_000);
    c.stt.say("What do you offer", 1_000);
    await c.until(() => c.sink.media > 5);
    c.stt.say("I want a cleaning", 1_500, { interim: true });
    expect(c.of("interrupt")).toEqual([expect.objectContaining({ reason: "barge_in" })]);
    const [metered] = c.of("llm_usage");
    expect(metered).toMatchObject({ estimated: true, modelId: MODEL, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(metered!.outputTokens).toBeGreaterThan(0);
    expect(metered!.outputTokens).toBeLessThan(Math.ceil(long.length / 4));
    expect(c.usageOf().llm[MODEL]).toMatchObject({ requests: 1, estimated_requests: 1 });
    await c.until(() => c.llm.aborted === 1);
    expect(c.of("llm_usage")).toHaveLength(1); // the stream's unwinding meters nothing twice
  });

  it("a model failure after output began is metered by estimate; one before any output is not metered", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {}); // the failures' log lines
    const failing = (afterWords: number) => ({
      requests: 0,
      async *stream(): AsyncIterable<LlmEvent> {
        this.requests++;
        yield* text("Let me see. ").slice(0, afterWords);
        throw new Error("ModelStreamErrorException");
      },
    });
    for (const [afterWords, metered] of [
      [2, 1],
      [0, 0],
    ] as const) {
      const llm = failing(afterWords);
      const c = fakeCall({ llm });
      const frames: Frame[] = [];
      c.pipeline.observe((f) => frames.push(f));
      await c.ask("Hello there");
      expect(llm.requests).toBe(1);
      const usageFrames = frames.filter((f) => f.kind === "llm_usage");
      expect(usageFrames).toHaveLength(metered);
      if (metered) expect(usageFrames[0]).toMatchObject({ estimated: true });
    }
  });
});
