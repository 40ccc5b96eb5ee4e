import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBedrockSimulator, type BedrockSimulator } from "./bedrock-simulator.ts";
import { EventStreamSplitter } from "./event-stream-codec.ts";
import { ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { REQUEST_ERRORS, type RequestErrorType } from "./aws-error.ts";
import { HAIKU, sdkClient, signedFetch, userText } from "./test-clients.ts";

// Protocol notes §5.6: each error's HTTP status.
const ERROR_STATUS: Record<RequestErrorType, number> = {
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

let sim: BedrockSimulator;
beforeAll(async () => {
  sim = await startBedrockSimulator({ seed: 5 }); // no credentials: any well-formed signature is accepted
});
afterAll(() => sim.close());
beforeEach(async () => {
  await control("POST", "reset");
  await control("POST", "scenario/reset");
});

async function control(method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${sim.url}/__control/${route}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

describe("control API", () => {
  it("loads a scenario, rejecting an invalid one", async () => {
    const bad = await control("PUT", "scenario", { rules: [{ when: { lastUserTextMatches: "[" }, reply: { text: "x" } }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.issues)).toMatch(/regular expression/);
    expect((await control("PUT", "scenario", { name: "t", rules: [{ id: "only", reply: { text: "From the control API." } }] })).json).toEqual({ ok: true, name: "t", rules: 1 });
    expect((await control("GET", "scenario")).json.name).toBe("t");
    const response = await signedFetch(sim, { body: { messages: [userText("anything")] } });
    expect(((await response.json()) as any).output.message.content[0].text).toBe("From the control API.");
    expect((await control("GET", "stats")).json).toMatchObject({ requests: 1, byOperation: { Converse: 1 }, byStatus: { "200": 1 }, ruleHits: { only: 1 } });
  });

  it("throttles the next N requests", async () => {
    await control("POST", "throttle", { count: 2, message: "slow down" });
    expect((await control("GET", "faults")).json.throttleRemaining).toBe(2);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await signedFetch(sim, { body: { messages: [userText("hi")] } })).status);
    expect(statuses).toEqual([429, 429, 200]);
    expect((await control("GET", "requests")).json[0]).toMatchObject({ status: 429, errorType: "ThrottlingException", errorMessage: "slow down" });
  });

  it.each(REQUEST_ERRORS.map((error) => [error, ERROR_STATUS[error]] as const))("answers the next request with %s (HTTP %i), as the SDK types it", async (error, status) => {
    expect((await control("POST", "fail-requests", { count: 1, error })).json).toEqual({ ok: true });
    expect((await control("GET", "faults")).json.failingRequests).toEqual({ type: error, remaining: 1 });
    const failure = await sdkClient(sim, { maxAttempts: 1 })
      .send(new ConverseStreamCommand({ modelId: HAIKU, messages: [userText("Hi")] }))
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: error, $metadata: { httpStatusCode: status } });
    if (error === "ModelErrorException") expect(failure).toMatchObject({ originalStatusCode: 500, resourceName: "simulated-model" });
    expect((await signedFetch(sim, { body: { messages: [userText("again")] } })).status).toBe(200);
  });

  it("fails the next stream after N events with an exception frame", async () => {
    await control("POST", "fail-stream", { afterEvents: 2, exception: "internalServerException" });
    const response = await signedFetch(sim, { operation: "converse-stream", body: { messages: [userText("Hello")] } });
    expect(response.status).toBe(200);
    const frames = new EventStreamSplitter().push(new Uint8Array(await response.arrayBuffer()));
    expect(frames.map((f) => f.headers[":message-type"])).toEqual(["event", "event", "exception"]);
    expect(frames[2]!.headers[":exception-type"]).toBe("internalServerException");
    expect(JSON.parse(new TextDecoder().decode(frames[2]!.payload)).message).toMatch(/unexpected error/);
    // Only the next stream fails.
    const next = await signedFetch(sim, { operation: "converse-stream", body: { messages: [userText("Hello")] } });
    expect(new EventStreamSplitter().push(new Uint8Array(await next.arrayBuffer())).at(-1)!.headers[":event-type"]).toBe("metadata");
  });

  it("logs request bodies and clears on reset", async () => {
    const body = { messages: [userText("remember me")], requestMetadata: { callSid: "CA123" } };
    await signedFetch(sim, { body });
    const [record] = (await control("GET", "requests")).json;
    expect(record).toMatchObject({ operation: "Converse", modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0", resolvedModelId: "anthropic.claude-haiku-4-5-20251001-v1:0", body, ruleId: "echo", stopReason: "end_turn" });
    expect(record.accessKeyId).toBe("AKIDSIMULATORTEST");
    await control("POST", "reset");
    expect((await control("GET", "requests")).json).toEqual([]);
  });

  it("switches profiles and rejects unknown routes and bodies", async () => {
    expect((await control("PUT", "profile", { profile: "instant" })).json.ok).toBe(true);
    expect((await control("PUT", "profile", { profile: "fast" })).status).toBe(400);
    expect((await control("POST", "throttle", { count: -1 })).status).toBe(400);
    expect((await control("GET", "nope")).status).toBe(404);
    expect((await control("GET", "health")).json).toEqual({ ok: true, region: "us-east-1" });
  });

  it("binds to loopback only", async () => {
    await expect(startBedrockSimulator({ host: "0.0.0.0" })).rejects.toThrow(/loopback only/);
    await expect(startBedrockSimulator({ host: "192.168.1.10" })).rejects.toThrow(/loopback only/);
    const v6 = await startBedrockSimulator({ host: "::1" });
    try {
      expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetch(`${v6.url}/__control/health`)).status).toBe(200);
    } finally {
      await v6.close();
    }
  });
});
