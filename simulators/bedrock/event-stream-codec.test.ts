import { EventStreamCodec } from "@smithy/core/event-streams";
import { describe, expect, it } from "vitest";
import { crc32 } from "./crc32.ts";
import { decodeMessage, encodeMessage, EventStreamFrameError, EventStreamSplitter } from "./event-stream-codec.ts";
import { eventFrame } from "./converse-stream-writer.ts";

const utf8 = new TextEncoder();
// The 122-byte messageStop frame from protocols.md §5.4, generated with the SDK's codec and checked with zlib.crc32.
const MESSAGE_STOP_HEX =
  "0000007a00000051ca2c46650b3a6576656e742d7479706507000b6d65737361676553746f700d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700056576656e747b2273746f70526561736f6e223a22656e645f7475726e227d5fbf09fc";

describe("crc32", () => {
  it("matches the IEEE check value and continues a running checksum", () => {
    const bytes = utf8.encode("123456789");
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(crc32(bytes, 4, 9, crc32(bytes, 0, 4))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe("event-stream codec", () => {
  it("encodes the messageStop test vector byte for byte", () => {
    const frame = eventFrame("messageStop", { stopReason: "end_turn" });
    expect(Buffer.from(frame).toString("hex")).toBe(MESSAGE_STOP_HEX);
  });

  it("round-trips headers and payload, and the SDK's codec reads our frames", () => {
    const payload = utf8.encode(JSON.stringify({ contentBlockIndex: 0, delta: { text: "Grüße 👋" } }));
    const frame = encodeMessage({ headers: { ":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event" }, payload });
    const decoded = decodeMessage(frame);
    expect(decoded.headers).toEqual({ ":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event" });
    expect(Buffer.from(decoded.payload).equals(Buffer.from(payload))).toBe(true);

    const sdk = new EventStreamCodec((bytes) => new TextDecoder().decode(bytes), (text) => utf8.encode(text)).decode(frame);
    expect(sdk.headers[":event-type"]).toEqual({ type: "string", value: "contentBlockDelta" });
    expect(new TextDecoder().decode(sdk.body)).toBe(new TextDecoder().decode(payload));
  });

  it("refuses header names over 255 bytes and values over 32767 bytes (§5.4)", () => {
    const payload = new Uint8Array(0);
    expect(() => encodeMessage({ headers: { ["n".repeat(256)]: "v" }, payload })).toThrow(EventStreamFrameError);
    expect(() => encodeMessage({ headers: { ":event-type": "v".repeat(32_768) }, payload })).toThrow(EventStreamFrameError);
    expect(encodeMessage({ headers: { ["n".repeat(255)]: "v".repeat(32_767) }, payload }).length).toBeGreaterThan(32_767);
  });

  it("detects a corrupted byte in the prelude, headers or payload", () => {
    const frame = Buffer.from(MESSAGE_STOP_HEX, "hex");
    const corrupt = (offset: number) => {
      const copy = Uint8Array.from(frame);
      copy[offset]! ^= 0x01;
      return copy;
    };
    expect(() => decodeMessage(corrupt(5))).toThrow(/prelude checksum/);
    expect(() => decodeMessage(corrupt(20))).toThrow(/message checksum/);
    expect(() => decodeMessage(corrupt(frame.length - 10))).toThrow(/message checksum/);
    expect(() => decodeMessage(corrupt(frame.length - 1))).toThrow(EventStreamFrameError);
    expect(() => decodeMessage(corrupt(3))).toThrow(/length/);
  });

  it("reassembles frames split across and joined within chunks", () => {
    const frames = [eventFrame("messageStart", { role: "assistant" }), eventFrame("messageStop", { stopReason: "end_turn" })];
    const stream = Buffer.concat(frames);
    const splitter = new EventStreamSplitter();
    const seen: string[] = [];
    for (let i = 0; i < stream.length; i += 37) for (const m of splitter.push(stream.subarray(i, i + 37))) seen.push(m.headers[":event-type"]!);
    expect(seen).toEqual(["messageStart", "messageStop"]);
    expect(splitter.pendingBytes).toBe(0);
  });
});
