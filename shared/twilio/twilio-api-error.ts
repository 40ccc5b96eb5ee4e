/** A Twilio REST failure: its HTTP status, Twilio's error code and message, and any `Retry-After` it asked for. */
export class TwilioApiError extends Error {
  override name = "TwilioApiError";
  constructor(
    readonly status: number,
    readonly code: number | null,
    message: string,
    readonly moreInfo?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** 429 and 5xx are worth retrying; other 4xx are the request's fault. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A Twilio response's body as text and as JSON ({} when it is empty or not JSON: the failure reports the status). */
export async function readTwilioBody(res: Response): Promise<{ text: string; json: Record<string, unknown> }> {
  const text = await res.text();
  try {
    return { text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch {
    return { text, json: {} };
  }
}

/** The error a failed Twilio response stands for: its status, Twilio's code and message, and any `Retry-After`. */
export function twilioFailure(res: Response, body: { text: string; json: Record<string, unknown> }, nowMs: number): TwilioApiError {
  const { text, json } = body;
  const message = String(json.message ?? (text.slice(0, 200) || res.statusText));
  return new TwilioApiError(res.status, typeof json.code === "number" ? json.code : null, message, json.more_info as string | undefined, parseRetryAfter(res.headers.get("retry-after"), nowMs));
}
