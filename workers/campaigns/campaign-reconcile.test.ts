import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { baseCampaign, campaignStub, campaignTenant, simCalls } from "./campaign-fixtures.ts";

/** durable-objects/campaign/call-settler.ts: how long an unfound intent may still turn up at Twilio. */
const RECONCILE_GRACE_MS = 10 * 60_000;
const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

describe("a dial cut off between its intent and Twilio's answer (the object crashed)", () => {
  it("adopts the call Twilio's list shows for the intent, marks an unfound one uncertain, and never redials either", { timeout: 60_000 }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    const seq = Math.floor(Math.random() * 9000) + 1000;
    const [reached, lost] = [`+1312555${seq}`, `+1312556${seq}`];
    const created = await api(t.key).post("/v1/campaigns", { ...baseCampaign(t), contacts: [{ phone: reached }, { phone: lost }] });
    const id = created.json.id as string;
    await api(t.key).post(`/v1/campaigns/${id}/start`);
    await api(t.key).post(`/v1/campaigns/${id}/pause`); // nothing new is dialled; what is in flight still settles

    // The state a crash leaves: both intents written, the restarted object has no memory of either dial.
    const intentAt = Date.now() - 1_000;
    await runInDurableObject(campaignStub(id), (_instance, state) => {
      state.storage.sql.exec("UPDATE contacts SET state = 'in_progress', attempts = 1");
      state.storage.sql.exec("INSERT INTO attempts (call_id, contact_seq, attempt, from_number, intent_at, status) VALUES ('CAL-RECONCILEREACH1', 1, 1, ?, ?, 'intent'), ('CAL-RECONCILELOST01', 2, 1, ?, ?, 'intent')", t.number, intentAt, t.number, intentAt);
    });
    // Twilio did get the first dial (it answers and soon hangs up); the second never reached it.
    const auth = `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}`;
    const placed = await fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/Calls.json`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ To: reached, From: t.number, Twiml: '<Response><Pause length="1"/></Response>' }).toString(),
    });
    const sid = ((await placed.json()) as { sid: string }).sid;
    // Answered, so Twilio gave it a start time (the StartTime filter only sees started calls).
    await waitFor(async () => ["in-progress", "completed"].includes((await simCalls(t)).find((c) => c.callSid === sid)?.status ?? ""));

    const stub = campaignStub(id);
    await stub.tick(Date.now());
    const contacts = async () => (await api(t.key).get(`/v1/campaigns/${id}/contacts`)).json.data as any[];
    expect((await contacts())[0].attempts).toEqual([expect.objectContaining({ call_id: "CAL-RECONCILEREACH1", status: "placed" })]);
    expect((await contacts())[1]).toMatchObject({ state: "in_progress", attempts: [expect.objectContaining({ status: "intent" })] });

    // Once the call ended it settles like any other; the lost intent becomes uncertain after the grace.
    await waitFor(async () => FINAL.has((await simCalls(t)).find((c) => c.callSid === sid)!.status));
    await stub.tick(Date.now() + RECONCILE_GRACE_MS + 1_000);
    expect(await contacts()).toEqual([
      expect.objectContaining({ phone: reached, state: "done", outcome: "answered" }),
      expect.objectContaining({ phone: lost, state: "uncertain", reason: "dial_unconfirmed", attempts: [expect.objectContaining({ status: "uncertain" })] }),
    ]);

    // Resumed and run on: neither callee is dialled again.
    await api(t.key).post(`/v1/campaigns/${id}/resume`);
    await stub.tick(Date.parse("2027-01-13T18:00:00Z"));
    expect((await api(t.key).get(`/v1/campaigns/${id}`)).json.state).toBe("completed");
    expect((await simCalls(t)).map((c) => c.to)).toEqual([reached]);
  });
});

/** Waits, up to its deadline, until `condition` holds (vi.waitFor retries the assertion). */
const waitFor = (condition: () => Promise<boolean>, timeoutMs = 10_000) => vi.waitFor(async () => expect(await condition(), "condition not met in time").toBe(true), { timeout: timeoutMs, interval: 20 });

describe("a call in flight when its campaign is cancelled", () => {
  it("settles with its outcome and is not retried", { timeout: 60_000 }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    const phone = `+1312557${Math.floor(Math.random() * 9000) + 1000}`;
    await fetch(`${env.TWILIO_API_BASE_URL}/__control/callees`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ to: phone, script: { answer: "no-answer" } }) });
    const id = (await api(t.key).post("/v1/campaigns", { ...baseCampaign(t), contacts: [{ phone }] })).json.id as string;
    await api(t.key).post(`/v1/campaigns/${id}/start`);
    const placed = await fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/Calls.json`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ To: phone, From: t.number, Twiml: "<Response><Hangup/></Response>" }).toString(),
    });
    const sid = ((await placed.json()) as { sid: string }).sid;
    await runInDurableObject(campaignStub(id), (_instance, state) => {
      state.storage.sql.exec("UPDATE contacts SET state = 'in_progress', attempts = 1");
      state.storage.sql.exec("INSERT INTO attempts (call_id, contact_seq, attempt, from_number, intent_at, call_sid, status) VALUES ('CAL-CANCELLEDCALL01', 1, 1, ?, ?, ?, 'placed')", t.number, Date.now(), sid);
    });
    expect((await api(t.key).post(`/v1/campaigns/${id}/cancel`)).json.state).toBe("cancelled");
    await waitFor(async () => FINAL.has((await simCalls(t)).find((c) => c.callSid === sid)!.status));
    await campaignStub(id).tick(Date.now());
    expect((await api(t.key).get(`/v1/campaigns/${id}/contacts`)).json.data).toEqual([expect.objectContaining({ state: "skipped", reason: "cancelled", outcome: "no_answer" })]);
  });
});
