import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LanguageModel, LlmEvent, LlmRequest } from "../providers/provider-types.ts";
import { messageBudget, messageTokens } from "./context-budget.ts";
import { fakeCall } from "./testing/fake-call.ts";
import { RETAINED_TURNS } from "./voice-pipeline.ts";

const TWO_HOURS_MS = 2 * 60 * 60 * 1000;
const SAMPLE_EVERY_MS = 10 * 60 * 1000;
const SENTENCE = "We have openings on most weekdays, and the hygienist can see you in the morning. ";

/** Answers at once with a reply of several sentences; keeps only the size of the largest history it was sent. */
class ChattyModel implements LanguageModel {
  largestHistoryTokens = 0;
  async *stream(request: LlmRequest): AsyncIterable<LlmEvent> {
    this.largestHistoryTokens = Math.max(this.largestHistoryTokens, request.messages.reduce((n, m) => n + messageTokens(m), 0));
    yield { type: "text", text: SENTENCE.repeat(16) };
    yield { type: "stop", reason: "end_turn" };
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse("2026-01-05T09:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a two-hour call keeps every per-call structure bounded", () => {
  it("ledger, turn metrics, history, observers and playback stay within fixed sizes from the first ten minutes to the last", async () => {
    const llm = new ChattyModel();
    const call = fakeCall({ llm, stepMs: 100, ttsBytesPerChar: 1 });
    const { pipeline } = call;
    const budget = messageBudget({ modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0", system: "Be brief.", tools: [], temperature: 0.5, maxTokens: 200, promptCaching: false });
    const started = Date.now();
    await call.say("Hi, Acme Dental, how can I help?", "greeting");
    const baseline = pipeline.footprint().observers;
    const samples: ReturnType<typeof pipeline.footprint>[] = [];
    let nextSample = started + SAMPLE_EVERY_MS;
    let turns = 0;
    let bargeIns = 0;
    while (Date.now() - started < TWO_HOURS_MS) {
      turns++;
      const question = `Question ${turns}: ${"Could you tell me a little more about your cleaning appointments? ".repeat(16)}`;
      if (turns % 5 === 0) {
        // The caller cuts the agent off mid-reply: the interrupt path closes turns too.
        await call.lineAudio(1_000);
        call.stt.say(question, pipeline.clock.audioMs);
        const media = call.sink.media;
        await call.until(() => call.sink.media > media + 3);
        pipeline.interrupt("barge_in");
        bargeIns++;
      } else {
        await call.ask(question);
      }
      if (turns % 10 === 0) {
        // Something waits for one line to be heard (as a transfer's hold line does), then stops observing.
        const turnId = pipeline.say("Please hold on a moment.", "silence");
        let heard = false;
        const stop = pipeline.observe((frame) => {
          if (frame.kind !== "playback_done" || frame.turnId !== turnId) return;
          stop();
          heard = true;
        });
        await call.until(() => heard);
      }
      await call.lineAudio(20_000);
      if (Date.now() >= nextSample) {
        samples.push(pipeline.footprint());
        nextSample += SAMPLE_EVERY_MS;
      }
    }

    expect(turns).toBeGreaterThan(250);
    expect(bargeIns).toBeGreaterThan(50);
    expect(samples.length).toBeGreaterThanOrEqual(11);
    // Each reply is about twenty chunks; only the last RETAINED_TURNS turns' are kept.
    const chunksPerTurn = 24;
    for (const sample of samples) {
      expect(sample.ledgerChunks).toBeLessThanOrEqual((RETAINED_TURNS + 2) * chunksPerTurn);
      expect(sample.turnMetrics).toBeLessThanOrEqual(RETAINED_TURNS + 2);
      expect(sample.observers).toBe(baseline);
      expect(sample.playbackBacklog).toBe(0);
    }
    // The history was trimmed (two hours of this is well over the budget), and no request passed it.
    expect(pipeline.conversation.history.length).toBeGreaterThan(samples.at(-1)!.historyMessages);
    expect(llm.largestHistoryTokens).toBeLessThanOrEqual(budget);
    expect(llm.largestHistoryTokens).toBeGreaterThan(budget / 2);
    expect(call.stageErrors).toEqual([]);
    expect(call.failures).toEqual([]);

    await pipeline.close("hangup");
    expect(pipeline.footprint().observers).toBe(0);
  }, 120_000);
});
