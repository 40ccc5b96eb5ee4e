import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";
import { authHeaders, concatBytes, RecordingClient, silenceMulaw, speechMulaw, transcriptOf, utteranceText, type Json } from "./test-support.ts";

const TEXT = "Hi, I would like to book a table for four people tomorrow evening.";
const QUERY = "model=nova-3&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true&punctuate=true";

let sim: DeepgramSimulator;
beforeAll(async () => {
  sim = await startDeepgramSimulator({ seed: 42 });
});
afterAll(() => sim.close());
beforeEach(() => sim.registry.clear());

const open = async (query: string): Promise<RecordingClient> => {
  const client = new RecordingClient(`${sim.wsUrl}/v1/listen?${query}`, { headers: authHeaders() });
  await client.opened;
  return client;
};
const results = (c: RecordingClient): Json[] => c.ofType("Results");
const words = (m: Json): Json[] => m["channel"]["alternatives"][0]["words"] as Json[];

describe("listen: one utterance sent faster than real time", () => {
  it("emits SpeechStarted, growing interims, one speech_final with the caller's words, then UtteranceEnd", async () => {
    sim.registry.expect("CA-one", TEXT);
    const client = await open(`${QUERY}&extra=call_sid:CA-one`);
    const speech = await speechMulaw(TEXT);
    client.sendAudio(concatBytes(silenceMulaw(500), speech.bytes, silenceMulaw(1500)));
    const end = await client.waitFor((m) => m["type"] === "UtteranceEnd");
    const speechEndS = (500 + speech.durationMs) / 1000;

    const types = client.received.json.map((m) => m["type"]);
    expect(types[0]).toBe("SpeechStarted");
    expect(client.ofType("SpeechStarted")).toHaveLength(1);
    expect(client.ofType("SpeechStarted")[0]!["timestamp"]).toBeCloseTo(0.5, 1);
    expect(client.ofType("SpeechStarted")[0]!["channel"]).toEqual([0, 1]);

    const interims = results(client).filter((m) => !m["is_final"]);
    expect(interims.length).toBeGreaterThanOrEqual(5);
    const counts = interims.map((m) => words(m).length);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)!).toBeGreaterThan(counts[0]!);
    for (const m of interims) {
      expect(TEXT.startsWith(transcriptOf(m))).toBe(true);
      expect(m["speech_final"]).toBe(false);
    }

    const finals = results(client).filter((m) => m["is_final"]);
    const speechFinal = finals.filter((m) => m["speech_final"]);
    expect(speechFinal).toHaveLength(1);
    const final = speechFinal[0]!;
    expect(transcriptOf(final)).toBe(TEXT);
    expect(utteranceText(client.received.json)).toBe(TEXT);
    expect(final["from_finalize"]).toBe(false);
    expect(final["channel_index"]).toEqual([0, 1]);
    expect(final["start"]).toBe(0);
    // The endpoint: the end of speech plus `endpointing` of silence, in audio time.
    expect(final["start"] + final["duration"]).toBeCloseTo(speechEndS + 0.3, 1);
    expect(final["metadata"]).toMatchObject({ request_id: expect.stringMatching(/^[0-9a-f-]{36}$/), model_info: { arch: "nova-3" } });

    const w = words(final);
    expect(w.map((x) => x["punctuated_word"]).join(" ")).toBe(TEXT);
    expect(w[0]).toMatchObject({ word: "hi", punctuated_word: "Hi," });
    expect(w[0]!["start"]).toBeGreaterThanOrEqual(0.45);
    expect(w.at(-1)!["end"]).toBeLessThanOrEqual(speechEndS + 0.05);
    expect(w.at(-1)!["end"]).toBeGreaterThan(speechEndS - 0.3);
    for (let i = 1; i < w.length; i++) expect(w[i]!["start"]).toBeGreaterThanOrEqual(w[i - 1]!["end"]);
    for (const x of w) expect(x["confidence"]).toBeGreaterThan(0.8);

    expect(types.indexOf("UtteranceEnd")).toBeGreaterThan(types.lastIndexOf("Results") - 1);
    expect(end["last_word_end"]).toBe(w.at(-1)!["end"]);
    expect(sim.registry.heard("CA-one")).toEqual([TEXT]);
    expect(sim.registry.pending("CA-one")).toEqual([]);
    client.ws.close();
  });

  it("without punctuate/smart_format sends lowercase words and no punctuated_word", async () => {
    sim.registry.expect("CA-plain", "Hello There!");
    const client = await open("model=nova-3&encoding=mulaw&sample_rate=8000&endpointing=300&extra=call_sid:CA-plain");
    client.sendAudio(concatBytes((await speechMulaw("Hello There!")).bytes, silenceMulaw(500)));
    const final = await client.waitFor((m) => m["speech_final"] === true);
    expect(transcriptOf(final)).toBe("hello there");
    expect(words(final)[0]).not.toHaveProperty("punctuated_word");
    // Without interim_results there are no interims, and without vad_events no SpeechStarted.
    expect(results(client).every((m) => m["is_final"])).toBe(true);
    expect(client.ofType("SpeechStarted")).toEqual([]);
    client.ws.close();
  });

  it("keeps spans contiguous: each final starts where the previous one ended", async () => {
    sim.registry.expect("CA-spans", "First thing.");
    sim.registry.expect("CA-spans", "Second thing.");
    const client = await open(`${QUERY}&extra=call_sid:CA-spans`);
    const a = await speechMulaw("First thing.");
    const b = await speechMulaw("Second thing.");
    client.sendAudio(concatBytes(silenceMulaw(3500), a.bytes, silenceMulaw(1200), b.bytes, silenceMulaw(1200)));
    await client.waitFor((m) => m["type"] === "UtteranceEnd" && m["last_word_end"] > 5);
    const finals = results(client).filter((m) => m["is_final"]);
    expect(finals.map(transcriptOf).filter((t) => t)).toEqual(["First thing.", "Second thing."]);
    // 3.5 s of leading silence yields an empty final first ("silent audio still yields empty Results").
    expect(transcriptOf(finals[0]!)).toBe("");
    let cursor = 0;
    for (const f of finals) {
      expect(f["start"]).toBeCloseTo(cursor, 3);
      cursor = f["start"] + f["duration"];
    }
    expect(client.ofType("UtteranceEnd")).toHaveLength(2);
    client.ws.close();
  });
});

