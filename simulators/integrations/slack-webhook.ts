import { parseJson, type VendorHandler } from "./recorded-request.ts";

/**
 * Slack incoming webhooks (https://api.slack.com/messaging/webhooks): `POST /services/T…/B…/<secret>` with a JSON
 * body carrying `text` (or `blocks`). Slack answers `200 ok` as text, `400 invalid_payload` for a body that is not
 * JSON, `400 no_text` without text or blocks, `404 no_service` for a URL it does not know.
 */
const WEBHOOK_PATH = /^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/;

export function slackWebhooks(): VendorHandler {
  return {
    vendor: "slack",
    handle(request) {
      if (!request.path.startsWith("/services/")) return undefined;
      const text = (status: number, body: string) => ({ status, body, contentType: "text/html" });
      if (request.method !== "POST") return text(405, "invalid_method");
      if (!WEBHOOK_PATH.test(request.path)) return text(404, "no_service");
      if (!(request.headers["content-type"] ?? "").startsWith("application/json")) return text(400, "invalid_payload");
      const parsed = parseJson(request.rawBody);
      if (!parsed.ok || parsed.value === null || typeof parsed.value !== "object") return text(400, "invalid_payload");
      const message = parsed.value as { text?: unknown; blocks?: unknown };
      if ((typeof message.text !== "string" || message.text === "") && !Array.isArray(message.blocks)) return text(400, "no_text");
      return text(200, "ok");
    },
  };
}
