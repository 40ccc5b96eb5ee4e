import { describe, expect, it } from "vitest";
import { findBedrockModel } from "../../shared/llm/bedrock-models.ts";
import { validateConverseRequest } from "./converse-request-rules.ts";
import { DEFAULT_SCENARIO } from "./default-scenario.ts";
import { ReasoningSigner } from "./reasoning-signature.ts";
import { ScenarioEngine, viewConversation, type ConversationView } from "./scenario-engine.ts";
import { renderTemplate } from "./template.ts";

const model = findBedrockModel("anthropic.claude-haiku-4-5-20251001-v1:0")!;
const tool = (name: string) => ({ toolSpec: { name, inputSchema: { json: { type: "object", properties: {} } } } });

function view(messages: unknown[], toolNames: string[] = [], system?: string): ConversationView {
  const body = { messages, system: system === undefined ? undefined : [{ text: system }], toolConfig: toolNames.length ? { tools: toolNames.map(tool) } : undefined };
  return viewConversation(validateConverseRequest(body, model, new ReasoningSigner(1)), model.family);
}
const user = (...content: unknown[]) => ({ role: "user", content });
const assistant = (...content: unknown[]) => ({ role: "assistant", content });

describe("scenario rules", () => {
  it("takes the first matching rule, honours times, and falls back to an echo", () => {
    const engine = new ScenarioEngine({
      rules: [
        { id: "once", when: { lastUserTextMatches: "refund" }, reply: { text: "first" }, times: 1 },
        { id: "again", when: { lastUserTextMatches: "refund" }, reply: { text: "second" } },
      ],
    });
    const v = view([user({ text: "I want a REFUND" })]);
    expect(engine.match(v).reply?.text).toBe("first");
    expect(engine.match(v).reply?.text).toBe("second");
    const fallback = engine.match(view([user({ text: "something else" })]));
    expect([fallback.index, fallback.reply?.text]).toEqual([-1, 'I heard you say "something else". How can I help with that?']);
    engine.resetCounters();
    expect(engine.match(v).reply?.text).toBe("first");
  });

  it("matches on the concatenated text blocks of the last user turn (e.g. DTMF notes)", () => {
    const engine = new ScenarioEngine({ rules: [{ when: { lastUserTextMatches: "pressed 1\\nagent" }, reply: { text: "transferring" } }] });
    expect(engine.match(view([user({ text: "Caller pressed 1" }, { text: "agent" })])).reply?.text).toBe("transferring");
  });

  it("renders the last tool result into the reply", () => {
    const engine = new ScenarioEngine({
      rules: [{ when: { lastToolResultFor: "get_weather" }, reply: { text: "It is {{toolResult.summary}} in {{toolResult.city}} ({{toolResultStatus}})." } }],
    });
    const messages = [
      user({ text: "weather in Oslo?" }),
      assistant({ toolUse: { toolUseId: "tooluse_a", name: "get_weather", input: { city: "Oslo" } } }),
      user({ toolResult: { toolUseId: "tooluse_a", content: [{ json: { city: "Oslo", summary: "sunny, 21 degrees" } }] } }),
    ];
    expect(engine.match(view(messages, ["get_weather"])).reply?.text).toBe("It is sunny, 21 degrees in Oslo (success).");
  });

  it("parses JSON text results and picks the named tool among parallel results", () => {
    const engine = new ScenarioEngine({ rules: [{ when: { lastToolResultFor: "get_time" }, reply: { text: "{{toolResult.time}} / {{toolResults.0.summary}}" } }] });
    const messages = [
      user({ text: "weather and time?" }),
      assistant({ toolUse: { toolUseId: "t1", name: "get_weather", input: {} } }, { toolUse: { toolUseId: "t2", name: "get_time", input: {} } }),
      user({ toolResult: { toolUseId: "t1", content: [{ json: { summary: "rain" } }] } }, { toolResult: { toolUseId: "t2", content: [{ text: '{"time":"10:30"}' }] } }),
    ];
    expect(engine.match(view(messages, ["get_weather", "get_time"])).reply?.text).toBe("10:30 / rain");
  });

  it("returns parallel tool uses with templated inputs, only when the tools are offered", () => {
    const engine = new ScenarioEngine({
      rules: [
        {
          when: { lastUserTextMatches: "compare (?<a>\\w+) and (?<b>\\w+)" },
          reply: { toolUses: [{ name: "get_weather", input: { city: "{{match.a}}" } }, { name: "get_weather", input: { city: "{{match.b}}", units: ["c"] } }] },
        },
        { reply: { text: "no tools" } },
      ],
    });
    const offered = engine.match(view([user({ text: "Compare Paris and Rome" })], ["get_weather"]));
    expect(offered.reply?.toolUses).toEqual([
      { name: "get_weather", input: { city: "Paris" } },
      { name: "get_weather", input: { city: "Rome", units: ["c"] } },
    ]);
    expect(engine.match(view([user({ text: "Compare Paris and Rome" })])).reply?.text).toBe("no tools");
  });

  it("checks system prompt and offered-tool conditions", () => {
    const engine = new ScenarioEngine({
      rules: [
        { when: { systemMatches: "spanish" }, reply: { text: "hola" } },
        { when: { toolOffered: "transfer_call" }, reply: { text: "can transfer" } },
        { reply: { text: "plain" } },
      ],
    });
    expect(engine.match(view([user({ text: "hi" })], [], "Answer in Spanish")).reply?.text).toBe("hola");
    expect(engine.match(view([user({ text: "hi" })], ["transfer_call"])).reply?.text).toBe("can transfer");
    expect(engine.match(view([user({ text: "hi" })])).reply?.text).toBe("plain");
  });

  it("rejects malformed scenarios", () => {
    expect(() => new ScenarioEngine({ rules: [] })).toThrow();
    expect(() => new ScenarioEngine({ rules: [{ when: { lastUserTextMatches: "(" }, reply: { text: "x" } }] })).toThrow(/regular expression/);
    expect(() => new ScenarioEngine({ rules: [{ reply: {} }] })).toThrow(/text or toolUses/);
    expect(() => new ScenarioEngine({ rules: [{ when: { nope: 1 }, reply: { text: "x" } }] })).toThrow();
  });
});