describe("listen: endpointing=false", () => {
  it("finalises the segment without speech_final and leaves the turn end to UtteranceEnd", async () => {
    sim.registry.expect("CA-noep", "No endpointing here.");
    const c = await open("model=nova-3&encoding=mulaw&sample_rate=8000&interim_results=true&endpointing=false&utterance_end_ms=1000&punctuate=true&extra=call_sid:CA-noep");
    c.sendAudio(concatBytes((await speechMulaw("No endpointing here.")).bytes, silenceMulaw(1500)));
    await c.waitFor((m) => m["type"] === "UtteranceEnd");
    expect(results(c).some((m) => m["speech_final"])).toBe(false);
    const final = results(c).find((m) => m["is_final"] && transcriptOf(m));
    expect(transcriptOf(final!)).toBe("No endpointing here.");
    expect(sim.registry.heard("CA-noep")).toEqual(["No endpointing here."]);
    c.ws.close();
  });
});

describe("listen: word routing through the utterance registry", () => {
  it("never mixes words between concurrent streams of different calls", async () => {
    const textA = "I want to cancel my subscription.";
    const textB = "What time do you open on Sunday?";
    sim.registry.expect("CA-A", textA);
    sim.registry.expect("CA-B", textB);
    const [a, b] = await Promise.all([open(`${QUERY}&extra=call_sid:CA-A`), open(`${QUERY}&extra=call_sid:CA-B`)]);
    const [sa, sb] = await Promise.all([speechMulaw(textA), speechMulaw(textB)]);
    const audioA = concatBytes(silenceMulaw(200), sa.bytes, silenceMulaw(600));
    const audioB = concatBytes(silenceMulaw(400), sb.bytes, silenceMulaw(600));
    for (let i = 0; i < Math.max(audioA.length, audioB.length); i += 160) {
      if (i < audioA.length) a.ws.send(audioA.subarray(i, i + 160));
      if (i < audioB.length) b.ws.send(audioB.subarray(i, i + 160));
    }
    const [fa, fb] = await Promise.all([a.waitFor((m) => m["speech_final"] === true), b.waitFor((m) => m["speech_final"] === true)]);
    expect(transcriptOf(fa)).toBe(textA);
    expect(transcriptOf(fb)).toBe(textB);
    for (const m of results(a)) expect(textA.startsWith(transcriptOf(m))).toBe(true);
    for (const m of results(b)) expect(textB.startsWith(transcriptOf(m))).toBe(true);
    a.ws.close();
    b.ws.close();
  });

  it("a stream that drops mid-utterance leaves it for the reopened stream", async () => {
    sim.registry.expect("CA-re", TEXT);
    sim.registry.expect("CA-re", "And a second sentence.");
    const speech = await speechMulaw(TEXT);
    const first = await open(`${QUERY}&extra=call_sid:CA-re`);
    first.sendAudio(concatBytes(silenceMulaw(200), speech.bytes.subarray(0, speech.bytes.length / 2)));
    const interim = await first.waitFor((m) => m["type"] === "Results" && transcriptOf(m).length > 0);
    expect(TEXT.startsWith(transcriptOf(interim))).toBe(true);
    first.ws.terminate();
    await first.closed;
    expect(sim.registry.pending("CA-re")).toEqual([TEXT, "And a second sentence."]);

    // The platform replays its buffered audio on the new stream; timestamps restart at 0.
    const second = await open(`${QUERY}&extra=call_sid:CA-re`);
    second.sendAudio(concatBytes(silenceMulaw(200), speech.bytes, silenceMulaw(600)));
    const final = await second.waitFor((m) => m["speech_final"] === true);
    expect(transcriptOf(final)).toBe(TEXT);
    expect(second.ofType("SpeechStarted")[0]!["timestamp"]).toBeCloseTo(0.2, 1);
    expect(sim.registry.pending("CA-re")).toEqual(["And a second sentence."]);
    second.ws.close();
  });

  it("streams without call_sid use the default queue from the control API, then a deterministic placeholder", async () => {
    const set = await fetch(`${sim.url}/__control/transcripts`, { method: "POST", body: JSON.stringify({ transcripts: ["Default words here."] }) });
    expect(set.status).toBe(200);
    const speech = await speechMulaw("some other audio entirely");
    const heard: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await open(QUERY);
      c.sendAudio(concatBytes(speech.bytes, silenceMulaw(600)));
      heard.push(transcriptOf(await c.waitFor((m) => m["speech_final"] === true)));
      c.ws.close();
    }
    expect(heard[0]).toBe("Default words here.");
    expect(heard[1]!.split(" ").length).toBeGreaterThanOrEqual(2);
    expect(heard[2]).toBe(heard[1]);
  });
});

