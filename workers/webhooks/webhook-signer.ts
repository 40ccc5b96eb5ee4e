import { Webhook } from "standardwebhooks";

/**
 * Standard Webhooks signing through the `standardwebhooks` package (pure JS: fast-sha256 and @stablelib/base64, so
 * it runs in workerd as is). With several secrets (a rotation's overlap) the signature header lists one `v1,…` per
 * secret, space-separated, as the spec allows; a receiver accepts the delivery if any one verifies.
 */
export function signedHeaders(secrets: readonly string[], messageId: string, at: Date, body: string): Record<string, string> {
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(" "),
  };
}
