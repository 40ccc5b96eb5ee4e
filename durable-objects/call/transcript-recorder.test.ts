import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SpeechLedger } from "../pipeline/speech-ledger.ts";
import { TurnMetrics } from "../pipeline/turn-metrics.ts";
import { CallStore } from "./call-store.ts";
import { toolRound } from "./tool-turn.ts";
import { TranscriptRecorder } from "./transcript-recorder.ts";

/** A recorder on the storage of a fresh call object, with the ledger playback would fill. */
const withRecorder = (name: string, fn: (r: { store: CallStore; ledger: SpeechLedger; recorder: TranscriptRecorder; sql: SqlStorage }) => void) =>
  runInDurableObject(env.CALL_SESSION.get(env.CALL_SESSION.idFromName(name)), (_instance, state) => {
    const store = new CallStore(state.storage.sql);
    const ledger = new SpeechLedger();
    fn({ store, ledger, recorder: new TranscriptRecorder(store, ledger, new TurnMetrics()), sql: state.storage.sql });
  });

const rows = (store: CallStore) => store.turns().map((t) => ({ role: t.role, text: t.text, interrupted: t.interrupted, ended: t.endedAt !== null }));

describe("TranscriptRecorder agent turns", () => {
  it("writes a reply once its audio starts, holding what has been sent; a restart leaves it interrupted with those words", async () => {
    await withRecorder("recorder-restart", ({ store, ledger, recorder }) => {
      recorder.observe({ kind: "user_turn", turnId: 0, text: "Are you open on Saturday?", speechEndedAudioMs: 0, tentative: false });
      recorder.observe({ kind: "reply_delta", turnId: 1, text: "Yes, we're open on Saturday. From nine until one." });
      expect(rows(store)).toEqual([{ role: "caller", text: "Are you open on Saturday?", interrupted: false, ended: false }]);
      ledger.said(1, 0, "Yes, we're open on Saturday.");
      ledger.said(1, 1, "From nine until one.");
      recorder.observe({ kind: "chunk_audible", turnId: 1, chunkId: 0 });
      expect(rows(store).at(-1)).toEqual({ role: "agent", text: "Yes, we're open on Saturday.", interrupted: false, ended: false });
      recorder.observe({ kind: "chunk_audible", turnId: 1, chunkId: 1 });
      expect(rows(store).at(-1)!.text).toBe("Yes, we're open on Saturday. From nine until one.");
      // The object restarts here: nothing more is observed; the resumed runtime closes what was left open.
      store.interruptOpenTurns();
      expect(rows(store).at(-1)).toEqual({ role: "agent", text: "Yes, we're open on Saturday. From nine until one.", interrupted: true, ended: true });
    });
  });

  it("a reply still playing when the call ends (unmeasured) keeps the words sent, marked interrupted", async () => {
    await withRecorder("recorder-end", ({ store, ledger, recorder }) => {
      ledger.said(0, 0, "Thank you for calling, goodbye!");
      recorder.observe({ kind: "reply_delta", turnId: 0, text: "Thank you for calling, goodbye!" });
      recorder.observe({ kind: "chunk_audible", turnId: 0, chunkId: 0 });
      recorder.observe({ kind: "end", reason: "hangup" }); // no mark came back: nothing is known to be heard
      expect(rows(store)).toEqual([{ role: "agent", text: "Thank you for calling, goodbye!", interrupted: true, ended: true }]);
    });
  });

  it("keeps the heard words of a reply cut short, and no row for one cut before a whole word was heard", async () => {
    await withRecorder("recorder-cut", ({ store, ledger, recorder }) => {
      ledger.said(0, 0, "One moment while I check that.");
      recorder.observe({ kind: "reply_delta", turnId: 0, text: "One moment while I check that." });
      recorder.observe({ kind: "chunk_audible", turnId: 0, chunkId: 0 });
      recorder.observe({ kind: "interrupt", reason: "barge_in", atMs: 0 }); // nothing heard yet
      ledger.said(1, 1, "We open at nine every weekday.");
      recorder.observe({ kind: "reply_delta", turnId: 1, text: "We open at nine every weekday." });
      recorder.observe({ kind: "chunk_audible", turnId: 1, chunkId: 1 });
      ledger.heard(1, 0.5);
      recorder.observe({ kind: "interrupt", reason: "barge_in", atMs: 0 });
      recorder.observe({ kind: "reply_delta", turnId: 2, text: "Never played." });
      recorder.observe({ kind: "interrupt", reason: "new_turn", atMs: 0 });
      expect(rows(store)).toEqual([{ role: "agent", text: "We open at nine", interrupted: true, ended: true }]);
    });
  });
});