describe("listen: audio formats", () => {
  it("decodes linear16 at 16 kHz split at odd byte boundaries, and a WAV stream without encoding", async () => {
    const { synthesizeSpeech } = await import("../common/speech-audio.ts");
    const speech = await synthesizeSpeech("Testing wide band audio.", { sampleRate: 16000 });
    const pcm = new Uint8Array(speech.pcm.buffer.slice(0));
    const tail = new Uint8Array(16000 * 2 * 0.6);
    sim.registry.expect("CA-l16", "Testing wide band audio.");
    const a = await open("model=nova-3&encoding=linear16&sample_rate=16000&endpointing=300&punctuate=true&extra=call_sid:CA-l16");
    a.sendAudio(concatBytes(pcm, tail), 333);
    expect(transcriptOf(await a.waitFor((m) => m["speech_final"] === true))).toBe("Testing wide band audio.");
    a.ws.close();

    const { wavHeader } = await import("./speech-encoder.ts");
    sim.registry.expect("CA-wav", "Testing wide band audio.");
    const b = await open("model=nova-3&endpointing=300&punctuate=true&extra=call_sid:CA-wav");
    b.sendAudio(concatBytes(wavHeader("linear16", 16000, pcm.length + tail.length), pcm, tail), 1000);
    expect(transcriptOf(await b.waitFor((m) => m["speech_final"] === true))).toBe("Testing wide band audio.");
    b.ws.close();
  });

  it("closes with 1008 DATA-0000 when containerless audio has no encoding", async () => {
    const c = await open("model=nova-3");
    c.sendAudio(silenceMulaw(100));
    expect(await c.closed).toEqual({ code: 1008, reason: "DATA-0000" });
  });

  it("CloseStream flushes, then sends Metadata describing the audio, then closes 1000", async () => {
    const c = await open(QUERY);
    const audio = concatBytes(silenceMulaw(300), (await speechMulaw("Just checking.")).bytes, silenceMulaw(120));
    c.sendAudio(audio);
    c.sendJson({ type: "CloseStream" });
    expect(await c.closed).toEqual({ code: 1000, reason: "" });
    const last = c.received.json.at(-1)!;
    expect(last["type"]).toBe("Metadata");
    expect(last).toMatchObject({ transaction_key: "deprecated", channels: 1, sha256: createHash("sha256").update(audio).digest("hex") });
    expect(last["duration"]).toBeCloseTo(audio.length / 8000, 2);
    expect(last["models"]).toHaveLength(1);
    expect(last["request_id"]).toBe(results(c)[0]!["metadata"]["request_id"]);
    const flushed = results(c).at(-1)!;
    expect(flushed["is_final"]).toBe(true);
    expect(transcriptOf(flushed).split(" ").length).toBe(2);
  });
});
