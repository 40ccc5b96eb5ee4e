import { afterEach, describe, expect, it } from "vitest";
import { latencyProfiles, type LatencyProfile } from "../common/latency-profile.ts";
import { startDeepgramSimulator, type DeepgramSimulator, type DeepgramSimulatorOptions } from "./index.ts";
import { authHeaders, concatBytes, RecordingClient, silenceMulaw, speechMulaw, type Json } from "./test-support.ts";

const FLUX = "model=flux-general-en&encoding=mulaw&sample_rate=8000";
const FIRST = "I would like to book a table for four.";
const SECOND = "Tomorrow evening, please.";

let sim: DeepgramSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function open(opts: DeepgramSimulatorOptions, query: string, callSid: string, utterances: string[]): Promise<RecordingClient> {
  sim = await startDeepgramSimulator({ seed: 7, ...opts });
  for (const text of utterances) sim.registry.expect(callSid, text);
  const client = new RecordingClient(`${sim.wsUrl}/v2/listen?${FLUX}&extra=call_sid:${callSid}&${query}`, { headers: authHeaders() });
  await client.opened;
  return client;
}

const turnEvents = (c: RecordingClient): Json[] => c.ofType("TurnInfo").filter((m) => m["event"] !== "Update");
const eventsOf = (c: RecordingClient): string[] => turnEvents(c).map((m) => String(m["event"]));
/** The instant profile with every pause inside a turn firing an early EagerEndOfTurn (or none). */
const falseEager = (rate: number): LatencyProfile => ({ ...latencyProfiles.instant, flux: { ...latencyProfiles.instant.flux, falseEagerRate: rate } });

