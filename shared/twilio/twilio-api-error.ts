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
