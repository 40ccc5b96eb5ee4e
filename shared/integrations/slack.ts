import { z } from "zod";
import { defineAction, IntegrationError, type Integration } from "./integration.ts";
import { vendorRequest } from "./vendor-request.ts";

/**
 * Slack incoming webhooks (https://api.slack.com/messaging/webhooks): a POST of `{text, blocks?}` as JSON to the URL
 * Slack gave the tenant, answered `200 ok` in plain text. The URL is the secret; it follows the tool SSRF rules.
 */
const postMessage = defineAction({
  description: "Post a message to the Slack channel of the connected incoming webhook.",
  input: z.object({
    text: z.string().min(1).max(40_000).describe("The message (Slack mrkdwn); also the notification fallback when blocks are sent."),
    blocks: z.array(z.record(z.string(), z.unknown())).max(50).optional().describe("Block Kit blocks."),
  }),
  output: z.object({ ok: z.literal(true) }),
  async run(input, ctx) {
    if (!("webhook_url" in ctx.credentials)) throw new IntegrationError("Slack is not connected with an incoming webhook URL", false);
    await vendorRequest(ctx.guardedFetch, ctx.credentials.webhook_url, {
      vendor: "Slack",
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input),
      signal: ctx.signal,
    });
    return { ok: true as const };
  },
});

export const slack: Integration = {
  name: "slack",
  title: "Slack",
  auth: { kind: "incoming_webhook", description: "An incoming webhook URL (https://hooks.slack.com/services/…) from a Slack app." },
  actions: { post_message: postMessage },
};
