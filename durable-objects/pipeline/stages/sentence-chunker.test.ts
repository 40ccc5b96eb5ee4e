import { describe, expect, it } from "vitest";
import type { Frame } from "../frames.ts";
import { SentenceChunkerStage } from "./sentence-chunker.ts";

function chunker(opts: { firstChunkMinChars?: number; sentenceMinChars?: number; maxChars?: number } = {}) {
  let chunkId = 0;
  const out: Frame[] = [];
  const stage = new SentenceChunkerStage({ ...opts, nextChunkId: () => chunkId++ });
  stage.attach({ push: (f) => out.push(f), broadcast: () => {}, now: () => 0 });
  const spoken = () => out.flatMap((f) => (f.kind === "speak" ? [f.text] : []));
  /** Feeds the reply the way the model streams it: word by word. */
  const stream = (text: string, turnId = 1) => {
    for (const word of text.split(/(?<= )/)) stage.handle({ kind: "reply_delta", turnId, text: word });
  };
  return { stage, out, spoken, stream };
}

describe("SentenceChunkerStage", () => {
  it("flushes the first clause as soon as it has enough characters, before the sentence ends", () => {
    const c = chunker({ firstChunkMinChars: 12 });
    c.stream("Sure, ");
    expect(c.spoken()).toEqual([]); // "Sure," alone is too short to sound natural
    c.stream("we open at nine, ");
    expect(c.spoken()).toEqual(["Sure, we open at nine,"]);
    c.stream("and close at five on weekdays");
    expect(c.spoken()).toHaveLength(1); // the rest waits for its sentence end
  });

  it("then sends whole sentences of at least the sentence minimum, and the rest at the reply's end", () => {
    const c = chunker({ firstChunkMinChars: 12, sentenceMinChars: 40 });
    c.stream("Sure, we open at nine, and close at five. Yes. We are also open on Saturdays until noon. See you ");
    expect(c.spoken()).toEqual(["Sure, we open at nine,", "and close at five. Yes. We are also open on Saturdays until noon."]);
    c.stage.handle({ kind: "reply_done", turnId: 1, after: { action: "listen" } });
    expect(c.spoken().at(-1)).toBe("See you");
    expect(c.out.at(-1)).toEqual({ kind: "reply_done", turnId: 1, after: { action: "listen" } });
    const ids = c.out.flatMap((f) => (f.kind === "speak" ? [f.chunkId] : []));
    expect(ids).toEqual([0, 1, 2]);
  });

  it("does not split at abbreviations, initials, times or numbers", () => {
    const c = chunker({ firstChunkMinChars: 4, sentenceMinChars: 10 });
    c.stream("Dr. Lee can see you. ");
    expect(c.spoken()).toEqual(["Dr. Lee can see you."]);
    c.stream("Your appointment with Mrs. J. Smith is at 9 a.m. on the 3rd, and it costs $1,250.50 in total. ");
    expect(c.spoken()).toEqual(["Dr. Lee can see you.", "Your appointment with Mrs. J. Smith is at 9 a.m. on the 3rd, and it costs $1,250.50 in total."]);
  });

  it("cuts a long run without punctuation at a word boundary", () => {
    const c = chunker({ maxChars: 30 });
    c.stream("one two three four five six seven eight nine ten eleven ");
    expect(c.spoken()[0]).toBe("one two three four five six");
    expect(c.spoken()[0]!.length).toBeLessThanOrEqual(30);
  });

  it("a flush speaks what is buffered (before a tool runs); an interrupt drops it", () => {
    const c = chunker();
    c.stream("Let me check");
    c.stage.handle({ kind: "reply_flush", turnId: 1 });
    expect(c.spoken()).toEqual(["Let me check"]);
    c.stream("that for you and");
    c.stage.handle({ kind: "interrupt", reason: "barge_in", atMs: 0 });
    c.stage.handle({ kind: "reply_done", turnId: 1, after: { action: "listen" } });
    expect(c.spoken()).toEqual(["Let me check"]);
  });
});
