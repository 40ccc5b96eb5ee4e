/** The tenant's receiver gets this long to answer (Standard Webhooks' usual budget). */
export const DELIVERY_TIMEOUT_MS = 10_000;
export const RESPONSE_EXCERPT_BYTES = 1024;

export interface DeliveryResult {
  /** Any 2xx. */
  ok: boolean;
  /** The receiver's status; null when none came (timeout, network error). */
  status: number | null;
  latencyMs: number;
  /** At most RESPONSE_EXCERPT_BYTES of the answer, or why there is none. */
  excerpt: string;
}

/**
 * One POST of a signed body. Redirects are not followed (the target would escape the URL check), and an answer's
 * body is read only as far as the excerpt needs.
 */
export async function postDelivery(url: string, headers: Record<string, string>, body: string, now: () => number = Date.now): Promise<DeliveryResult> {
  const started = now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "aybiza-webhooks/1", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    const excerpt = await readExcerpt(response);
    const latencyMs = now() - started;
    if (response.status >= 300 && response.status < 400) {
      return { ok: false, status: response.status, latencyMs, excerpt: `redirect refused (to ${response.headers.get("location") ?? "nowhere"}); register the final URL` };
    }
    return { ok: response.status >= 200 && response.status < 300, status: response.status, latencyMs, excerpt };
  } catch (error) {
    const timedOut = (error as Error)?.name === "TimeoutError";
    return { ok: false, status: null, latencyMs: now() - started, excerpt: timedOut ? `no answer within ${DELIVERY_TIMEOUT_MS} ms` : `request failed: ${String(error)}`.slice(0, RESPONSE_EXCERPT_BYTES) };
  }
}

async function readExcerpt(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  // Cut at the byte limit, then drop a character the cut split in two.
  return new TextDecoder().decode(bytes.subarray(0, RESPONSE_EXCERPT_BYTES)).replace(/\uFFFD$/, "");
}