describe("default scenario", () => {
  const engine = new ScenarioEngine(DEFAULT_SCENARIO);
  const tools = ["get_weather", "get_order_status"];

  it("greets, calls tools for weather and order questions, and speaks the results", () => {
    expect(engine.match(view([user({ text: "Hello there" })], tools)).rule.id).toBe("greeting");
    const weather = engine.match(view([user({ text: "What's the weather like in San Francisco today?" })], tools));
    expect(weather.reply?.toolUses).toEqual([{ name: "get_weather", input: { city: "San Francisco" } }]);
    const order = engine.match(view([user({ text: "Where is my order 12345?" })], tools));
    expect(order.reply?.toolUses).toEqual([{ name: "get_order_status", input: { orderId: "12345" } }]);
    const spoken = engine.match(
      view(
        [
          user({ text: "weather in Paris" }),
          assistant({ toolUse: { toolUseId: "t1", name: "get_weather", input: { city: "Paris" } } }),
          user({ toolResult: { toolUseId: "t1", content: [{ json: { tempC: 18, sky: "cloudy" } }] } }),
        ],
        tools,
      ),
    );
    expect(spoken.reply?.text).toBe("Right now in that city it's tempC 18, sky cloudy. Anything else I can help you with?");
  });

  it("asks for missing details and degrades without tools", () => {
    expect(engine.match(view([user({ text: "what's the forecast?" })], tools)).reply?.text).toMatch(/Which city/);
    expect(engine.match(view([user({ text: "weather in Paris" })])).rule.id).toBe("weather-unavailable");
    expect(engine.match(view([user({ text: "I have a question about my order" })], tools)).reply?.text).toMatch(/order number/);
    expect(engine.match(view([user({ text: "ok bye" })], tools)).rule.id).toBe("goodbye");
    expect(engine.match(view([user({ text: "Can I change my address" })], tools)).reply?.text).toBe('I heard you say "Can I change my address". How can I help with that?');
  });
});

describe("templates", () => {
  it("tries alternatives, renders literals and objects, and blanks what is missing", () => {
    const context = { a: { b: 1 }, list: [{ x: "y" }], empty: "" };
    expect(renderTemplate("{{missing|a.b}}", context)).toBe("1");
    expect(renderTemplate('{{missing|empty|"fallback"}}', context)).toBe("fallback");
    expect(renderTemplate("{{list.0.x}} {{a}} [{{nope}}]", context)).toBe('y {"b":1} []');
  });
});
