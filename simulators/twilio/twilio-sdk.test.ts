import fc from "fast-check";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { computeTwilioSignature, verifyTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import type { Account } from "./simulator-state.ts";
import { startTwilioSimulator, type TwilioSimulator } from "./simulator.ts";
import { fakeSynthesize, startFakePlatform, type FakePlatform } from "./testing/fake-platform.ts";
import { SimulatorRequestClient } from "./testing/simulator-request-client.ts";

let sim: TwilioSimulator;
let platform: FakePlatform;
let account: Account;
let client: ReturnType<typeof twilio>;
const FROM = "+14155550100";

beforeAll(async () => {
  platform = await startFakePlatform();
  sim = await startTwilioSimulator({ speed: 20, synthesize: fakeSynthesize() });
  account = sim.addAccount();
  sim.addNumber({ accountSid: account.accountSid, phoneNumber: FROM });
  client = twilio(account.accountSid, account.authToken, { httpClient: new SimulatorRequestClient(sim.url) });
  platform.route("/voice", `<Response><Say>Hello from the app</Say><Hangup/></Response>`);
});

afterAll(async () => {
  await sim.close();
  await platform.close();
});

describe("twilio-node REST client against the simulator", () => {
  it("creates and fetches a call with status callbacks and AMD", async () => {
    const call = await client.calls.create({
      to: "+14155559876",
      from: FROM,
      url: `${platform.url}/voice?tenant=acme`,
      statusCallback: `${platform.url}/status`,
      statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
      machineDetection: "Enable",
    });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.status).toBe("queued");
    expect(call.direction).toBe("outbound-api");
    expect(call.dateCreated).toBeInstanceOf(Date);
    await sim.waitForCallEnd(call.sid, 5000);
    const fetched = await client.calls(call.sid).fetch();
    expect(fetched.status).toBe("completed");
    expect(fetched.answeredBy).toBe("human");
    expect(Number(fetched.duration)).toBeGreaterThanOrEqual(0);

    const requests = platform.requests.filter((r) => r.params.CallSid === call.sid);
    expect(requests.length).toBe(5);
    for (const req of requests) {
      const signature = req.headers["x-twilio-signature"] as string;
      expect(twilio.validateRequest(account.authToken, signature, req.url, req.params)).toBe(true);
      expect(twilio.validateRequest(account.authToken, signature, req.url, { ...req.params, Extra: "1" })).toBe(false);
    }
    const voice = requests.find((r) => r.path === "/voice")!;
    expect(voice.url).toBe(`${platform.url}/voice?tenant=acme`);
    expect(voice.params).toMatchObject({ AnsweredBy: "human", MachineDetectionDuration: "1500" });
  });

  it("surfaces simulator errors as RestException with Twilio's code", async () => {
    const error = await client.calls.create({ to: "12", from: FROM, url: `${platform.url}/voice` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ status: 400, code: 21211, moreInfo: "https://www.twilio.com/docs/errors/21211" });
    const auth = twilio(account.accountSid, "wrong-token", { httpClient: new SimulatorRequestClient(sim.url) });
    await expect(auth.calls.list()).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  it("searches, buys, updates and releases a number", async () => {
    const available = await client.availablePhoneNumbers("US").local.list({ areaCode: 212, limit: 3 });
    expect(available).toHaveLength(3);
    const bought = await client.incomingPhoneNumbers.create({ phoneNumber: available[0]!.phoneNumber, voiceUrl: `${platform.url}/voice` });
    expect(bought.sid).toMatch(/^PN/);
    const updated = await client.incomingPhoneNumbers(bought.sid).update({ voiceUrl: `${platform.url}/other`, voiceMethod: "GET" });
    expect(updated.voiceUrl).toBe(`${platform.url}/other`);
    const listed = await client.incomingPhoneNumbers.list({ phoneNumber: bought.phoneNumber });
    expect(listed.map((n) => n.sid)).toEqual([bought.sid]);
    expect(await client.incomingPhoneNumbers(bought.sid).remove()).toBe(true);
    await expect(client.incomingPhoneNumbers(bought.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });
});

describe("call recordings through twilio-node", () => {
  it("pauses and resumes a live recording, then deletes it: a later fetch or delete is a 404", async () => {
    platform.route("/long", `<Response><Pause length="20"/><Hangup/></Response>`);
    const call = await client.calls.create({ to: "+14155559877", from: FROM, url: `${platform.url}/long` });
    const live = async () => (await client.calls(call.sid).fetch()).status === "in-progress";
    await vi.waitFor(async () => expect(await live()).toBe(true), { timeout: 5_000, interval: 20 });
    const recording = await client.calls(call.sid).recordings.create({ recordingChannels: "dual" });
    expect((await client.calls(call.sid).recordings(recording.sid).update({ status: "paused", pauseBehavior: "skip" })).status).toBe("paused");
    expect((await client.calls(call.sid).recordings(recording.sid).update({ status: "in-progress" })).status).toBe("in-progress");
    await expect(client.calls(call.sid).recordings(recording.sid).update({ status: "paused", pauseBehavior: "louder" as "skip" })).rejects.toMatchObject({ status: 400, code: 20001 });
    await sim.waitForCallEnd(call.sid, 10_000);
    expect((await client.recordings(recording.sid).fetch()).status).toBe("completed");
    expect(await client.recordings(recording.sid).remove()).toBe(true);
    await expect(client.recordings(recording.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(client.recordings(recording.sid).remove()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect(await client.calls(call.sid).recordings.list()).toEqual([]);
  });
});

describe("computeTwilioSignature agrees with twilio-node", () => {
  const param = fc.string({ unit: "grapheme", maxLength: 12 });
  it("for arbitrary URLs and parameters (repeated keys included)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.webUrl({ withQueryParameters: true }),
        fc.dictionary(param, fc.oneof(param, fc.array(param, { maxLength: 3 }))),
        fc.string({ minLength: 1, maxLength: 40 }),
        async (url, params, token) => {
          const ours = await computeTwilioSignature(token, url, params);
          expect(ours).toBe(twilio.getExpectedTwilioSignature(token, url, params as Record<string, string>));
          expect(await verifyTwilioSignature(token, url, params, ours)).toBe(true);
          expect(twilio.validateRequest(token, ours, url, params as Record<string, string>)).toBe(true);
        },
      ),
      { numRuns: 100, seed: 42 },
    );
  });
});
