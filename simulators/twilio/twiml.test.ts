import { describe, expect, it } from "vitest";
import { parseTwiml } from "./twiml.ts";

describe("parseTwiml", () => {
  it("types every supported verb with defaults", () => {
    const result = parseTwiml(`<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say voice="Polly.Joanna" language="en-US">Connecting you now.</Say>
  <Play loop="2">https://example.com/a.mp3</Play>
  <Pause length="3"/>
  <Connect action="https://app.example/connect-done" method="POST">
    <Stream url="wss://app.example/media/CA123" name="agent" statusCallback="https://app.example/stream-status">
      <Parameter name="tenant" value="acme"/>
      <Parameter name="token" value="k2f9"/>
    </Stream>
  </Connect>
  <Dial callerId="+15550001111" timeout="20" action="/dial-done"><Number>+15551234567</Number><Conference>room-1</Conference></Dial>
  <Dial>+15557654321</Dial>
  <Redirect method="GET">/next</Redirect>
  <Gather/>
  <Hangup/>
</Response>`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings).toEqual([]);
    expect(result.verbs).toEqual([
      { verb: "Say", text: "Connecting you now.", voice: "Polly.Joanna", language: "en-US", loop: 1 },
      { verb: "Play", url: "https://example.com/a.mp3", loop: 2 },
      { verb: "Pause", lengthSec: 3 },
      {
        verb: "Connect",
        action: "https://app.example/connect-done",
        method: "POST",
        stream: {
          url: "wss://app.example/media/CA123",
          name: "agent",
          statusCallback: "https://app.example/stream-status",
          statusCallbackMethod: "POST",
          parameters: { tenant: "acme", token: "k2f9" },
        },
      },
      {
        verb: "Dial",
        action: "/dial-done",
        method: "POST",
        timeoutSec: 20,
        timeLimitSec: 14400,
        callerId: "+15550001111",
        targets: [
          { kind: "number", value: "+15551234567" },
          { kind: "conference", value: "room-1", conference: { startConferenceOnEnter: true, endConferenceOnExit: false } },
        ],
      },
      { verb: "Dial", action: null, method: "POST", timeoutSec: 30, timeLimitSec: 14400, callerId: null, targets: [{ kind: "number", value: "+15557654321" }] },
      { verb: "Redirect", url: "/next", method: "GET" },
      { verb: "Unsupported", name: "Gather" },
      { verb: "Hangup" },
    ]);
  });

  it("reports malformed XML and a wrong root as 12100", () => {
    for (const text of ["<Response><Say>hi</Response>", "not xml", "<Reply><Hangup/></Reply>"]) {
      const result = parseTwiml(text);
      expect(result).toMatchObject({ ok: false, code: 12100 });
    }
  });

  it.each([
    ["an unknown verb", "<Response><Speak>hi</Speak></Response>"],
    ["a Stream without url", "<Response><Connect><Stream/></Connect></Response>"],
    ["an outbound track on a bidirectional stream", '<Response><Connect><Stream url="wss://x/y" track="both_tracks"/></Connect></Response>'],
    ["a Parameter without value", '<Response><Connect><Stream url="wss://x/y"><Parameter name="a"/></Stream></Connect></Response>'],
    ["an oversized Parameter", `<Response><Connect><Stream url="wss://x/y"><Parameter name="a" value="${"v".repeat(499)}"/></Stream></Connect></Response>`],
    ["two Streams in one Connect", '<Response><Connect><Stream url="wss://x/1"/><Stream url="wss://x/2"/></Connect></Response>'],
    ["a bad Pause length", '<Response><Pause length="-1"/></Response>'],
    ["a bad method", '<Response><Redirect method="PUT">/x</Redirect></Response>'],
    ["stray text", "<Response>hello<Hangup/></Response>"],
    ["an empty Dial", "<Response><Dial></Dial></Response>"],
  ])("reports %s as a 12200 schema error", (_name, text) => {
    expect(parseTwiml(text)).toMatchObject({ ok: false, code: 12200 });
  });

  it("warns (12200) about unknown attributes without failing", () => {
    const result = parseTwiml('<Response><Say vioce="x">hi</Say></Response>');
    expect(result).toMatchObject({ ok: true, warnings: ["<Say> has unknown attribute 'vioce'"] });
  });
});
