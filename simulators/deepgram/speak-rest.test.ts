import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWavPcm16, synthesizeSpeech } from "../common/speech-audio.ts";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";

let sim: DeepgramSimulator;
beforeAll(async () => {
  sim = await startDeepgramSimulator({ apiKeys: ["rest-key"] });
});
afterAll(() => sim.close());

const TEXT = "Your appointment is confirmed for Tuesday at nine.";
const post = (query: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${sim.url}/v1/speak?${query}`, { method: "POST", body, headers: { authorization: "Token rest-key", "content-type": "application/json", ...headers } });

describe("speak REST", () => {
  it("streams raw μ-law for container=none with Deepgram's headers", async () => {
    const res = await post("model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000&container=none", JSON.stringify({ text: TEXT }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/mulaw;rate=8000");
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(res.headers.get("dg-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("dg-model-name")).toBe("aura-2-thalia-en");
    expect(res.headers.get("dg-model-uuid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("dg-char-count")).toBe(String(TEXT.length));
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.length).toBe((await synthesizeSpeech(TEXT)).pcm.length);
    expect(String.fromCharCode(...body.subarray(0, 4))).not.toBe("RIFF");
  });

  it("defaults to linear16 in a WAV container at 24 kHz, and accepts text/plain", async () => {
    const res = await post("model=aura-2-thalia-en", "Hello there.", { "content-type": "text/plain" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/wav");
    const wav = parseWavPcm16(new Uint8Array(await res.arrayBuffer()));
    expect(wav?.sampleRate).toBe(24000);
    expect(wav!.pcm.length).toBe((await synthesizeSpeech("Hello there.", { sampleRate: 24000 })).pcm.length);
  });

  it.each([
    ["bad content type", "model=aura-2-thalia-en", JSON.stringify({ text: "hi" }), { "content-type": "application/xml" }, 415],
    ["empty text", "model=aura-2-thalia-en", JSON.stringify({ text: "  " }), {}, 400],
    ["missing text", "model=aura-2-thalia-en", JSON.stringify({}), {}, 400],
    ["over 2000 characters", "model=aura-2-thalia-en", JSON.stringify({ text: "b".repeat(2001) }), {}, 413],
    ["an unknown voice", "model=aura-2-nobody-en", JSON.stringify({ text: "hi" }), {}, 400],
    ["a bad sample rate", "model=aura-2-thalia-en&encoding=mulaw&sample_rate=22050", JSON.stringify({ text: "hi" }), {}, 400],
    ["a wrong key", "model=aura-2-thalia-en", JSON.stringify({ text: "hi" }), { authorization: "Token nope" }, 401],
  ])("rejects %s", async (_label, query, body, headers, status) => {
    const res = await post(query, body, headers);
    expect(res.status).toBe(status);
    const json = (await res.json()) as Record<string, string>;
    expect(json).toMatchObject({ err_code: expect.any(String), err_msg: expect.any(String), request_id: res.headers.get("dg-request-id") });
    expect(res.headers.get("dg-error")).toBe(json["err_msg"]);
  });

  it("counts requests", () => {
    expect(sim.stats().speak.restRequests).toBe(2);
    expect(sim.stats().speak.restAudioBytesSent).toBeGreaterThan(0);
  });
});
