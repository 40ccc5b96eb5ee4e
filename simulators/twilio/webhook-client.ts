import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { sleep } from "../common/latency-profile.ts";
import type { HttpMethod } from "./twiml.ts";

/**
 * Requests Twilio makes to the application: form-encoded, signed with `X-Twilio-Signature` over the exact URL
 * (plus the POST parameters). GET requests carry the parameters in the query string and sign the resulting URL.
 */
export type WebhookParams = Record<string, string>;

export interface WebhookResult {
  /** A 2xx response was received. */
  ok: boolean;
  status: number | null;
  contentType: string | null;
  body: string;
  /** Network failure or timeout, as text; null when a response arrived. */
  error: string | null;
  /** The URL requested (GET: with the parameters appended). */
  requestedUrl: string;
}

export const WEBHOOK_TIMEOUT_MS = 15_000;

export function withQuery(url: string, params: WebhookParams): string {
  const query = new URLSearchParams(params).toString();
  if (!query) return url;
  return url + (url.includes("?") ? "&" : "?") + query;
}

export async function sendWebhook(
  url: string,
  method: HttpMethod,
  params: WebhookParams,
  authToken: string,
  /** Twilio's cloud → the application, per the simulator's latency profile (0 under `instant`). */
  delayMs = 0,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<WebhookResult> {
  const requestedUrl = method === "GET" ? withQuery(url, params) : url;
  const signature = await computeTwilioSignature(authToken, requestedUrl, method === "GET" ? {} : params);
  const headers: Record<string, string> = {
    "X-Twilio-Signature": signature,
    "User-Agent": "TwilioProxy/1.1",
    Accept: "*/*",
    "I-Twilio-Idempotency-Token": crypto.randomUUID(),
  };
  let body: string | undefined;
  if (method === "POST") {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(params).toString();
  }
  if (delayMs > 0) await sleep(delayMs);
  try {
    const response = await fetch(requestedUrl, { method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    const text = await response.text();
    return {
      ok: response.ok,
      status: response.status,
      contentType: response.headers.get("content-type"),
      body: text,
      error: null,
      requestedUrl,
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, status: null, contentType: null, body: "", error: cause ?? (err as Error).message, requestedUrl };
  }
}
