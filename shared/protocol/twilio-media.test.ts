import { describe, expect, it } from "vitest";
import {
  buildClearMessage,
  buildMarkMessage,
  buildMediaMessage,
  parseTwilioMessage,
  parseTwilioServerMessage,
} from "./twilio-media.ts";

const AC = "AC0123456789abcdef0123456789abcdef";
const CA = "CA0123456789abcdef0123456789abcdef";
const MZ = "MZ0123456789abcdef0123456789abcdef";
const silence = "/".repeat(212) + "/w==";

describe("parseTwilioMessage", () => {
  it("parses every message Twilio sends", () => {
    const frames = [
      { event: "connected", protocol: "Call", version: "1.0.0" },
      {
        event: "start",
        sequenceNumber: "1",
        streamSid: MZ,
        start: {
          accountSid: AC,
          streamSid: MZ,
          callSid: CA,
          tracks: ["inbound"],
          customParameters: { tenant: "acme" },
          mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
        },
      },
      { event: "media", sequenceNumber: "2", streamSid: MZ, media: { track: "inbound", chunk: "1", timestamp: "0", payload: silence } },
      { event: "dtmf", sequenceNumber: "3", streamSid: MZ, dtmf: { track: "inbound_track", digit: "#" } },
      { event: "mark", sequenceNumber: "4", streamSid: MZ, mark: { name: "utt-3" } },
      { event: "stop", sequenceNumber: "5", streamSid: MZ, stop: { accountSid: AC, callSid: CA } },
    ];
    const events = frames.map((f) => {
      const result = parseTwilioMessage(JSON.stringify(f));
      if (!result.ok) throw new Error(result.error);
      return result.message.event;
    });
    expect(events).toEqual(["connected", "start", "media", "dtmf", "mark", "stop"]);
  });

  it("defaults missing customParameters to {}", () => {
    const result = parseTwilioMessage(
      JSON.stringify({
        event: "start",
        sequenceNumber: "1",
        streamSid: MZ,
        start: { accountSid: AC, streamSid: MZ, callSid: CA, tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } },
      }),
    );
    expect(result.ok && result.message.event === "start" && result.message.start.customParameters).toEqual({});
  });

  it("rejects without throwing: non-JSON, unknown event, numeric sequenceNumber, bad SID", () => {
    const bad = [
      "not json",
      JSON.stringify({ event: "hello" }),
      JSON.stringify({ event: "mark", sequenceNumber: 4, streamSid: MZ, mark: { name: "x" } }),
      JSON.stringify({ event: "stop", sequenceNumber: "5", streamSid: "MZ1", stop: { accountSid: AC, callSid: CA } }),
      "null",
    ];
    for (const text of bad) {
      const result = parseTwilioMessage(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.length).toBeGreaterThan(0);
    }
  });
});

describe("server → Twilio messages", () => {
  it("builds media, mark and clear frames that the strict schema accepts", () => {
    expect(JSON.parse(buildMediaMessage(MZ, silence))).toEqual({ event: "media", streamSid: MZ, media: { payload: silence } });
    expect(JSON.parse(buildMarkMessage(MZ, "m1"))).toEqual({ event: "mark", streamSid: MZ, mark: { name: "m1" } });
    expect(JSON.parse(buildClearMessage(MZ))).toEqual({ event: "clear", streamSid: MZ });
    for (const frame of [buildMediaMessage(MZ, silence), buildMarkMessage(MZ, "m1"), buildClearMessage(MZ)]) {
      expect(parseTwilioServerMessage(frame).ok).toBe(true);
    }
  });

  it("rejects extra fields, missing fields, bad base64 and unknown events", () => {
    const bad = [
      { event: "media", streamSid: MZ, media: { payload: silence, track: "outbound" } },
      { event: "media", streamSid: MZ, media: {} },
      { event: "media", streamSid: MZ, media: { payload: "not base64!" } },
      { event: "media", streamSid: MZ, media: { payload: "abc" } },
      { event: "mark", streamSid: MZ },
      { event: "clear" },
      { event: "clear", streamSid: MZ, extra: 1 },
      { event: "stop", streamSid: MZ },
    ];
    for (const frame of bad) expect(parseTwilioServerMessage(JSON.stringify(frame)).ok).toBe(false);
  });
});
