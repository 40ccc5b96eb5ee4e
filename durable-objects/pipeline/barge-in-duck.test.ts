import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TextToSpeech, TextToSpeechListener } from "../providers/provider-types.ts";
import { isBargeIn } from "./barge-in-policy.ts";
import type { Frame } from "./frames.ts";
import { FakeLanguageModel, FakeSpeechToText, RecordingSink, text } from "./testing/fake-providers.ts";
import { VoicePipeline } from "./voice-pipeline.ts";

const REPLY = "Our clinic offers cleanings, fillings, crowns, implants and whitening, and we accept most insurance plans. ";
/** What the scripted caller says over the agent in the bench and the e2e test. */
const BACKCHANNELS = ["mm-hm", "okay", "right"];
const INTERRUPTIONS = ["wait, can I book for Tuesday instead", "sorry, I need to change my appointment", "no, that's not what I asked"];

/** Speech whose every byte says where it sits in the agent's audio (a counter mod 251), so a gap or a repeat shows. */
class CountingTextToSpeech implements TextToSpeech {
  listener!: TextToSpeechListener;
  produced: number[] = [];
  readonly stats = { characters: 0, reconnects: 0 };
  async connect() {}
  speak(id: number, said: string) {
    const bytes = Uint8Array.from({ length: said.length * 80 }, () => this.produced.push(this.produced.length % 251) && this.produced.at(-1)!);
    setTimeout(() => {
      this.listener.audio(id, bytes);
      this.listener.done(id);
    }, 5);
  }
  clear() {}
  async close() {}
}

/** Twilio's side: every media byte in order, and the order of media, marks and clears. */
class TappedSink extends RecordingSink {
  played: number[] = [];
  override sendMedia(payload: string) {
    for (const c of atob(payload)) this.played.push(c.charCodeAt(0));
    return super.sendMedia(payload);
  }
}

/** A pipeline on the fake clock (vi.useFakeTimers), with Twilio echoing marks as the clock moves. */
function call(duck: boolean) {
  const stt = new FakeSpeechToText();
  const tts = new CountingTextToSpeech();
  const sink = new TappedSink();
  const frames: Frame[] = [];
  const pipeline = new VoicePipeline({
    callId: "CALL-duck",
    openSpeechToText: (l) => ((stt.listener = l), stt),
    openTextToSpeech: (l) => ((tts.listener = l), tts),
    llm: new FakeLanguageModel([text(REPLY), text("Sure, Tuesday it is. ")]),
    request: { modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0", system: "Be brief.", temperature: 0.5, maxTokens: 200, promptCaching: false },
    tools: [],
    runTools: async () => [],
    sink,
    sensitivity: "medium",
    earlyStart: false,
    duckOnSpeechStart: duck,
    closingMessage: "Goodbye!",
    now: () => Date.now(),
    onError: (e) => {
      throw e;
    },
    onProviderFailure: (e) => {
      throw e;
    },
  });
  pipeline.observe((f) => frames.push(f));
  const step = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      await vi.advanceTimersByTimeAsync(10);
      for (const name of sink.marks.splice(0)) pipeline.markPlayed(name);
    }
  };
  const heard = (turnId: number) => frames.some((f) => f.kind === "playback_done" && f.turnId === turnId);
  const until = async (done: () => boolean) => {
    for (let t = 0; !done(); t += 10) {
      if (t > 30_000) throw new Error("not done after 30 s of call clock");
      await step(10);
    }
  };
  /** The caller asks; resolves once the agent's answer has been playing for `intoReplyMs`. */
  const askAndListen = async (intoReplyMs: number) => {
    stt.say("What do you offer?", 1000);
    await until(() => sink.media > 0);
    await step(intoReplyMs);
  };
  const kinds = (kind: Frame["kind"]) => frames.filter((f) => f.kind === kind);
  const history = () => pipeline.conversation.history.messages.map((m) => (m.content[0] as { text: string }).text);
  return { pipeline, stt, tts, sink, frames, step, until, heard, askAndListen, kinds, history };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("barge-in policy on the scripted sets", () => {
  it("never takes a backchannel for an interruption, and always takes a real sentence for one (high: any word, by design)", () => {
    for (const sensitivity of ["low", "medium", "high"] as const) {
      for (const b of BACKCHANNELS) expect(isBargeIn(b, sensitivity), `${b} at ${sensitivity}`).toBe(sensitivity === "high");
      for (const s of INTERRUPTIONS) expect(isBargeIn(s, sensitivity), `${s} at ${sensitivity}`).toBe(true);
    }
  });
});

