import { bytesToBase64 } from "../../shared/crypto/base64.ts";
import { ID_ALPHABET, randomString } from "../../shared/ids.ts";

export const newEndpointId = () => `WHE-${randomString(10)}`;
/** A message is one event for one endpoint; its id is the `webhook-id` header, the same on every retry and replay. */
export const newMessageId = () => `msg_${randomString(20)}`;
/** Standard Webhooks secrets: `whsec_` and base64 of 24 to 64 random bytes. */
export const newWebhookSecret = () => `whsec_${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`;

const ALPHA = `[${ID_ALPHABET}]`;
export const WEBHOOK_ID_PATTERNS = {
  endpoint: new RegExp(`^WHE-${ALPHA}{10}$`),
  message: new RegExp(`^msg_${ALPHA}{20}$`),
} as const;
