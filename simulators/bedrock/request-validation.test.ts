import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBedrockSimulator, type BedrockSimulator } from "./bedrock-simulator.ts";
import { ReasoningSigner } from "./reasoning-signature.ts";
import { HAIKU, signedFetch, TEST_CREDENTIALS, userText } from "./test-clients.ts";

let sim: BedrockSimulator;
beforeAll(async () => {
  sim = await startBedrockSimulator({ credentials: [TEST_CREDENTIALS], seed: 3 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const tool = (spec: Record<string, unknown>) => ({ tools: [{ toolSpec: spec }] });
const weather = { name: "get_weather", inputSchema: { json: { type: "object", properties: {} } } };
const toolUse = (id: string) => ({ role: "assistant", content: [{ toolUse: { toolUseId: id, name: "get_weather", input: {} } }] });
const toolResult = (...ids: string[]) => ({ role: "user", content: ids.map((id) => ({ toolResult: { toolUseId: id, content: [{ text: "ok" }] } })) });
const thinking = (budget: number) => ({ additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: budget } } });

const cases: [name: string, body: unknown, message: RegExp, modelId?: string][] = [
  ["unknown model id", { messages: [userText("hi")] }, /^The provided model identifier is invalid\.$/, "anthropic.claude-nope-v1:0"],
  ["base id without a profile", { messages: [userText("hi")] }, /with on-demand throughput isn't supported/, "anthropic.claude-haiku-4-5-20251001-v1:0"],
  ["profile of another geography", { messages: [userText("hi")] }, /model identifier is invalid/, "eu.anthropic.claude-haiku-4-5-20251001-v1:0"],
  ["body that is not JSON", "{oops", /Malformed input request/],
  ["no messages", {}, /must start with a user message/],
  ["empty messages", { messages: [] }, /must start with a user message/],
  ["messages of the wrong type", { messages: "hi" }, /validation error detected: Value at 'messages'/],
  ["first message from the assistant", { messages: [{ role: "assistant", content: [{ text: "hi" }] }] }, /must start with a user message/],
  ["roles not alternating", { messages: [userText("a"), userText("b")] }, /must alternate between user and assistant roles/],
  ["unknown role", { messages: [{ role: "system", content: [{ text: "x" }] }] }, /Value 'system' at 'messages.0.member.role'.*\[user, assistant\]/],
  ["empty content", { messages: [{ role: "user", content: [] }] }, /content field in the Message object at messages.0 is empty/],
  ["blank text", { messages: [{ role: "user", content: [{ text: "  " }] }] }, /text field in the ContentBlock object at messages.0.content.0 is blank/],
  ["content block with two members", { messages: [{ role: "user", content: [{ text: "a", image: { format: "png" } }] }] }, /'messages.0.content.0'.*ContentBlock must set exactly one member, but 2 were set \(text, image\)/],
  ["content block with no member", { messages: [{ role: "user", content: [{}] }] }, /ContentBlock must set exactly one member, but none was set/],
  ["content block with an unknown member", { messages: [{ role: "user", content: [{ sticker: "x" }] }] }, /'sticker' is not a member of ContentBlock/],
  ["system block with two members", { system: [{ text: "a", cachePoint: { type: "default" } }], messages: [userText("hi")] }, /'system.0'.*SystemContentBlock must set exactly one member/],
  ["toolSpec without a name", { messages: [userText("hi")], toolConfig: tool({ inputSchema: { json: { type: "object" } } }) }, /'toolConfig.tools.1.member.toolSpec.name' failed to satisfy constraint: Member must not be null/],
  ["toolSpec with a bad name", { messages: [userText("hi")], toolConfig: tool({ ...weather, name: "get weather" }) }, /regular expression pattern/],
  ["toolSpec without inputSchema", { messages: [userText("hi")], toolConfig: tool({ name: "x" }) }, /toolSpec.inputSchema' failed to satisfy constraint: Member must not be null/],
  ["inputSchema without json", { messages: [userText("hi")], toolConfig: tool({ name: "x", inputSchema: {} }) }, /ToolInputSchema must set exactly one member/],
  ["inputSchema that is not an object schema", { messages: [userText("hi")], toolConfig: tool({ name: "x", inputSchema: { json: { type: "string" } } }) }, /inputSchema.json.type must be one of the following: object/],
  ["duplicate tool names", { messages: [userText("hi")], toolConfig: { tools: [{ toolSpec: weather }, { toolSpec: weather }] } }, /Tool names must be unique/],
  ["toolChoice naming an unknown tool", { messages: [userText("hi")], toolConfig: { tools: [{ toolSpec: weather }], toolChoice: { tool: { name: "nope" } } } }, /Tool 'nope' not found/],
  ["tool blocks without toolConfig", { messages: [userText("hi"), toolUse("tooluse_1"), toolResult("tooluse_1")] }, /toolConfig field must be defined/],
  ["toolResult with no toolUse before it", { messages: [toolResult("tooluse_1")], toolConfig: tool(weather) }, /number of toolResult blocks at messages.0.content exceeds the number of toolUse blocks/],
  ["toolResult for another id", { messages: [userText("hi"), toolUse("tooluse_1"), toolResult("tooluse_2")], toolConfig: tool(weather) }, /unexpected `tool_use_id` found in `tool_result` blocks: tooluse_2/],
  ["toolUse left unanswered", { messages: [userText("hi"), toolUse("tooluse_1"), userText("and?")], toolConfig: tool(weather) }, /Expected toolResult blocks at messages.2.content for the following Ids: tooluse_1/],
  ["temperature above 1", { messages: [userText("hi")], inferenceConfig: { temperature: 1.5 } }, /Value '1.5' at 'inferenceConfig.temperature'.*less than or equal to 1/],
  ["temperature below 0", { messages: [userText("hi")], inferenceConfig: { temperature: -0.1 } }, /inferenceConfig.temperature.*greater than or equal to 0/],
  ["topP above 1", { messages: [userText("hi")], inferenceConfig: { topP: 2 } }, /inferenceConfig.topP/],
  ["maxTokens of 0", { messages: [userText("hi")], inferenceConfig: { maxTokens: 0 } }, /'inferenceConfig.maxTokens'.*greater than or equal to 1/],
  ["maxTokens above the model limit", { messages: [userText("hi")], inferenceConfig: { maxTokens: 100_000 } }, /exceeds the model limit of 64000/],
  ["thinking on a model without it", { messages: [userText("hi")], ...thinking(1024) }, /Extended thinking is not supported by Claude 3.5 Haiku/, "us.anthropic.claude-3-5-haiku-20241022-v1:0"],
  ["thinking budget below 1024", { messages: [userText("hi")], ...thinking(500) }, /budget_tokens: Input should be greater than or equal to 1024/],
  ["thinking budget not below maxTokens", { messages: [userText("hi")], inferenceConfig: { maxTokens: 2000 }, ...thinking(2000) }, /`max_tokens` must be greater than `thinking.budget_tokens`/],
  ["thinking with a changed temperature", { messages: [userText("hi")], inferenceConfig: { temperature: 0.3 }, ...thinking(1024) }, /temperature` may only be set to 1 when thinking is enabled/],
  ["thinking with a forced tool", { messages: [userText("hi")], toolConfig: { tools: [{ toolSpec: weather }], toolChoice: { any: {} } }, ...thinking(1024) }, /Thinking may not be enabled when tool_choice forces tool use/],
  [
    "reasoning block with a forged signature",
    { messages: [userText("hi"), { role: "assistant", content: [{ reasoningContent: { reasoningText: { text: "hm", signature: new ReasoningSigner(99).sign("hm") } } }, { text: "yo" }] }, userText("ok")] },
    /messages.1.content.0: Invalid `signature` in `thinking` block/,
  ],
];

describe.each(["converse-stream", "converse"] as const)("request validation on /%s (HTTP 400 ValidationException)", (operation) => {
  it.each(cases)("rejects %s", async (_name, body, message, modelId) => {
    const response = await signedFetch(sim, { body, modelId, operation });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toMatch(/^ValidationException:/);
    const json = (await response.json()) as { message: string };
    expect(json.message).toMatch(message);
    // Rejected before the scenario: no rule was consulted.
    const [record] = sim.requests();
    expect(record).toMatchObject({ status: 400, errorType: "ValidationException" });
    expect(record!.ruleIndex).toBeUndefined();
  });

  it("accepts the same shapes when they are valid (so the cases above test what they name)", async () => {
    const ok = [
      { messages: [userText("hi")], inferenceConfig: { temperature: 1, topP: 0.9, maxTokens: 64_000 } },
      { messages: [userText("hi"), toolUse("tooluse_1"), toolResult("tooluse_1")], toolConfig: tool(weather) },
      { system: [{ text: "a" }, { cachePoint: { type: "default" } }], messages: [userText("hi")], inferenceConfig: { maxTokens: 4096 }, ...thinking(1024) },
    ];
    for (const body of ok) expect((await signedFetch(sim, { body, modelId: HAIKU, operation })).status).toBe(200);
    expect((await signedFetch(sim, { body: { messages: [userText("hi")] }, modelId: `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${HAIKU}`, operation })).status).toBe(200);
  });
});

describe("authentication (HTTP 403)", () => {
  it("rejects a missing Authorization header, a wrong secret and a wrong region scope", async () => {
    const missing = await signedFetch(sim, { body: { messages: [userText("hi")] }, unsigned: true });
    expect(missing.status).toBe(403);
    expect(missing.headers.get("x-amzn-errortype")).toMatch(/^MissingAuthenticationTokenException:/);
    const wrong = await signedFetch(sim, { body: { messages: [userText("hi")] }, credentials: { ...TEST_CREDENTIALS, secretAccessKey: "nope" } });
    expect([wrong.status, wrong.headers.get("x-amzn-errortype")?.split(":")[0]]).toEqual([403, "InvalidSignatureException"]);
    expect(((await wrong.json()) as { message: string }).message).toMatch(/signature we calculated does not match/);
    const region = await signedFetch(sim, { body: { messages: [userText("hi")] }, region: "eu-west-1" });
    expect(((await region.json()) as { message: string }).message).toMatch(/scoped to a valid region/);
    expect(sim.requests().map((r) => r.status)).toEqual([403, 403, 403]);
  });

  it("answers an unknown route with UnknownOperationException", async () => {
    const response = await fetch(`${sim.url}/model/${encodeURIComponent(HAIKU)}/invoke-with-something`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(response.headers.get("x-amzn-errortype")).toMatch(/^UnknownOperationException:/);
  });
});