describe("BargeInDuck in the voice pipeline", () => {
  it("pauses the agent's audio on the caller's first sound, without a clear", async () => {
    const c = call(true);
    await c.askAndListen(300);
    c.stt.listener.speechStarted(1500);
    await c.step(20); // what playback had sent ahead of the pause
    const sentAtPause = c.sink.media;
    await c.step(600);
    expect(c.sink.media).toBe(sentAtPause);
    expect(c.sink.clears).toBe(0);
    expect(c.pipeline.isAgentSpeaking()).toBe(true);
  });

  type Sound = [what: string, sayIt: (c: ReturnType<typeof call>) => void, releasedAtOnce: boolean];
  const overTheAgent: Sound[] = [
    ...BACKCHANNELS.map((b): Sound => [
      b,
      (c) => {
        c.stt.say(b, 1900, { interim: true });
        c.stt.say(b, 2000);
      },
      true,
    ]),
    ["an interim 'okay', then an utterance end", (c) => (c.stt.say("okay", 1900, { interim: true }), c.stt.listener.utteranceEnd(1900)), true],
    ["a cough (a final without words)", (c) => c.stt.say("", 1800), true],
    ["line noise (no result at all: released by the hold's limit)", () => undefined, false],
  ];
  for (const [what, sayIt, releasedAtOnce] of overTheAgent) {
    it(`${what} over the agent: no clear, no history cut, and the reply resumes where it paused, nothing lost or repeated`, async () => {
      const c = call(true);
      await c.askAndListen(300);
      c.stt.listener.speechStarted(1500);
      await c.step(300);
      const sentAtPause = c.sink.played.length;
      sayIt(c);
      expect(c.pipeline.duck!.holding).toBe(!releasedAtOnce);
      await c.until(() => c.heard(0));
      expect(c.pipeline.duck!.holding).toBe(false);
      expect(c.sink.played.length).toBeGreaterThan(sentAtPause);
      expect(c.sink.clears).toBe(0);
      expect(c.kinds("interrupt")).toHaveLength(0);
      expect(c.sink.played).toEqual(c.tts.produced);
      expect(c.history()).toEqual(["What do you offer?", REPLY]);
    });
  }

  it("after pauses under an 'mm-hm', a cough and line noise, the caller's next sentence is a caller turn, answered", async () => {
    const c = call(true);
    await c.askAndListen(300);
    const pauseUnder = async (startMs: number, sound: () => void) => {
      c.stt.listener.speechStarted(startMs);
      await c.step(300);
      expect(c.pipeline.duck!.holding).toBe(true);
      sound();
      await c.until(() => !c.pipeline.duck!.holding);
      await c.step(100); // the reply plays on between the sounds
    };
    await pauseUnder(1500, () => c.stt.say("mm-hm", 1800));
    await pauseUnder(2800, () => c.stt.say("", 3100));
    await pauseUnder(4000, () => undefined);
    await c.until(() => c.heard(0));
    await c.step(600);
    c.stt.listener.speechStarted(30_000);
    c.stt.say("Thank you, bye!", 31_000);
    expect(c.kinds("user_turn")).toEqual([expect.objectContaining({ text: "What do you offer?" }), expect.objectContaining({ text: "Thank you, bye!" })]);
    await c.until(() => c.heard(1));
    expect(c.sink.clears).toBe(0);
    expect(c.kinds("interrupt")).toHaveLength(0);
    expect(c.history()).toEqual(["What do you offer?", REPLY, "Thank you, bye!", "Sure, Tuesday it is. "]);
  });

  it("a real interruption over the agent clears at once and cuts the history where the caller heard the agent stop", async () => {
    for (const sentence of INTERRUPTIONS) {
      const ducked = call(true);
      await ducked.askAndListen(300);
      ducked.stt.listener.speechStarted(1500);
      await ducked.step(400); // the first words come later than the voice
      ducked.stt.say(sentence, 1900, { interim: true });
      expect(ducked.sink.clears).toBe(1);
      expect(ducked.kinds("interrupt")).toEqual([expect.objectContaining({ reason: "barge_in" })]);
      expect(ducked.pipeline.duck!.holding).toBe(false);

      // The same call without the pause, its interrupt at the moment the ducked one paused: the same words heard.
      const plain = call(false);
      await plain.askAndListen(300);
      plain.stt.say(sentence, 1500, { interim: true });
      expect(plain.sink.clears).toBe(1);
      const cut = ducked.history()[1]!;
      expect(cut.endsWith(" —")).toBe(true);
      expect(cut).toBe(plain.history()[1]);

      ducked.stt.say(sentence, 2000);
      await ducked.until(() => ducked.heard(1));
      expect(ducked.history().slice(2)).toEqual([sentence, "Sure, Tuesday it is. "]);
    }
  });

  it("never pauses an uninterruptible line (the closing)", async () => {
    const c = call(true);
    c.pipeline.say("Thank you for calling Acme Dental, we are closing the line now. Goodbye!", "closing");
    await c.until(() => c.sink.media > 0);
    c.stt.listener.speechStarted(500);
    const before = c.sink.media;
    await c.step(200);
    expect(c.pipeline.duck!.holding).toBe(false);
    expect(c.sink.media).toBeGreaterThan(before);
  });

  it("a pause released, then a later real interruption in the same reply, cuts where that one was heard", async () => {
    const c = call(true);
    await c.askAndListen(300);
    c.stt.listener.speechStarted(1500);
    await c.step(300);
    c.stt.say("mm-hm", 1800);
    await c.step(300);
    const playedBeforeSecond = c.sink.played.length;
    c.stt.listener.speechStarted(2400);
    await c.step(400);
    expect(c.sink.played.length - playedBeforeSecond).toBeLessThanOrEqual(3 * 160); // the lead, then paused
    c.stt.say("hold on, what about crowns", 2900, { interim: true });
    expect(c.sink.clears).toBe(1);
    const cut = c.history()[1]!;
    expect(REPLY.startsWith(cut.slice(0, -2))).toBe(true);
    expect(cut.length).toBeLessThan(REPLY.length);
  });
});
