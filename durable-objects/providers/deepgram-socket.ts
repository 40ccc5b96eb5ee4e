/**
 * Opening a Deepgram WebSocket from workerd, shared by the STT and TTS clients. `new WebSocket()` can't send an
 * Authorization header (and `@deepgram/sdk` sends none from workerd), so the socket is opened the Workers way: a
 * fetch with `Upgrade: websocket` to the http(s) URL, then `response.webSocket.accept()`.
 */
import { ProviderError } from "./provider-types.ts";

export type DeepgramProvider = "deepgram-stt" | "deepgram-tts";

/** Waits before each reconnect attempt; the first is immediate so a dropped call stream resumes within a second. */
export const RECONNECT_DELAYS_MS: readonly number[] = [0, 250, 500, 1000];

/** 4xx is final except request timeout, rate limiting and client-closed; 5xx and network failures are retryable. */
export const isRetryableStatus = (status: number): boolean => status >= 500 || status === 408 || status === 429 || status === 499;

/** `https://api.deepgram.com` (or a simulator's `http://127.0.0.1:port`) + path; ws(s):// is accepted and mapped. */
export function deepgramUrl(baseUrl: string, path: string, query: URLSearchParams): string {
  const base = baseUrl.replace(/^ws(s?):\/\//, "http$1://").replace(/\/+$/, "");
  return `${base}${path}?${query.toString()}`;
}

export interface OpenSocketOptions {
  provider: DeepgramProvider;
  url: string;
  apiKey: string;
  fetcher: typeof fetch;
  /** What is being opened, for error messages: `listen socket`, `speak socket for voice "…"`. */
  label: string;
}

export async function openDeepgramSocket(opts: OpenSocketOptions): Promise<WebSocket> {
  let response: Response;
  try {
    response = await opts.fetcher(opts.url, { headers: { Upgrade: "websocket", Authorization: `Token ${opts.apiKey}` } });
  } catch (cause) {
    throw new ProviderError(opts.provider, `could not reach Deepgram for the ${opts.label}: ${errorText(cause)}`, true, undefined, { cause });
  }
  const socket = response.webSocket;
  if (response.status === 101 && socket) {
    socket.accept();
    // With standard WebSocket semantics workerd delivers binary frames as Blob, which can only be read
    // asynchronously and would let later frames overtake earlier ones.
    socket.binaryType = "arraybuffer";
    return socket;
  }
  const detail = response.headers.get("dg-error") ?? (await errorBody(response));
  const requestId = response.headers.get("dg-request-id");
  const message = `Deepgram refused the ${opts.label} (HTTP ${response.status}): ${detail}${requestId ? ` [dg-request-id ${requestId}]` : ""}`;
  throw new ProviderError(opts.provider, message, isRetryableStatus(response.status), response.status);
}

/** `err_msg` of Deepgram's JSON error body, or the start of whatever the body is. */
async function errorBody(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === "object" && json !== null && "err_msg" in json && typeof json.err_msg === "string") return json.err_msg;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || response.statusText || "no details";
}

/**
 * Opens a Deepgram socket, retrying retryable failures after each of `delaysMs` (unless `giveUpOn` says the caller
 * has a better answer to that one than waiting). Returns undefined when
 * `stillWanted()` turns false meanwhile (the client was closed); throws the last ProviderError otherwise.
 */
export async function openWithRetries(opts: OpenSocketOptions & { delaysMs: readonly number[]; stillWanted: () => boolean; giveUpOn?: (error: ProviderError) => boolean }): Promise<WebSocket | undefined> {
  let lastError: ProviderError | undefined;
  for (const delayMs of opts.delaysMs) {
    if (delayMs > 0) await sleep(delayMs);
    if (!opts.stillWanted()) return undefined;
    try {
      const socket = await openDeepgramSocket(opts);
      if (opts.stillWanted()) return socket;
      closeQuietly(socket, 1000, "client closing");
      return undefined;
    } catch (error) {
      lastError = error instanceof ProviderError ? error : new ProviderError(opts.provider, errorText(error), true, undefined, { cause: error });
      logEvent("warn", opts.provider, "connect_failed", { error: lastError.message, retryable: lastError.retryable });
      if (!lastError.retryable || opts.giveUpOn?.(lastError)) break;
    }
  }
  throw lastError ?? new ProviderError(opts.provider, `could not open the ${opts.label}`, true);
}

/**
 * Routes a socket's messages and its end to the client. workerd may report a broken connection as an error without
 * a close event; both end the socket (an error as 1006).
 */
export function watchSocket(socket: WebSocket, onMessage: (data: unknown) => void, onClose: (code: number, reason: string) => void): void {
  socket.addEventListener("message", (event) => onMessage(event.data));
  socket.addEventListener("close", (event) => onClose(event.code, event.reason));
  socket.addEventListener("error", (event) => onClose(1006, `error: ${event.message}`));
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Binary frame payload as bytes (workerd delivers ArrayBuffer; tolerate views). */
export function binaryPayload(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** One structured log line; never carries credentials or audio. */
export function logEvent(level: "info" | "warn" | "error", provider: DeepgramProvider, event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, provider, event, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** Closes a socket, ignoring the error workerd throws when it is already closed. */
export function closeQuietly(socket: WebSocket, code = 1000, reason = ""): void {
  try {
    socket.close(code, reason);
  } catch {
    // already closed
  }
}
