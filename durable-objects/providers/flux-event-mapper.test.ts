import { describe, expect, it } from "vitest";
import type { FluxTurnInfoMessage } from "./deepgram-flux-messages.ts";
import { FluxEventMapper } from "./flux-event-mapper.ts";
import type { FluxTurnInfo, SpeechToTextListener } from "./provider-types.ts";

function recorder() {
  const calls: string[] = [];
  const turns: FluxTurnInfo[] = [];
  const listener: SpeechToTextListener = {
    speechStarted: (ms) => calls.push(`speechStarted@${ms}`),
    transcript: (t) => calls.push(`interim:${t.text}`),
    utteranceEnd: () => calls.push("utteranceEnd"),
    failed: () => calls.push("failed"),
    turnInfo: (t) => {
      calls.push(`${t.event}#${t.turnIndex}:${t.transcript}`);
      turns.push(t);
    },
  };
  return { mapper: new FluxEventMapper(listener), calls, turns };
}

const info = (event: FluxTurnInfoMessage["event"], transcript: string, over: Partial<FluxTurnInfoMessage> = {}): FluxTurnInfoMessage => ({
  type: "TurnInfo",
  sequence_id: 1,
  event,
  turn_index: 0,
  audio_window_start: 0,
  audio_window_end: 2,
  transcript,
  words: transcript ? transcript.split(" ").map((word, i) => ({ word, confidence: 0.9, start: 0.5 + i * 0.3, end: 0.7 + i * 0.3 })) : [],
  end_of_turn_confidence: 0.5,
  ...over,
});

describe("FluxEventMapper", () => {
  it("maps each event to its listener calls, on the call clock (socket time + baseMs), numbering turns itself", () => {
    const { mapper, calls, turns } = recorder();
    expect(mapper.turnInfo(info("Update", ""), 1000)).toBe(3000); // no turn open: the audio heard is settled
    expect(mapper.turnInfo(info("StartOfTurn", "Hi"), 1000)).toBeUndefined();
    mapper.turnInfo(info("Update", "Hi there"), 1000);
    mapper.turnInfo(info("Update", "Hi there"), 1000); // unchanged: no second interim
    mapper.turnInfo(info("EagerEndOfTurn", "Hi there"), 1000);
    expect(mapper.turnInfo(info("EndOfTurn", "Hi there", { audio_window_end: 2.3 }), 1000)).toBe(3300);
    mapper.turnInfo(info("StartOfTurn", "Bye", { turn_index: 0 }), 5000); // a replacement socket restarts at 0
    expect(calls).toEqual([
      "speechStarted@1500",
      "StartOfTurn#0:Hi",
      "interim:Hi",
      "interim:Hi there",
      "EagerEndOfTurn#0:Hi there",
      "EndOfTurn#0:Hi there",
      "speechStarted@5500",
      "StartOfTurn#1:Bye",
      "interim:Bye",
    ]);
    expect(turns[2]!.words).toEqual([
      { word: "Hi", startMs: 1500, endMs: 1700 },
      { word: "there", startMs: 1800, endMs: 2000 },
    ]);
  });

  it("after a replay: drops a repeated StartOfTurn or eager; a changed eager or end goes after a TurnResumed", () => {
    const { mapper, calls } = recorder();
    mapper.turnInfo(info("StartOfTurn", "I want"), 0);
    mapper.turnInfo(info("EagerEndOfTurn", "I want"), 0);
    mapper.turnInfo(info("StartOfTurn", "I want"), 0);
    mapper.turnInfo(info("EagerEndOfTurn", "I want"), 0);
    mapper.turnInfo(info("EagerEndOfTurn", "I want a table"), 0);
    mapper.turnInfo(info("EndOfTurn", "I want a table please"), 0);
    mapper.turnInfo(info("TurnResumed", ""), 0);
    expect(calls.filter((c) => !c.startsWith("interim") && !c.startsWith("speechStarted"))).toEqual([
      "StartOfTurn#0:I want",
      "EagerEndOfTurn#0:I want",
      "TurnResumed#0:I want a table",
      "EagerEndOfTurn#0:I want a table",
      "TurnResumed#0:I want a table please",
      "EndOfTurn#0:I want a table please",
    ]);
    expect(mapper.duplicatesDropped).toBe(3);
  });

  it("words without times share the audio window evenly", () => {
    const { mapper, turns } = recorder();
    mapper.turnInfo(info("StartOfTurn", "a b", { audio_window_start: 1, audio_window_end: 2, words: [{ word: "a", confidence: 1 }, { word: "b", confidence: 1 }] }), 0);
    expect(turns[0]!.words).toEqual([
      { word: "a", startMs: 1000, endMs: 1500 },
      { word: "b", startMs: 1500, endMs: 2000 },
    ]);
  });
});
