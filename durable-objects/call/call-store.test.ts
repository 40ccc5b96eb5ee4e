import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { CallStore } from "./call-store.ts";

/** Runs `fn` with the storage of a fresh call object (the store's tables live beside the object's own). */
const withStorage = <T>(name: string, fn: (sql: SqlStorage) => Promise<T> | T) =>
  runInDurableObject(env.CALL_SESSION.get(env.CALL_SESSION.idFromName(name)), (_instance, state) => fn(state.storage.sql));

const rowCount = (sql: SqlStorage) => sql.exec<{ n: number }>("SELECT count(*) AS n FROM turns").one().n;

describe("CallStore turn rows (written behind)", () => {
  it("numbers turns at once and shows them to every read, in order, before they reach storage", async () => {
    await withStorage("store-order", (sql) => {
      const store = new CallStore(sql);
      const caller = store.startTurn("caller", "What time do you open?", "2026-11-24T10:00:00.000Z");
      const agent = store.startTurn("agent", "", "2026-11-24T10:00:01.000Z");
      store.updateTurn(agent, { text: "We open at nine.", endedAt: "2026-11-24T10:00:03.000Z", timings: { v2v_ms: 812 } });
      expect([caller, agent]).toEqual([1, 2]);
      expect(rowCount(sql)).toBe(0); // nothing written yet: no storage write ahead of the reply's audio
      expect(store.turns().map((t) => [t.seq, t.role, t.text, t.timings])).toEqual([
        [1, "caller", "What time do you open?", null],
        [2, "agent", "We open at nine.", { v2v_ms: 812 }],
      ]);
      expect(rowCount(sql)).toBe(2);
    });
  });

  it("writes pending rows right after the current task when asked, and within a second otherwise", async () => {
    await withStorage("store-flush", async (sql) => {
      const store = new CallStore(sql);
      store.startTurn("caller", "Hello?");
      store.flushTurnsSoon();
      expect(rowCount(sql)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(rowCount(sql)).toBe(1);
      // Fake time from here: "within a second" exactly, however busy the machine.
      vi.useFakeTimers();
      try {
        store.startTurn("agent", "Hi!");
        vi.advanceTimersByTime(999);
        expect(rowCount(sql)).toBe(1);
        vi.advanceTimersByTime(1);
        expect(rowCount(sql)).toBe(2);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it("a store opened on existing rows (an object restarted mid-call) continues their numbering", async () => {
    await withStorage("store-resume", (sql) => {
      const first = new CallStore(sql);
      first.startTurn("caller", "One");
      first.startTurn("agent", "Two");
      first.flushTurns();
      const second = new CallStore(sql);
      expect(second.startTurn("caller", "Three")).toBe(3);
      expect(second.turns().map((t) => t.text)).toEqual(["One", "Two", "Three"]);
    });
  });
});
