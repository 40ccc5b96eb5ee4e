import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { parseTwilioMessage, type TwilioMessage } from "../../../shared/protocol/twilio-media.ts";

/**
 * A stand-in for the platform Worker in tests: an HTTP server that records signed webhooks and answers with
 * TwiML, plus a WebSocket server that accepts Media Streams and records every frame Twilio sends.
 */
export interface RecordedRequest {
  method: string;
  /** Full URL as requested (what the signature covers). */
  url: string;
  path: string;
  headers: IncomingMessage["headers"];
  params: Record<string, string>;
  atMs: number;
}

export interface RecordedStream {
  path: string;
  headers: IncomingMessage["headers"];
  socket: WebSocket;
  /** Every frame Twilio sent, validated against the shared schema, with the local receive time (performance.now). */
  messages: { message: TwilioMessage; atMs: number }[];
  /** Frames that failed the shared schema (should stay empty). */
  invalid: string[];
  closed: Promise<void>;
  send(message: unknown): void;
  /** Resolves once a frame matching `predicate` has arrived. */
  waitFor(predicate: (message: TwilioMessage) => boolean, timeoutMs?: number): Promise<TwilioMessage>;
}

export type TwimlReply = string | { status: number; body: string; contentType?: string };

export interface FakePlatform {
  url: string;
  wsUrl: string;
  requests: RecordedRequest[];
  streams: RecordedStream[];
  /** Sets the reply for a path (a function receives the request). */
  route(path: string, reply: TwimlReply | ((req: RecordedRequest) => TwimlReply)): void;
  nextStream(timeoutMs?: number): Promise<RecordedStream>;
  waitForRequest(predicate: (req: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

function waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const value = check();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 2);
    };
    poll();
  });
}

export async function startFakePlatform(): Promise<FakePlatform> {
  const routes = new Map<string, TwimlReply | ((req: RecordedRequest) => TwimlReply)>();
  const requests: RecordedRequest[] = [];
  const streams: RecordedStream[] = [];
  let taken = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      url: url.toString(),
      path: url.pathname,
      headers: req.headers,
      params: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))),
      atMs: performance.now(),
    };
    requests.push(recorded);
    const route = routes.get(url.pathname);
    const reply = typeof route === "function" ? route(recorded) : route ?? "";
    const { status, body, contentType } = typeof reply === "string" ? { status: 200, body: reply, contentType: "text/xml" } : reply;
    res.writeHead(status, { "Content-Type": contentType ?? "text/xml" }).end(body);
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (socket, req) => {
    const messages: RecordedStream["messages"] = [];
    const invalid: string[] = [];
    socket.on("message", (data) => {
      const parsed = parseTwilioMessage(data.toString());
      if (parsed.ok) messages.push({ message: parsed.message, atMs: performance.now() });
      else invalid.push(`${parsed.error}: ${data.toString().slice(0, 200)}`);
    });
    streams.push({
      path: req.url ?? "",
      headers: req.headers,
      socket,
      messages,
      invalid,
      closed: new Promise((resolve) => socket.once("close", () => resolve())),
      send: (message) => socket.send(typeof message === "string" ? message : JSON.stringify(message)),
      waitFor: (predicate, timeoutMs = 5000) => waitUntil(() => messages.find((m) => predicate(m.message))?.message, timeoutMs, "a stream message"),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `wss://127.0.0.1:${port}`,
    requests,
    streams,
    route: (path, reply) => void routes.set(path, reply),
    nextStream: (timeoutMs = 5000) => waitUntil(() => (streams.length > taken ? streams[taken++] : undefined), timeoutMs, "a media stream"),
    waitForRequest: (predicate, timeoutMs = 5000) => waitUntil(() => requests.find(predicate), timeoutMs, "a webhook request"),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A test synthesiser: 8 kHz PCM, `msPerWord` per word of a loud tone, so durations are exact and known. */
export function fakeSynthesize(msPerWord = 250) {
  return async (text: string) => {
    const words = text.split(/\s+/).filter(Boolean);
    const samples = Math.round((words.length * msPerWord * 8000) / 1000);
    const pcm = new Int16Array(samples);
    for (let i = 0; i < samples; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 8000));
    let t = 0;
    const timed = words.map((word) => ({ word, startMs: t, endMs: (t += msPerWord) }));
    return { pcm, sampleRate: 8000, durationMs: words.length * msPerWord, words: timed };
  };
}
