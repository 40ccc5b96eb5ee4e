import { describe, expect, it } from "vitest";
import { UtteranceRegistry } from "./utterance-registry.ts";

describe("UtteranceRegistry", () => {
  it("queues per call and consumes in order only on consume()", () => {
    const r = new UtteranceRegistry();
    r.expect("CA1", "hello there");
    r.expect("CA1", "book a table");
    r.expect("CA2", "something else");
    const first = r.peek("CA1");
    expect(first?.text).toBe("hello there");
    expect(r.peek("CA1")?.id).toBe(first?.id);
    expect(r.consume(first!)).toBe(true);
    expect(r.consume(first!)).toBe(false);
    expect(r.peek("CA1")?.text).toBe("book a table");
    expect(r.pending("CA2")).toEqual(["something else"]);
    expect(r.heard("CA1")).toEqual(["hello there"]);
  });

  it("keeps a default queue apart from call queues and notifies listeners", () => {
    const r = new UtteranceRegistry();
    const seen: string[] = [];
    const off = r.onHeard((u) => seen.push(u.text));
    r.setDefaultTranscripts(["a", "b"]);
    r.expect("CA1", "c");
    expect(r.peek(undefined)?.text).toBe("a");
    r.consume(r.peek(undefined)!);
    off();
    r.consume(r.peek("CA1")!);
    expect(seen).toEqual(["a"]);
    expect(r.pending()).toEqual(["b"]);
    r.clear();
    expect(r.peek(undefined)).toBeUndefined();
    expect(r.peek("CA1")).toBeUndefined();
  });
});

describe("UtteranceRegistry.upcoming", () => {
  it("lists the queue without consuming it", () => {
    const r = new UtteranceRegistry();
    r.expect("CA1", "one");
    r.expect("CA1", "two");
    expect(r.upcoming("CA1").map((u) => u.text)).toEqual(["one", "two"]);
    expect(r.upcoming("CA2")).toEqual([]);
    expect(r.pending("CA1")).toEqual(["one", "two"]);
  });
});
