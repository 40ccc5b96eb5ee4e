import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TwilioApiError, TwilioClient } from "./twilio-client.ts";
import type { RetryClock, RetryPolicy } from "./twilio-retry.ts";

// The real client against the Twilio simulator the workerd tests share; faults are armed per account, so each test
// uses an account of its own. The clock is fake: waits are recorded, not slept.
let seq = Math.floor(Math.random() * 1e9);
const TO = "+14155550188";
const HANG_UP = "<Response><Hangup/></Response>";
const HOLD = '<Response><Pause length="600"/></Response>';

interface Harness {
  client: TwilioClient;
  from: string;
  waits: number[];
  arm(fault: { status: 429 | 503; count: number; retryAfterSeconds?: number; when?: "before" | "after" }): Promise<void>;
  faults(): Promise<{ remaining: number; served: number }>;
  callCount(): Promise<number>;
}

async function control(method: "GET" | "POST", path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${env.TWILIO_API_BASE_URL}/__control/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return res;
}

async function harness(policy: Partial<Omit<RetryPolicy, "clock">> = {}, fetcher?: typeof fetch): Promise<Harness> {
  const accountSid = `AC${(++seq).toString(16).padStart(32, "0")}`;
  const authToken = `retry-token-${seq}`;
  const from = `+1415${String(seq % 10_000_000).padStart(7, "0")}`;
  await control("POST", "accounts", { accountSid, authToken });
  await control("POST", "numbers", { accountSid, phoneNumber: from });
  const waits: number[] = [];
  let now = 0;
  const clock: RetryClock = {
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
  return {
    client: new TwilioClient(env.TWILIO_API_BASE_URL, accountSid, authToken, fetcher, { ...policy, clock }),
    from,
    waits,
    arm: async (fault) => void (await control("POST", "rest-faults", { accountSid, ...fault })),
    faults: async () => (await control("GET", `rest-faults?accountSid=${accountSid}`)).json(),
    callCount: async () => {
      const res = await fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${accountSid}/Calls.json?PageSize=1000`, {
        headers: { authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}` },
      });
      return ((await res.json()) as { calls: unknown[] }).calls.length;
    },
  };
}

describe("TwilioClient retries", () => {
  it("retries a hang-up through 503s with exponential backoff and jitter, then succeeds", async () => {
    const h = await harness({ maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 2_000 });
    const call = await h.client.createCall({ to: TO, from: h.from, twiml: HOLD });
    await h.arm({ status: 503, count: 2 });
    const ended = await h.client.updateCall(call.sid, { status: "completed" });
    expect(ended.sid).toBe(call.sid);
    // random() = 0.5: half of 200 ms, then half of 400 ms.
    expect(h.waits).toEqual([100, 200]);
    expect(await h.faults()).toEqual({ remaining: 0, served: 2 });
  });

  it("honours Retry-After on a 429", async () => {
    const h = await harness();
    await h.arm({ status: 429, count: 1, retryAfterSeconds: 2 });
    expect(await h.client.findNumber(h.from)).toMatchObject({ phone_number: h.from });
    expect(h.waits).toEqual([2_000]);
  });

  it("stops after maxAttempts and throws Twilio's error", async () => {
    const h = await harness({ maxAttempts: 3 });
    await h.arm({ status: 503, count: 10 });
    const error = await h.client.findNumber(h.from).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TwilioApiError);
    expect(error).toMatchObject({ status: 503, code: 20503 });
    expect(await h.faults()).toMatchObject({ served: 3 });
    expect(h.waits).toHaveLength(2);
  });

  it("does not start a retry whose wait would pass the total-time budget", async () => {
    const h = await harness({ maxTotalMs: 5_000 });
    await h.arm({ status: 429, count: 2, retryAfterSeconds: 60 });
    await expect(h.client.findNumber(h.from)).rejects.toMatchObject({ status: 429, retryAfterMs: 60_000 });
    expect(h.waits).toEqual([]);
    expect(await h.faults()).toMatchObject({ remaining: 1, served: 1 });
  });

  it("retries a call create refused with 429: Twilio did not process it", async () => {
    const h = await harness();
    await h.arm({ status: 429, count: 1 });
    const call = await h.client.createCall({ to: TO, from: h.from, twiml: HOLD });
    expect(call.sid).toMatch(/^CA/);
    expect(await h.callCount()).toBe(1);
    await h.client.updateCall(call.sid, { status: "completed" });
  });

  it("never repeats a call create after a 503: Twilio may have placed the call", async () => {
    const h = await harness();
    await h.arm({ status: 503, count: 2, when: "after" });
    await expect(h.client.createCall({ to: TO, from: h.from, twiml: HANG_UP })).rejects.toMatchObject({ status: 503, code: 20503 });
    expect(h.waits).toEqual([]);
    expect(await h.faults()).toEqual({ remaining: 1, served: 1 });
    await h.arm({ status: 503, count: 0 });
    expect(await h.callCount()).toBe(1);
  });

  it("retries an update after a lost connection, but not a create", async () => {
    let failNext = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (failNext > 0) {
        failNext--;
        throw new TypeError("Network connection lost.");
      }
      return fetch(input, init);
    };
    const h = await harness({}, flaky);
    failNext = 1;
    await expect(h.client.createCall({ to: TO, from: h.from, twiml: HANG_UP })).rejects.toThrow("Network connection lost.");
    expect(h.waits).toEqual([]);
    const call = await h.client.createCall({ to: TO, from: h.from, twiml: HOLD });
    failNext = 1;
    expect((await h.client.updateCall(call.sid, { status: "completed" })).sid).toBe(call.sid);
    expect(h.waits).toHaveLength(1);
  });

  it("does not retry other 4xx", async () => {
    const h = await harness();
    await expect(h.client.updateCall("CA00000000000000000000000000000000", { status: "completed" })).rejects.toMatchObject({ status: 404, code: 20404 });
    expect(h.waits).toEqual([]);
  });
});
