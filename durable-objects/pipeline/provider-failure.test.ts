import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProviderError } from "../providers/provider-types.ts";
import { FAILED_TURNS_BEFORE_GIVING_UP } from "./model-failures.ts";
import { CALL_ID, fakeCall, jsonLines } from "./testing/fake-call.ts";
import { FakeLanguageModel, text, type ScriptedReply } from "./testing/fake-providers.ts";

const APOLOGY = "I'm sorry, I'm having trouble with that right now. Could you say it again?";
const GOODBYE = "I'm sorry, we're having technical difficulties. Please call back later. Goodbye.";

const throttled = (): ScriptedReply => () => {
  throw new ProviderError("bedrock", "ThrottlingException after 5 attempts (fallback model included): slow down", true, 429, { code: "ThrottlingException", attempts: 5 });
};
const invalid = (): ScriptedReply => () => {
  throw new ProviderError("bedrock", "ValidationException: The model returned the following errors: bad request", false, 400, { code: "ValidationException", attempts: 1 });
};

let warn: ReturnType<typeof vi.spyOn>;
let error: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  vi.useFakeTimers();
  warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  error = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Everything the agent said, and how often it said `line`. */
const spoken = (call: ReturnType<typeof fakeCall>) => call.tts.spoken.join(" ");
const times = (call: ReturnType<typeof fakeCall>, line: string) => spoken(call).split(line).length - 1;
const failureLines = () => [...jsonLines(warn), ...jsonLines(error)].filter((l) => l.event === "provider_failed");

describe("a provider that fails for good takes one path: the failure hook, with the agent's voice still working", () => {
  it("speech-to-text lost for good: reported once, nothing ends the pipeline, and the apology is heard before the hang-up", async () => {
    const call = fakeCall();
    await call.say("Hi, how can I help?", "greeting");
    const lost = new ProviderError("deepgram-stt", "the listen socket keeps closing (last close 1011 drop)", true, undefined, { code: "close_1011", attempts: 5 });
    call.stt.listener.failed(lost);
    expect(call.failures).toEqual([lost]);
    // Before, the stage broadcast `end`, which also closed text-to-speech: the caller got dead air.
    expect(call.ends()).toBe(0);
    const done = await call.say(GOODBYE, "apology");
    expect(done.after).toEqual({ action: "hang_up", reason: "apology" });
    expect(spoken(call).endsWith(GOODBYE)).toBe(true);
    expect(failureLines()).toEqual([
      { level: "error", event: "provider_failed", call_id: CALL_ID, provider: "deepgram-stt", error: "close_1011", status: null, retryable: true, attempt: 5, permanent: true, message: lost.message },
    ]);
    expect(call.stageErrors).toEqual([]);
  });

  it("text-to-speech lost for good: reported through the same hook, with its log line", async () => {
    const call = fakeCall();
    const lost = new ProviderError("deepgram-tts", "the speak socket keeps closing", true);
    call.tts.listener.failed(lost);
    expect(call.failures).toEqual([lost]);
    expect(failureLines()).toMatchObject([{ level: "error", call_id: CALL_ID, provider: "deepgram-tts", retryable: true, permanent: true }]);
  });

  it("a single throttled turn: the caller hears an apology, the call stays up and the next question is answered", async () => {
    const call = fakeCall({ replies: [throttled(), text("We open at nine. ")] });
    await call.ask("Are you open on Saturday?");
    expect(spoken(call).endsWith(APOLOGY)).toBe(true);
    await call.ask("When do you open?");
    expect(call.tts.spoken.at(-1)).toBe("We open at nine.");
    expect(call.failures).toEqual([]);
    // The final error is logged once, as a warning: only a turn was lost.
    expect(failureLines()).toEqual([
      {
        level: "warn",
        event: "provider_failed",
        call_id: CALL_ID,
        provider: "bedrock",
        error: "ThrottlingException",
        status: 429,
        retryable: true,
        attempt: 5,
        permanent: false,
        message: "ThrottlingException after 5 attempts (fallback model included): slow down",
      },
    ]);
  });

  it("a non-retryable model error: no 'say it again', the failure is reported, and no later turn reaches the model", async () => {
    const call = fakeCall({ replies: [invalid()] });
    const turn = await call.ask("Are you open on Saturday?");
    expect(call.failures).toMatchObject([{ provider: "bedrock", code: "ValidationException", retryable: false }]);
    expect(times(call, APOLOGY)).toBe(0);
    expect(call.heard.find((f) => f.turnId === turn)!.after).toEqual({ action: "listen" });
    // The object apologises in the agent's voice and hangs up.
    expect((await call.say(GOODBYE, "apology")).after).toEqual({ action: "hang_up", reason: "apology" });
    call.stt.say("Hello? Are you there?", call.pipeline.clock.audioMs);
    await call.lineAudio(1_000);
    expect((call.llm as FakeLanguageModel).requests).toHaveLength(1);
    expect(failureLines()).toMatchObject([{ level: "error", provider: "bedrock", error: "ValidationException", status: 400, retryable: false, attempt: 1, permanent: true }]);
  });

  it(`${FAILED_TURNS_BEFORE_GIVING_UP} failed turns in a row end the call; an answered turn in between starts the count again`, async () => {
    const call = fakeCall({ replies: [throttled(), throttled(), text("Yes. "), throttled(), throttled(), throttled()] });
    for (const q of ["One?", "Two?", "Three?", "Four?", "Five?"]) await call.ask(q);
    expect(call.failures).toEqual([]);
    expect(times(call, APOLOGY)).toBe(4);
    await call.ask("Six?");
    expect(call.failures).toMatchObject([{ provider: "bedrock", code: "ThrottlingException", retryable: true }]);
    expect(times(call, APOLOGY)).toBe(4); // the last failure is not apologised for here: the hook's apology ends the call
    expect(failureLines().map((l) => [l.level, l.permanent])).toEqual([...Array(4).fill(["warn", false]), ["error", true]]);
  });

  it("logs an unexpected model error (not a ProviderError) as the model's, instead of swallowing it", async () => {
    const call = fakeCall({
      replies: [
        () => {
          throw new TypeError("Cannot read properties of undefined");
        },
      ],
    });
    await call.ask("Hello?");
    expect(spoken(call).endsWith(APOLOGY)).toBe(true);
    expect(failureLines()).toMatchObject([{ level: "warn", call_id: CALL_ID, provider: "bedrock", error: "TypeError", retryable: true, attempt: null, permanent: false }]);
  });
});
