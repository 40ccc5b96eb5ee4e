import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";

let sim: DeepgramSimulator;
beforeAll(async () => {
  sim = await startDeepgramSimulator({ apiKeys: ["good-key"] });
});
afterAll(() => sim.close());

/** The HTTP status and body of a handshake (101 and "" when it was accepted). */
function handshake(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${sim.wsUrl}${path}`, { headers: { authorization: "Token good-key" } });
    ws.once("open", () => {
      resolve({ status: 101, body: "" });
      ws.close();
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on("error", (error) => {
      if (!String(error.message).includes("Unexpected server response")) reject(error);
    });
  });
}

const FLUX = "/v2/listen?model=flux-general-en&encoding=mulaw&sample_rate=8000";

describe("/v2/listen handshake", () => {
  it.each([
    ["the platform's query", `${FLUX}&eot_threshold=0.7&eager_eot_threshold=0.5&eot_timeout_ms=5000&keyterm=Acme&mip_opt_out=true&tag=t1&extra=call_sid:CA1`],
    ["eot_threshold 1.0 (turns ended by ForceEndTurn or the timeout)", `${FLUX}&eot_threshold=1.0&eot_timeout_ms=60000`],
    ["flux-general-multi with language hints", "/v2/listen?model=flux-general-multi&encoding=linear16&sample_rate=16000&language_hint=en&language_hint=es"],
    ["containerised audio (no encoding, no sample_rate)", "/v2/listen?model=flux-general-en"],
  ])("accepts %s", async (_label, path) => {
    expect((await handshake(path)).status).toBe(101);
  });

  it.each([
    ["no model", "/v2/listen?encoding=mulaw&sample_rate=8000", "model is required"],
    ["a Nova model", "/v2/listen?model=nova-3&encoding=mulaw&sample_rate=8000", "No such model/version combination found."],
    ["eot_threshold below 0.5", `${FLUX}&eot_threshold=0.4`, "eot_threshold"],
    ["eot_threshold above 1.0", `${FLUX}&eot_threshold=1.1`, "eot_threshold"],
    ["eager_eot_threshold above 0.9", `${FLUX}&eot_threshold=1.0&eager_eot_threshold=0.95`, "eager_eot_threshold"],
    ["eager_eot_threshold above eot_threshold", `${FLUX}&eot_threshold=0.6&eager_eot_threshold=0.7`, "must be less than or equal to eot_threshold"],
    ["eot_timeout_ms below 500", `${FLUX}&eot_timeout_ms=499`, "eot_timeout_ms"],
    ["eot_timeout_ms above 60000", `${FLUX}&eot_timeout_ms=60001`, "eot_timeout_ms"],
    ["a sample rate Flux does not take", "/v2/listen?model=flux-general-en&encoding=mulaw&sample_rate=11025", "sample_rate"],
    ["an encoding Flux does not take", "/v2/listen?model=flux-general-en&encoding=flac&sample_rate=16000", "encoding"],
    ["encoding without sample_rate", "/v2/listen?model=flux-general-en&encoding=mulaw", "sample_rate is required"],
    ["language_hint on flux-general-en", `${FLUX}&language_hint=en`, "flux-general-multi"],
    ["a non-numeric threshold", `${FLUX}&eot_threshold=high`, "eot_threshold"],
  ])("refuses %s with 400 and Deepgram's error body", async (_label, path, message) => {
    const { status, body } = await handshake(path);
    expect(status).toBe(400);
    const json = JSON.parse(body) as Record<string, string>;
    expect(json["err_msg"]).toContain(message);
    expect(json["request_id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses a Flux model on /v1/listen", async () => {
    const { status, body } = await handshake("/v1/listen?model=flux-general-en&encoding=mulaw&sample_rate=8000");
    expect(status).toBe(400);
    expect(JSON.parse(body)).toMatchObject({ err_code: "V2_MODEL_ON_V1_LISTEN_ENDPOINT" });
  });
});
