import type { Scenario } from "./scenario.ts";

/**
 * The built-in demo conversation for a phone agent: greets, answers weather and order-status questions through
 * `get_weather` / `get_order_status` when the client offers those tools (then speaks the tool result), says goodbye,
 * and otherwise echoes the caller in one or two short sentences.
 */
const CITY = String.raw`\b(?:in|for|at)\s+(?<city>[a-z][a-z .'-]*?)\s*(?:today|tomorrow|tonight|right now|now|please)?\s*[?.!]*\s*$`;

export const DEFAULT_SCENARIO: Scenario = {
  name: "default-phone-agent",
  rules: [
    {
      id: "weather-result",
      when: { lastToolResultFor: "get_weather" },
      reply: {
        text: "Right now in {{toolResult.city|toolResult.location|\"that city\"}} it's {{toolResult.summary|toolResult.conditions|toolResultText}}. Anything else I can help you with?",
      },
    },
    {
      id: "order-result",
      when: { lastToolResultFor: "get_order_status" },
      reply: { text: "Your order {{toolResult.orderId|\"\"}} is {{toolResult.status|toolResultText}}. Is there anything else you need?" },
    },
    { id: "any-tool-result", when: { lastToolResultFor: "*" }, reply: { text: "All right. Here's what I found: {{toolResultText}}." } },
    {
      id: "weather-with-city",
      when: { lastUserTextMatches: String.raw`\b(?:weather|forecast|temperature)\b.*` + CITY },
      reply: {
        thinking: "The caller wants the weather in {{match.city}}. I should call get_weather with that city.",
        text: "Let me check the weather in {{match.city}} for you.",
        toolUses: [{ name: "get_weather", input: { city: "{{match.city}}" } }],
      },
    },
    {
      id: "weather-ask-city",
      when: { lastUserTextMatches: String.raw`\b(?:weather|forecast|temperature)\b`, toolOffered: "get_weather" },
      reply: { text: "Sure. Which city should I check the weather for?" },
    },
    {
      id: "weather-unavailable",
      when: { lastUserTextMatches: String.raw`\b(?:weather|forecast|temperature)\b` },
      reply: { text: "I'm sorry, I can't look up the weather right now. Is there something else I can help with?" },
    },
    {
      id: "order-with-number",
      when: { lastUserTextMatches: String.raw`\border\b\D*?(?<orderId>\d[\d-]{2,}\d)` },
      reply: {
        thinking: "The caller asked about order {{match.orderId}}. I should call get_order_status.",
        text: "One moment while I look up order {{match.orderId}}.",
        toolUses: [{ name: "get_order_status", input: { orderId: "{{match.orderId}}" } }],
      },
    },
    {
      id: "order-ask-number",
      when: { lastUserTextMatches: String.raw`\b(?:order|package|delivery|shipment|tracking)\b` },
      reply: { text: "I can help with that. What's your order number?" },
    },
    {
      id: "goodbye",
      when: { lastUserTextMatches: String.raw`\b(?:bye|goodbye|that's all|that is all|no thanks)\b` },
      reply: { text: "Thanks for calling. Have a great day. Goodbye!" },
    },
    {
      id: "greeting",
      when: { lastUserTextMatches: String.raw`^\W*(?:hi|hello|hey|good (?:morning|afternoon|evening))\b` },
      reply: { text: "Hello! Thanks for calling. How can I help you today?" },
    },
    { id: "echo", reply: { text: "I heard you say \"{{lastUserText}}\". How can I help with that?" } },
  ],
};
