import type { ServerResponse } from "node:http";
import { constants, type Http2ServerResponse } from "node:http2";

/**
 * One response interface over Node's HTTP/1.1 and HTTP/2 compatibility responses. The AWS SDK's default Node handler
 * speaks HTTP/2 (h2c here); fetch and Workers speak HTTP/1.1. `signal` aborts when the client goes away mid-response,
 * which is how a barge-in looks from the service side.
 */
export interface HttpResponder {
  send(status: number, headers: Record<string, string>, body: string): void;
  begin(status: number, headers: Record<string, string>): void;
  write(bytes: Uint8Array): void;
  end(): void;
  /** Cuts the connection mid-response (a simulated network drop). */
  drop(): void;
  readonly signal: AbortSignal;
  readonly ended: boolean;
}

export function nodeResponder(res: ServerResponse | Http2ServerResponse): HttpResponder {
  const controller = new AbortController();
  let ended = false;
  res.on("close", () => {
    if (!ended) controller.abort();
  });
  const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const raw = res as ServerResponse;
  return {
    signal: controller.signal,
    get ended() {
      return ended;
    },
    send(status, headers, body) {
      if (controller.signal.aborted) return;
      ended = true;
      // An error after the stream began can no longer change the status; the client sees a truncated stream.
      if (raw.headersSent) return void raw.end();
      raw.writeHead(status, { ...lower(headers), "content-length": String(Buffer.byteLength(body)) });
      raw.end(body);
    },
    begin(status, headers) {
      raw.writeHead(status, lower(headers));
      // Flush the headers now so the client sees the 200 before the first token.
      raw.flushHeaders?.();
    },
    write(bytes) {
      if (!controller.signal.aborted) raw.write(bytes);
    },
    end() {
      if (controller.signal.aborted) return;
      ended = true;
      raw.end();
    },
    drop() {
      ended = true;
      controller.abort();
      if ("stream" in res) (res as Http2ServerResponse).stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      else raw.socket?.destroy();
    },
  };
}
