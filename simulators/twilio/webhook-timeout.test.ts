import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTwilioSimulator, type TwilioSimulator } from "./simulator.ts";
import { fakeSynthesize, startFakePlatform, type FakePlatform } from "./testing/fake-platform.ts";

// An application that takes every request and never answers: Twilio gives up after its webhook timeout.
let stalled: ReturnType<typeof createServer>;
let stalledUrl: string;
const held: ServerResponse[] = [];
let sim: TwilioSimulator;
let platform: FakePlatform;

beforeAll(async () => {
  stalled = createServer((_req, res) => void held.push(res));
  await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
  stalledUrl = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
  platform = await startFakePlatform();
  sim = await startTwilioSimulator({ speed: 20, synthesize: fakeSynthesize(), webhookTimeoutMs: 300 });
});

afterAll(async () => {
  await sim.close();
  await platform.close();
  for (const res of held) res.destroy();
  await new Promise<void>((resolve) => stalled.close(() => resolve()));
});

it("fails a voice webhook that does not answer within the timeout (11205) and runs VoiceFallbackUrl", async () => {
  const { accountSid } = sim.addAccount();
  const number = "+14155550160";
  sim.addNumber({ accountSid, phoneNumber: number, voiceUrl: `${stalledUrl}/voice`, voiceFallbackUrl: `${platform.url}/fallback` });
  platform.route("/fallback", "<Response><Say>Sorry</Say></Response>");
  const recording = await (await sim.startInboundCall({ from: "+14155550999", to: number })).ended;
  expect(held).toHaveLength(1);
  expect(recording.errors.map((e) => e.code)).toEqual([11205]);
  expect(recording.webhooks.map((w) => [w.kind, w.status])).toEqual([["voice", null], ["fallback", 200]]);
  expect(recording.verbs.map((v) => v.verb)).toEqual(["Say"]);
});
