import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBedrockSimulator, type BedrockSimulator } from "./bedrock-simulator.ts";
import { signedFetch, TEST_CREDENTIALS, userText } from "./test-clients.ts";

let sim: BedrockSimulator;
beforeAll(async () => {
  sim = await startBedrockSimulator({ credentials: [TEST_CREDENTIALS], seed: 5 });
});
afterAll(() => sim.close());

const schema = {
  type: "object",
  properties: {
    summary: { type: "string" },
    structured_data: { type: "object", properties: { order_number: { type: "integer" }, callback: { type: "boolean" }, plan: { type: "string", enum: ["basic", "pro"] } } },
    success: { type: "integer", minimum: 1, maximum: 5 },
    sentiment: { type: "string", enum: ["positive", "neutral", "negative", "unknown"] },
    disposition: { type: "string", enum: ["refund-issued", "escalated"] },
  },
};
const analysisRequest = (transcript: string, extra: unknown[] = []) => ({
  messages: [userText(`The transcript of the call:\n\n${transcript}`), ...extra],
  toolConfig: { tools: [{ toolSpec: { name: "record_call_analysis", inputSchema: { json: schema } } }], toolChoice: { tool: { name: "record_call_analysis" } } },
});
const toolInput = async (res: Response) => (await res.json()).output.message.content[0].toolUse;

describe("the simulator's post-call analysis rules", () => {
  it("answer the forced analysis tool from the transcript, whatever scenario is loaded", async () => {
    const transcript = ["Agent: Hello. How can I help?", "Caller: This is terrible! My order number is 4411, I want a callback on the pro plan.", "Agent: I issued a refund. Refund issued, goodbye."].join("\n");
    const res = await signedFetch(sim, { body: analysisRequest(transcript) });
    expect(res.status).toBe(200);
    expect((await toolInput(res)).input).toEqual({
      summary: "This is terrible! Refund issued, goodbye.",
      structured_data: { order_number: 4411, callback: true, plan: "pro" },
      success: 1,
      sentiment: "negative",
      disposition: "refund-issued",
    });
  });

  it("answer invalidly once (until the client's error result) or always, on the transcript's magic phrase", async () => {
    const once = await toolInput(await signedFetch(sim, { body: analysisRequest("Caller: Thanks! ANALYSIS_INVALID_ONCE") }));
    expect(once.input).toEqual({ unexpected_field: true });
    const retry = [
      { role: "assistant", content: [{ toolUse: { toolUseId: once.toolUseId, name: "record_call_analysis", input: once.input } }] },
      { role: "user", content: [{ toolResult: { toolUseId: once.toolUseId, status: "error", content: [{ text: "Invalid" }] } }] },
    ];
    expect((await toolInput(await signedFetch(sim, { body: analysisRequest("Caller: Thanks! ANALYSIS_INVALID_ONCE", retry) }))).input).toMatchObject({ success: 5, sentiment: "positive" });
    expect((await toolInput(await signedFetch(sim, { body: analysisRequest("Caller: Thanks! ANALYSIS_INVALID_ALWAYS", retry) }))).input).toEqual({ unexpected_field: true });
  });
});
