import { z } from "zod";
import { defineAction, IntegrationError, type Integration } from "./integration.ts";
import { vendorRequest } from "./vendor-request.ts";

/**
 * Catch hooks of automation services: a URL the service gave the tenant, which starts their Zap or scenario with the
 * JSON posted to it. The URL is the secret and follows the tool SSRF rules, like Slack's incoming webhooks.
 * Zapier's "Catch Hook" (https://hooks.zapier.com/hooks/catch/{account}/{hook}/) answers
 * `200 {"status": "success", "id", "request_id", "attempt"}`; Make's custom webhook
 * (https://hook.{zone}.make.com/{token}) answers `200 Accepted` in text.
 */
function catchHook(name: string, title: string, example: string): Integration {
  const send = defineAction({
    description: `Send a JSON object to the connected ${title} hook, which starts the tenant's automation.`,
    input: z.object({ data: z.record(z.string(), z.unknown()).describe("The fields the automation receives.") }),
    output: z.object({ ok: z.literal(true), request_id: z.string().optional() }),
    async run(input, ctx) {
      if (!("webhook_url" in ctx.credentials)) throw new IntegrationError(`${title} is not connected with a hook URL`, false);
      const answer = await vendorRequest(ctx.guardedFetch, ctx.credentials.webhook_url, {
        vendor: title,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input.data),
        signal: ctx.signal,
      });
      const requestId = z.object({ request_id: z.string() }).safeParse(answer);
      return { ok: true as const, ...(requestId.success && { request_id: requestId.data.request_id }) };
    },
  });
  return { name, title, auth: { kind: "incoming_webhook", description: `A ${title} hook URL (${example}).` }, actions: { send } };
}

export const zapier = catchHook("zapier", "Zapier", "https://hooks.zapier.com/hooks/catch/123456/abcdef/");
export const make = catchHook("make", "Make", "https://hook.eu1.make.com/…");
