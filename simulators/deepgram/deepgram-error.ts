import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/**
 * A rejected request, rendered the way Deepgram does: an HTTP status, a `dg-error` header carrying the message, a
 * `dg-request-id` header, and the body `{err_code, err_msg, request_id}`. One class for every REST and handshake error.
 */
export class DeepgramHttpError extends Error {
  readonly status: number;
  readonly errCode: string;

  constructor(status: number, errCode: string, message: string) {
    super(message);
    this.name = "DeepgramHttpError";
    this.status = status;
    this.errCode = errCode;
  }

  body(requestId: string): string {
    return JSON.stringify({ err_code: this.errCode, err_msg: this.message, request_id: requestId });
  }

  headers(requestId: string, body: string): Record<string, string> {
    return {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      "dg-error": this.message,
      "dg-request-id": requestId,
    };
  }
}

export const invalidAuth = (): DeepgramHttpError => new DeepgramHttpError(401, "INVALID_AUTH", "Invalid credentials.");
export const invalidParam = (message: string): DeepgramHttpError => new DeepgramHttpError(400, "INVALID_QUERY_PARAMETER", message);
export const unknownModel = (): DeepgramHttpError => new DeepgramHttpError(400, "Bad Request", "No such model/version combination found.");

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests" };

export function sendHttpError(res: ServerResponse, error: DeepgramHttpError, requestId: string): void {
  const body = error.body(requestId);
  res.writeHead(error.status, error.headers(requestId, body)).end(body);
}

/** Refuses a WebSocket upgrade: the client sees a plain HTTP error response instead of 101. */
export function rejectUpgrade(socket: Duplex, error: DeepgramHttpError, requestId: string): void {
  const body = error.body(requestId);
  const headers = { ...error.headers(requestId, body), connection: "close" };
  const head = [`HTTP/1.1 ${error.status} ${STATUS_TEXT[error.status] ?? "Error"}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join("\r\n");
  socket.end(`${head}\r\n\r\n${body}`);
}

/** WebSocket close codes and reasons from Deepgram's "DATA & NET errors" documentation. */
export const CLOSE = {
  normal: { code: 1000, reason: "" },
  unsupportedMessage: { code: 1003, reason: "MESSAGE-0000" },
  badData: { code: 1008, reason: "DATA-0000" },
  tooBig: { code: 1009, reason: "BIG-0000" },
  tooManyCharacters: { code: 1009, reason: "BIG-0001" },
  internal: { code: 1011, reason: "NET-0000" },
  clientIdle: { code: 1011, reason: "NET-0001" },
  timeLimit: { code: 1011, reason: "NET-0003" },
} as const;
