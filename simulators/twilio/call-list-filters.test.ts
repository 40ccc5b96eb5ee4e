import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Account } from "./simulator-state.ts";
import { startTwilioSimulator, type TwilioSimulator } from "./simulator.ts";
import { fakeSynthesize, startFakePlatform, type FakePlatform } from "./testing/fake-platform.ts";
import { twilioRest } from "./testing/rest-client.ts";

let sim: TwilioSimulator;
let platform: FakePlatform;
let account: Account;
const OWNED = "+14155550100";
const ANSWERS = "+14155550111";
const RINGS_OUT = "+14155550122";

beforeAll(async () => {
  platform = await startFakePlatform();
  sim = await startTwilioSimulator({ speed: 20, synthesize: fakeSynthesize() });
  account = sim.addAccount();
  sim.addNumber({ accountSid: account.accountSid, phoneNumber: OWNED });
  sim.setCalleeScript(RINGS_OUT, { answer: "no-answer" });
  platform.route("/hold", '<Response><Pause length="600"/></Response>');
});

afterAll(async () => {
  await sim.close();
  await platform.close();
});

const list = async (query: string) => {
  const res = await fetch(`${sim.url}/2010-04-01/Accounts/${account.accountSid}/Calls.json?${query}`, {
    headers: { authorization: `Basic ${btoa(`${account.accountSid}:${account.authToken}`)}` },
  });
  return { status: res.status, body: (await res.json()) as { calls?: { sid: string }[]; code?: number } };
};

describe("call list filters (To, StartTime, StartTime>, StartTime<)", () => {
  it("finds a started call by To and its start date, and leaves out calls that never started", async () => {
    const answered = (await twilioRest(sim.url, account, "POST", "/Calls.json", { To: ANSWERS, From: OWNED, Url: `${platform.url}/hold` })).body.sid as string;
    const unanswered = (await twilioRest(sim.url, account, "POST", "/Calls.json", { To: RINGS_OUT, From: OWNED, Url: `${platform.url}/hold` })).body.sid as string;
    await vi.waitFor(async () => expect((await twilioRest(sim.url, account, "GET", `/Calls/${answered}.json`)).body.start_time).not.toBeNull(), { timeout: 5000 });
    await vi.waitFor(async () => expect((await twilioRest(sim.url, account, "GET", `/Calls/${unanswered}.json`)).body.status).toBe("no-answer"), { timeout: 5000 });
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

    // `StartTime>=YYYY-MM-DD` as Twilio's docs write it arrives as the parameter `StartTime>`.
    expect((await list(`To=${encodeURIComponent(ANSWERS)}&StartTime>=${today}`)).body.calls!.map((c) => c.sid)).toEqual([answered]);
    expect((await list(`To=${encodeURIComponent(ANSWERS)}&StartTime=${today}`)).body.calls!.map((c) => c.sid)).toEqual([answered]);
    expect((await list(`To=${encodeURIComponent(ANSWERS)}&StartTime>=${tomorrow}`)).body.calls).toEqual([]);
    expect((await list(`To=${encodeURIComponent(ANSWERS)}&${encodeURIComponent("StartTime<")}=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).body.calls).toEqual([]);
    // Twilio gives an unanswered call no start time: a StartTime filter leaves it out, To alone finds it.
    expect((await list(`To=${encodeURIComponent(RINGS_OUT)}&StartTime>=${today}`)).body.calls).toEqual([]);
    expect((await list(`To=${encodeURIComponent(RINGS_OUT)}`)).body.calls!.map((c) => c.sid)).toEqual([unanswered]);
    await twilioRest(sim.url, account, "POST", `/Calls/${answered}.json`, { Status: "completed" });
  });

  it("refuses a StartTime that is not a date", async () => {
    expect(await list("StartTime>=yesterday")).toMatchObject({ status: 400, body: { code: 20001 } });
  });
});
