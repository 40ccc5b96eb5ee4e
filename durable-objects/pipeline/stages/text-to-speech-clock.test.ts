import { describe, expect, it } from "vitest";
import type { TextToSpeech, TextToSpeechListener } from "../../providers/provider-types.ts";
import { SpeechLedger } from "../speech-ledger.ts";
import { TurnMetrics } from "../turn-metrics.ts";
import { TextToSpeechStage } from "./text-to-speech.ts";

describe("TextToSpeechStage and the call clock", () => {
  it("gives its speaker the call clock (wall ms × call-clock speed), on which Deepgram's limits are counted", () => {
    let listener: TextToSpeechListener | undefined;
    const speaker: TextToSpeech = { connect: async () => {}, speak: () => {}, clear: () => {}, close: async () => {}, stats: { characters: 0, reconnects: 0 } };
    const stage = new TextToSpeechStage(
      (l) => ((listener = l), speaker),
      { metrics: new TurnMetrics(), ledger: new SpeechLedger(), onFailure: () => {}, speed: 20 },
    );
    let nowMs = 1_000;
    stage.attach({ push: () => {}, broadcast: () => {}, now: () => nowMs });
    expect(listener!.callClockMs!()).toBe(20_000);
    nowMs = 4_000; // three wall seconds: a minute of call time
    expect(listener!.callClockMs!()).toBe(80_000);
  });
});
