import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { selectVariants } from "../../bench/media-levers.ts";
import { WireTap } from "../../bench/wiretap.ts";

// The bench's per-kind message counts (section 8), on real sockets: a stand-in simulator server and the platform's side as clients.
let server: Server | undefined;
let tap: WireTap | undefined;
afterEach(async () => {
  tap?.uninstall();
  await new Promise((r) => server?.close(r));
});

const opened = (ws: WebSocket) => new Promise((r) => ws.once("open", r));
const received = (ws: WebSocket, n: number) => new Promise<void>((r) => { let k = 0; ws.on("message", () => ++k === n && r()); });

describe("the wire tap's message counts", () => {
  it("counts STT messages back, TTS audio and its bytes by simulator port, and marks apart from media to Twilio", async () => {
    tap = new WireTap();
    tap.install();
    server = createServer();
    const wss = new WebSocketServer({ server });
    wss.on("connection", (ws, req) => {
      if (req.url!.startsWith("/v1/listen")) for (let i = 0; i < 3; i++) ws.send(JSON.stringify({ type: "Results", is_final: false }));
      else if (req.url === "/v1/speak") for (const size of [800, 800, 400]) ws.send(Buffer.alloc(size));
      else ws.on("message", () => [`{"event":"media","streamSid":"MZ1","media":{"payload":"${"/".repeat(214)}=="}}`, `{"event":"mark","streamSid":"MZ1","mark":{"name":"m"}}`].forEach((m) => ws.send(m)));
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;

    const listen = new WebSocket(`ws://127.0.0.1:${port}/v1/listen?extra=call_sid:CA1`);
    const speak = new WebSocket(`ws://127.0.0.1:${port}/v1/speak`);
    const twilio = new WebSocket(`ws://127.0.0.1:${port}/stream`);
    await Promise.all([opened(twilio), received(listen, 3), received(speak, 3)]);
    const agent = received(twilio, 2);
    twilio.send(JSON.stringify({ event: "start", start: { callSid: "CA1" } }));
    await agent;
    for (const ws of [listen, speak, twilio]) ws.close();

    expect(tap.listen).toMatchObject([{ callSid: "CA1", port, sent: 3 }]);
    expect(tap.speak).toMatchObject([{ port, audioBytes: 2000 }]);
    expect(tap.speak[0]!.audioSent).toHaveLength(3);
    expect(tap.twilio.get("CA1")).toMatchObject({ agentMediaMs: [20], agentControl: 1 });
  });

  it("pairs the chosen baseline with the chosen levers, and names the known keys for an unknown one", () => {
    expect(selectVariants("defaults", ["standard-socket"]).map((v) => v.vars.TWILIO_SOCKET_HIBERNATION)).toEqual(["on", "off"]);
    expect(selectVariants().map((v) => v.key)).toEqual(["20ms", "agent-80", "stt-80", "both-40", "defaults"]);
    expect(() => selectVariants("defaults", ["nope"])).toThrow(/unknown media lever "nope" \(known: 20ms, /);
  });
});
