/**
 * A `fetcher` for the Deepgram clients that passes sockets through to the simulator while recording what the client
 * sends, and can cut a socket the way workerd#6774 does (a close with no status code: the client sees 1005).
 * `FakeDeepgram` instead answers the upgrade itself, so a test can send the client arbitrary server messages.
 */
import { closeQuietly } from "../deepgram-socket.ts";

interface Link {
  client: WebSocket;
  upstream: WebSocket | undefined;
  cut: boolean;
}

export class SocketProxy {
  readonly urls: string[] = [];
  /** Text frames the client sent, over all sockets, in order. */
  readonly sentText: string[] = [];
  readonly sentBinarySizes: number[] = [];
  readonly #links: Link[] = [];

  readonly fetcher: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    this.urls.push(url);
    const response = await fetch(input, init);
    const upstream = response.webSocket;
    if (!upstream) return response;
    upstream.accept();
    upstream.binaryType = "arraybuffer";
    const pair = new WebSocketPair();
    const [client, near] = [pair[1], pair[0]];
    near.accept();
    near.binaryType = "arraybuffer";
    const link: Link = { client: near, upstream, cut: false };
    this.#links.push(link);
    upstream.addEventListener("message", (e) => {
      if (!link.cut) sendQuietly(near, e.data);
    });
    upstream.addEventListener("close", (e) => {
      if (!link.cut) closeQuietly(near, e.code === 1005 || e.code === 1006 ? 1011 : e.code, e.reason);
    });
    near.addEventListener("message", (e) => {
      if (typeof e.data === "string") this.sentText.push(e.data);
      else this.sentBinarySizes.push(e.data.byteLength);
      if (!link.cut) sendQuietly(upstream, e.data);
    });
    near.addEventListener("close", () => {
      if (!link.cut) closeQuietly(upstream, 1000, "");
    });
    return new Response(null, { status: 101, webSocket: client });
  };

  get sockets(): number {
    return this.#links.length;
  }

  /** Text frames of a given `type` the client sent. */
  sent(type: string): unknown[] {
    return this.sentText.map((t) => JSON.parse(t) as { type: string }).filter((m) => m.type === type);
  }

  /** Closes the newest socket towards the client without a status code (it sees 1005) and drops its upstream. */
  cut(): void {
    const link = this.#links.at(-1);
    if (!link || link.cut) return;
    link.cut = true;
    link.client.close();
    if (link.upstream) closeQuietly(link.upstream, 1000, "");
  }
}

/** Plays the Deepgram side of every socket the client opens (the newest is `server`); the test drives it. */
export class FakeDeepgram {
  readonly urls: string[] = [];
  readonly received: (string | ArrayBuffer)[] = [];
  server: WebSocket | undefined;

  readonly fetcher: typeof fetch = async (input) => {
    this.urls.push(input instanceof Request ? input.url : String(input));
    const pair = new WebSocketPair();
    const server = pair[0];
    server.accept();
    server.binaryType = "arraybuffer";
    server.addEventListener("message", (e) => {
      this.received.push(e.data);
      // Like Deepgram, end the stream when the client asks to (CloseStream on listen, Close on speak).
      if (e.data === '{"type":"CloseStream"}' || e.data === '{"type":"Close"}') server.close(1000, "");
    });
    this.server = server;
    return new Response(null, { status: 101, webSocket: pair[1] });
  };

  send(message: unknown): void {
    this.server?.send(typeof message === "string" || message instanceof Uint8Array ? message : JSON.stringify(message));
  }
}

/** Forwards a frame; one that arrives after its destination closed is dropped, as on the wire. */
function sendQuietly(socket: WebSocket, data: string | ArrayBuffer): void {
  try {
    socket.send(data);
  } catch {
    // closed meanwhile
  }
}