describe("TranscriptRecorder tool turns", () => {
  it("stores the call under its toolUseId and then its result: the round the model saw can be rebuilt", async () => {
    await withRecorder("recorder-tool", ({ store, recorder }) => {
      recorder.observe({ kind: "tool_call", turnId: 0, toolUseId: "tu_1", name: "get_weather", input: { city: "Paris" } });
      recorder.observe({ kind: "tool_call", turnId: 0, toolUseId: "tu_2", name: "get_time", input: {} });
      recorder.observe({ kind: "tool_result", turnId: 0, toolUseId: "tu_1", name: "get_weather", status: "success", content: '{"summary":"sunny"}', durationMs: 40 });
      const [weather, time] = store.turns();
      expect(JSON.parse(weather!.text)).toEqual({ name: "get_weather", input: { city: "Paris" }, toolUseId: "tu_1", result: { status: "success", content: '{"summary":"sunny"}' } });
      expect(weather!.timings).toEqual({ duration_ms: 40, ok: 1 });
      expect(toolRound(weather!.text)).toEqual({
        use: { toolUse: { toolUseId: "tu_1", name: "get_weather", input: { city: "Paris" } } },
        result: { toolResult: { toolUseId: "tu_1", content: [{ text: '{"summary":"sunny"}' }], status: "success" } },
      });
      // Cut off before its result: answered as interrupted, so the rebuilt history stays valid.
      expect(toolRound(time!.text)?.result).toEqual({ toolResult: { toolUseId: "tu_2", content: [{ text: "This did not finish: the call was interrupted." }], status: "error" } });
      // A row from before tool rounds were stored whole has no toolUseId: it cannot be paired, so it is left out.
      expect(toolRound(JSON.stringify({ name: "get_weather", input: {} }))).toBeUndefined();
    });
  });

  it("lets go of tool calls cut off before their result, however many turns the call has", async () => {
    await withRecorder("recorder-tool-cut", ({ store, recorder }) => {
      for (let turnId = 0; turnId < 200; turnId++) {
        recorder.observe({ kind: "tool_call", turnId, toolUseId: `tu_${turnId}`, name: "check_calendar", input: {} });
        if (turnId % 2 === 0) recorder.observe({ kind: "interrupt", reason: "barge_in", atMs: 0 });
        else recorder.observe({ kind: "end", reason: "hangup" });
      }
      expect(recorder.openToolCalls).toBe(0);
      // Each row stays, to be read back as interrupted.
      expect(store.turns()).toHaveLength(200);
      // A call whose turn was heard out is let go too; one of a turn still playing keeps waiting for its result.
      recorder.observe({ kind: "tool_call", turnId: 200, toolUseId: "tu_200", name: "check_calendar", input: {} });
      recorder.observe({ kind: "tool_call", turnId: 201, toolUseId: "tu_201", name: "check_calendar", input: {} });
      recorder.observe({ kind: "playback_done", turnId: 200, after: { action: "listen" } });
      expect(recorder.openToolCalls).toBe(1);
      recorder.observe({ kind: "tool_result", turnId: 201, toolUseId: "tu_201", name: "check_calendar", status: "success", content: "{}", durationMs: 5 });
      expect(recorder.openToolCalls).toBe(0);
      expect(store.turns().at(-1)!.timings).toEqual({ duration_ms: 5, ok: 1 });
    });
  });
});

describe("TranscriptRecorder finished turns", () => {
  it("hands each finished turn to turnFinished (the call.transcript webhook): the caller's at its end, the agent's once heard", async () => {
    await runInDurableObject(env.CALL_SESSION.get(env.CALL_SESSION.idFromName("recorder-finished")), (_instance, state) => {
      const store = new CallStore(state.storage.sql);
      const ledger = new SpeechLedger();
      const finished: unknown[] = [];
      const recorder = new TranscriptRecorder(store, ledger, new TurnMetrics(), (turn) => finished.push(turn));
      recorder.observe({ kind: "user_turn", turnId: 0, text: "Are you", speechEndedAudioMs: 0, tentative: true });
      expect(finished).toEqual([]);
      recorder.observe({ kind: "user_turn", turnId: 0, text: "Are you open on Saturday?", speechEndedAudioMs: 0, tentative: false });
      ledger.said(1, 0, "Yes, from nine.");
      recorder.observe({ kind: "reply_delta", turnId: 1, text: "Yes, from nine." });
      recorder.observe({ kind: "chunk_audible", turnId: 1, chunkId: 0 });
      expect(finished).toHaveLength(1); // still playing: not finished
      recorder.observe({ kind: "playback_done", turnId: 1, after: { action: "listen" } });
      expect(finished).toEqual([
        expect.objectContaining({ seq: 1, role: "caller", text: "Are you open on Saturday?", interrupted: false }),
        expect.objectContaining({ seq: 2, role: "agent", text: "Yes, from nine.", interrupted: false }),
      ]);
    });
  });
});
