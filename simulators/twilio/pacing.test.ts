import { afterEach, describe, expect, it } from "vitest";
import { buildMarkMessage, buildMediaMessage } from "../../shared/protocol/twilio-media.ts";
import { connectTwiml, startHarness, type Harness } from "./testing/harness.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

describe("real-time pacing at speed 1", () => {
  it("sends a 20 ms frame every 20 ms and plays agent audio at 8000 bytes/s, within 10%", async () => {
    h = await startHarness({ speed: 1 });
    h.platform.route("/voice", connectTwiml(h.platform));
    const call = await h.ring({ steps: [{ pause: 900 }, { hangup: true }] });
    const stream = await h.platform.nextStream();
    const start = await stream.waitFor((m) => m.event === "start");
    const streamSid = start.event === "start" ? start.streamSid : "";
    const sentAt = performance.now();
    stream.send(buildMediaMessage(streamSid, Buffer.alloc(4800, 0x10).toString("base64"))); // 600 ms
    stream.send(buildMarkMessage(streamSid, "played"));
    await call.ended;

    const media = stream.messages.filter((m) => m.message.event === "media");
    expect(media.length).toBeGreaterThan(35);
    const spanMs = media.at(-1)!.atMs - media[0]!.atMs;
    const perFrameMs = spanMs / (media.length - 1);
    expect(perFrameMs).toBeGreaterThan(18);
    expect(perFrameMs).toBeLessThan(22);

    const echo = stream.messages.find((m) => m.message.event === "mark")!;
    const playedMs = echo.atMs - sentAt;
    expect(playedMs).toBeGreaterThan(540);
    expect(playedMs).toBeLessThan(660);
  });
});
