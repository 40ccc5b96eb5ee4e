import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encodeMulaw } from "../../shared/audio/mulaw.ts";
import { noiseAudio } from "../common/noise-audio.ts";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";
import { authHeaders, concatBytes, RecordingClient, silenceMulaw, speechMulaw, transcriptOf } from "./test-support.ts";

const QUERY = "model=nova-3&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true&punctuate=true&extra=call_sid:CA-merged";

let sim: DeepgramSimulator;
beforeAll(async () => void (sim = await startDeepgramSimulator({ seed: 42 })));
afterAll(() => sim.close());
beforeEach(() => sim.registry.clear());

/**
 * The scripted caller announces each sound with its audio; the VAD may hear two of them as one segment (a cough
 * inside the endpointing window of an "mm-hm"). Each later sound must still get its own words: before the simulator
 * placed utterances in the audio, the line noise took the cough's (none) and "Thank you, bye!" the line noise's (none).
 */
describe("listen: sounds the VAD merges into one segment", () => {
  for (const gapMs of [100, 1000]) {
    it(`an 'mm-hm', a cough ${gapMs} ms later, line noise, then a sentence: the sentence is transcribed`, async () => {
      const [mmHm, bye] = await Promise.all([speechMulaw("mm-hm"), speechMulaw("Thank you, bye!")]);
      const cough = encodeMulaw(noiseAudio("cough", { seed: 3 }).pcm);
      const lineNoise = encodeMulaw(noiseAudio("line_noise", { seed: 4 }).pcm);
      const client = new RecordingClient(`${sim.wsUrl}/v1/listen?${QUERY}`, { headers: authHeaders() });
      await client.opened;
      const say = (text: string, mulaw: Uint8Array, silenceAfterMs: number) => {
        sim.registry.expect("CA-merged", text, mulaw);
        client.sendAudio(concatBytes(mulaw, silenceMulaw(silenceAfterMs)));
      };
      client.sendAudio(silenceMulaw(500));
      say("mm-hm", mmHm.bytes, gapMs);
      say("", cough, 1500);
      say("", lineNoise, 1500);
      say("Thank you, bye!", bye.bytes, 1500);
      // CloseStream: every result is sent before the socket closes.
      client.sendJson({ type: "CloseStream" });
      await client.closed;

      const speechFinals = client.ofType("Results").filter((m) => m["speech_final"]).map(transcriptOf);
      expect(speechFinals.filter(Boolean)).toEqual(["mm-hm", "Thank you, bye!"]);
      expect(client.ofType("SpeechStarted")).toHaveLength(gapMs === 100 ? 3 : 4);
      expect(sim.registry.pending("CA-merged")).toEqual([]);
    });
  }
});

describe("/v2/listen (Flux): sounds the VAD merges into one segment", () => {
  it("an 'mm-hm', a cough 60 ms later, line noise, then a sentence: the sentence ends a turn with its words", async () => {
    const [mmHm, bye] = await Promise.all([speechMulaw("mm-hm"), speechMulaw("Thank you, bye!")]);
    const cough = encodeMulaw(noiseAudio("cough", { seed: 3 }).pcm);
    const lineNoise = encodeMulaw(noiseAudio("line_noise", { seed: 4 }).pcm);
    const client = new RecordingClient(`${sim.wsUrl}/v2/listen?model=flux-general-en&encoding=mulaw&sample_rate=8000&extra=call_sid:CA-merged`, { headers: authHeaders() });
    await client.opened;
    const say = (text: string, mulaw: Uint8Array, silenceAfterMs: number) => {
      sim.registry.expect("CA-merged", text, mulaw);
      client.sendAudio(concatBytes(mulaw, silenceMulaw(silenceAfterMs)));
    };
    client.sendAudio(silenceMulaw(500));
    say("mm-hm", mmHm.bytes, 60);
    say("", cough, 2000);
    say("", lineNoise, 2000);
    say("Thank you, bye!", bye.bytes, 2000);
    client.sendJson({ type: "CloseStream" });
    await client.closed;

    const ends = client.ofType("TurnInfo").filter((m) => m["event"] === "EndOfTurn").map((m) => String(m["transcript"]));
    expect(ends.filter(Boolean)).toEqual(["mm-hm", "Thank you, bye!"]);
    expect(sim.registry.pending("CA-merged")).toEqual([]);
  });
});