describe("/v2/listen: one turn", () => {
  it("sends Connected, StartOfTurn, Updates every ~0.25 s of audio, then EndOfTurn ~260 ms after the speech with the caller's words", async () => {
    const client = await open({}, "", "CA-one", [FIRST]);
    const speech = await speechMulaw(FIRST);
    client.sendAudio(concatBytes(silenceMulaw(500), speech.bytes, silenceMulaw(1000)));
    const end = await client.waitFor((m) => m["event"] === "EndOfTurn");

    const all = client.received.json;
    expect(all[0]).toMatchObject({ type: "Connected", sequence_id: 0, request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(all.map((m) => m["sequence_id"])).toEqual(all.map((_m, i) => i));
    // Without eager_eot_threshold there are no eager events.
    expect(eventsOf(client)).toEqual(["StartOfTurn", "EndOfTurn"]);
    expect(end).toMatchObject({ turn_index: 0, transcript: FIRST, trigger: "model" });
    expect(end["end_of_turn_confidence"]).toBeGreaterThanOrEqual(0.7);
    const words = end["words"] as Json[];
    expect(words.map((w) => w["word"]).join(" ")).toBe(FIRST);
    for (const w of words) expect(w).toMatchObject({ confidence: expect.any(Number), start: expect.any(Number), end: expect.any(Number) });
    const speechEndS = (500 + speech.durationMs) / 1000;
    expect(words.at(-1)!["end"]).toBeCloseTo(speechEndS, 1);
    // The instant profile's fixed 260 ms, in audio time, on the 10 ms VAD grid.
    expect(end["audio_window_end"] - words.at(-1)!["end"]).toBeGreaterThanOrEqual(0.26);
    expect(end["audio_window_end"] - words.at(-1)!["end"]).toBeLessThanOrEqual(0.29);

    const start = turnEvents(client)[0]!;
    expect(start["audio_window_start"]).toBe(0);
    expect(start["audio_window_end"]).toBeCloseTo(0.6, 1);
    const updates = client.ofType("TurnInfo").filter((m) => m["event"] === "Update");
    const during = updates.filter((m) => m["sequence_id"] > start["sequence_id"] && m["sequence_id"] < end["sequence_id"]);
    expect(during.length).toBeGreaterThanOrEqual(Math.floor(speech.durationMs / 250) - 1);
    for (const u of during) expect(FIRST.startsWith(String(u["transcript"]))).toBe(true);
    const gaps = updates.slice(1).map((u, i) => u["audio_window_end"] - updates[i]!["audio_window_end"]);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(0.24);
    expect(sim!.registry.heard("CA-one")).toEqual([FIRST]);
  });

  it("with eager_eot_threshold: EagerEndOfTurn first, and EndOfTurn with exactly its transcript; turn_index increments after it", async () => {
    const client = await open({}, "eager_eot_threshold=0.5", "CA-eager", [FIRST, SECOND]);
    const first = await speechMulaw(FIRST);
    const second = await speechMulaw(SECOND);
    client.sendAudio(concatBytes(silenceMulaw(300), first.bytes, silenceMulaw(800), second.bytes, silenceMulaw(800)));
    await client.waitFor((m) => m["event"] === "EndOfTurn" && m["turn_index"] === 1);

    expect(eventsOf(client)).toEqual(["StartOfTurn", "EagerEndOfTurn", "EndOfTurn", "StartOfTurn", "EagerEndOfTurn", "EndOfTurn"]);
    const [, eager0, end0, start1, eager1, end1] = turnEvents(client);
    expect(eager0!["transcript"]).toBe(FIRST);
    expect(end0!["transcript"]).toBe(eager0!["transcript"]);
    expect(eager0!["audio_window_end"]).toBeLessThan(end0!["audio_window_end"]);
    expect(eager0!["end_of_turn_confidence"]).toBeGreaterThanOrEqual(0.5);
    expect([start1!["turn_index"], eager1!["transcript"], end1!["transcript"], end1!["turn_index"]]).toEqual([1, SECOND, SECOND, 1]);
    expect(start1!["audio_window_start"]).toBe(end0!["audio_window_end"]);
  });
});

describe("/v2/listen: end-of-turn settings", () => {
  const silenceBeforeEnd = async (query: string, callSid: string): Promise<{ end: Json; silenceS: number }> => {
    const client = await open({}, query, callSid, [SECOND]);
    client.sendAudio(concatBytes(silenceMulaw(300), (await speechMulaw(SECOND)).bytes, silenceMulaw(1500)));
    const end = await client.waitFor((m) => m["event"] === "EndOfTurn");
    return { end, silenceS: end["audio_window_end"] - (end["words"] as Json[]).at(-1)!["end"] };
  };

  it("a higher eot_threshold waits longer (×1.3 at 0.9 over the default 0.7)", async () => {
    const { end, silenceS } = await silenceBeforeEnd("eot_threshold=0.9", "CA-strict");
    expect(end["trigger"]).toBe("model");
    expect(silenceS).toBeGreaterThanOrEqual(0.337);
    expect(silenceS).toBeLessThanOrEqual(0.37);
  });

  it("eot_threshold 1.0 leaves the turn to eot_timeout_ms (trigger timeout)", async () => {
    const { end, silenceS } = await silenceBeforeEnd("eot_threshold=1.0&eot_timeout_ms=800", "CA-timeout");
    expect(end["trigger"]).toBe("timeout");
    expect(silenceS).toBeGreaterThanOrEqual(0.799);
    expect(silenceS).toBeLessThanOrEqual(0.83);
  });
});

describe("/v2/listen: pauses inside a turn", () => {
  const paused = async (rate: number, callSid: string): Promise<RecordingClient> => {
    const client = await open({ profile: falseEager(rate) }, "eager_eot_threshold=0.5", callSid, [FIRST, SECOND]);
    // 180 ms: past the VAD's 150 ms hangover (a pause), short of the instant profile's 220 ms eager and 260 ms end of turn.
    client.sendAudio(concatBytes(silenceMulaw(300), (await speechMulaw(FIRST)).bytes, silenceMulaw(180), (await speechMulaw(SECOND)).bytes, silenceMulaw(800)));
    await client.waitFor((m) => m["event"] === "EndOfTurn");
    return client;
  };

  it("a false eager (rate 1): EagerEndOfTurn at the pause, TurnResumed when the caller goes on, then one turn with both", async () => {
    const client = await paused(1, "CA-false");
    expect(eventsOf(client)).toEqual(["StartOfTurn", "EagerEndOfTurn", "TurnResumed", "EagerEndOfTurn", "EndOfTurn"]);
    const events = turnEvents(client);
    expect(events[1]!["transcript"]).toBe(FIRST);
    expect(events.at(-1)).toMatchObject({ turn_index: 0, transcript: `${FIRST} ${SECOND}` });
    expect(sim!.stats().flux).toMatchObject({ eagerEndOfTurnsSent: 2, turnResumedSent: 1, endOfTurnsSent: 1 });
  });

  it("rate 0: the same short pause fires nothing until the turn ends", async () => {
    const client = await paused(0, "CA-calm");
    expect(eventsOf(client)).toEqual(["StartOfTurn", "EagerEndOfTurn", "EndOfTurn"]);
    expect(turnEvents(client).at(-1)!["transcript"]).toBe(`${FIRST} ${SECOND}`);
  });
});

describe("/v2/listen: control messages and limits", () => {
  it("Configure updates thresholds (ConfigureSuccess echoes them) and refuses bad ones (ConfigureFailure)", async () => {
    const client = await open({}, "", "CA-cfg", []);
    client.sendJson({ type: "Configure", thresholds: { eot_threshold: 0.8, eager_eot_threshold: 0.4 }, keyterms: ["Acme"] });
    const ok = await client.waitFor((m) => m["type"] === "ConfigureSuccess");
    expect(ok).toMatchObject({ thresholds: { eot_threshold: 0.8, eager_eot_threshold: 0.4, eot_timeout_ms: 5000 }, keyterms: ["Acme"] });
    client.sendJson({ type: "Configure", thresholds: { eager_eot_threshold: 0.85 } });
    expect(await client.waitFor((m) => m["type"] === "ConfigureFailure")).toMatchObject({ request_id: expect.any(String), sequence_id: expect.any(Number) });
  });

  it("ForceEndTurn ends the turn under way at once (trigger manual); CloseStream sends a last Update and closes with no status code", async () => {
    const client = await open({}, "", "CA-force", [FIRST]);
    const speech = await speechMulaw(FIRST);
    client.sendAudio(concatBytes(silenceMulaw(300), speech.bytes.subarray(0, Math.floor(speech.bytes.length / 2))));
    await client.waitFor((m) => m["event"] === "StartOfTurn");
    client.sendJson({ type: "ForceEndTurn" });
    const end = await client.waitFor((m) => m["event"] === "EndOfTurn");
    expect(end["trigger"]).toBe("manual");
    expect(FIRST.startsWith(String(end["transcript"])), String(end["transcript"])).toBe(true);
    client.sendJson({ type: "CloseStream" });
    expect((await client.closed).code).toBe(1005);
    expect(client.received.json.at(-1)).toMatchObject({ type: "TurnInfo", event: "Update", turn_index: 1 });
  });

  it.each([["KeepAlive (Nova only)", { type: "KeepAlive" }], ["Finalize (Nova only)", { type: "Finalize" }], ["not JSON", "hello"]])(
    "%s is a fatal UNPARSABLE_CLIENT_MESSAGE",
    async (_label, message) => {
      const client = await open({}, "", "CA-bad", []);
      if (typeof message === "string") client.ws.send(message);
      else client.sendJson(message);
      const closed = await client.closed;
      expect(client.received.json.at(-1)).toMatchObject({ type: "Error", code: "UNPARSABLE_CLIENT_MESSAGE", description: expect.any(String) });
      expect(closed.code).toBe(1003);
      expect(sim!.stats().flux.unparsableMessages).toBe(1);
    },
  );

  it("closes 1011 NET-0001 after the idle timeout without audio; WebSocket pings hold it open", async () => {
    const client = await open({ listenTiming: { idleTimeoutMs: 1_000 } }, "", "CA-idle", []);
    const pinger = setInterval(() => client.ws.ping(), 100);
    // Twelve answered pings span more than the idle timeout: the socket outlived it because of them.
    await new Promise<void>((resolve) => {
      let pongs = 0;
      client.ws.on("pong", () => ++pongs === 12 && resolve());
    });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    clearInterval(pinger);
    expect(await client.closed).toEqual({ code: 1011, reason: "NET-0001" });
    expect(sim!.stats().flux.idleTimeouts).toBe(1);
  });
});
