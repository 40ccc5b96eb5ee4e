import { describe, expect, it } from "vitest";
import { FlushGroup } from "./flush-group.ts";
import type { TextToSpeechListener } from "./provider-types.ts";

function recorder() {
  const bytes = new Map<number, number>();
  const done: number[] = [];
  const listener: TextToSpeechListener = {
    audio: (id, mulaw) => void bytes.set(id, (bytes.get(id) ?? 0) + mulaw.length),
    done: (id) => void done.push(id),
    failed: () => {},
  };
  return { listener, bytes, done };
}
const always = () => true;

function merged(texts: string[]): FlushGroup<string> {
  const group = new FlushGroup<string>({ id: 1, text: texts[0]! });
  texts.slice(1).forEach((text, i) => group.merge(new FlushGroup<string>({ id: i + 2, text })));
  return group;
}

describe("FlushGroup: one Flush's audio shared out between merged chunks", () => {
  it("sends the chunks apart by a space under one Flush", () => {
    expect(merged(["One.", "Two. ", "Three."]).speakTexts()).toEqual(["One. ", "Two. ", "Three."]);
  });

  it("shares the audio by text while it streams, and completes each chunk as the next one's share begins", () => {
    const group = merged(["aaaa", "bbbbbbbb"]);
    const { listener, bytes, done } = recorder();
    group.sent("socket", 100); // chunk 1's share: 4 chars × 100 bytes × 0.8 = 320 bytes
    group.accept(new Uint8Array(200));
    group.emit(listener, always);
    // A frame (160 bytes) stays held for chunk 2 until the Flush is complete.
    expect(bytes.get(1)).toBe(40);
    group.accept(new Uint8Array(600));
    group.emit(listener, always);
    expect(done).toEqual([1]);
    expect(bytes.get(1)).toBe(320);
    group.flushed = true;
    group.finish(listener, always);
    expect(bytes.get(2)).toBe(480);
    expect(done).toEqual([1, 2]);
  });

  it("leaves no chunk without audio when the estimate was far too high", () => {
    const group = merged(["aaaa", "bbbb", "cccc"]);
    const { listener, bytes, done } = recorder();
    group.sent("socket", 10_000);
    for (let i = 0; i < 10; i++) {
      group.accept(new Uint8Array(100));
      group.emit(listener, always);
    }
    group.flushed = true;
    group.finish(listener, always);
    expect([bytes.get(1), bytes.get(2), bytes.get(3)]).toEqual([680, 160, 160]);
    expect(done).toEqual([1, 2, 3]);
  });

  it("a resent group resumes past the audio already delivered", () => {
    const group = new FlushGroup<string>({ id: 7, text: "Hello there." });
    const { listener, bytes } = recorder();
    group.sent("first", 500);
    group.accept(new Uint8Array(300));
    group.emit(listener, always);
    group.unsent();
    group.sent("second", 500);
    group.accept(new Uint8Array(200));
    group.accept(new Uint8Array(250));
    group.flushed = true;
    group.finish(listener, always);
    expect(bytes.get(7)).toBe(450);
  });
});
