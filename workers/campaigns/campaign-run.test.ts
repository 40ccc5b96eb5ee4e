import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { baseCampaign, campaignStub, campaignTenant, consent, simCalls, simControl } from "./campaign-fixtures.ts";

/** Contacts in the run below: 60 in `npm test`; `CAMPAIGN_CONTACTS=1000 npx vitest run --project workers workers/campaigns/campaign-run.test.ts` runs the full size (vitest.config.ts passes it in). */
const CAMPAIGN_CONTACTS = Number((env as unknown as { CAMPAIGN_CONTACTS?: string }).CAMPAIGN_CONTACTS || 60);
const ACCOUNT_LIMIT = 8;
const RESERVED_INBOUND = 2;
const MAX_CONCURRENCY = ACCOUNT_LIMIT - RESERVED_INBOUND;
const AREA_CODES = ["212", "312", "415", "907"]; // New York, Chicago, Los Angeles, Anchorage + Adak
const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);
/** About a second of real time per contact on the shared 2-core machine (60: ~45 s; 1000 overran ten minutes). */
const RUN_TIMEOUT_MS = Math.max(600_000, CAMPAIGN_CONTACTS * 2_000);

/** Each contact's scripted fate at the simulator, by position: most miss, a few answer, a few may not be called. */
function fate(i: number): "answer" | "machine" | "no-answer" | "busy" | "failed" | "no_consent" | "do_not_call" {
  if (i % 20 === 19) return "no_consent";
  if (i % 20 === 9) return "do_not_call";
  return (["answer", "machine", "no-answer", "no-answer", "no-answer", "busy", "busy", "machine", "failed", "no-answer"] as const)[i % 10]!;
}

const gate = (accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));

describe(`a campaign of ${CAMPAIGN_CONTACTS} contacts against the Twilio simulator, on the campaign's own clock`, () => {
  it("keeps concurrency within its limit beside inbound calls, holds windows, follows the retry policy, survives a restart and ends every contact", { timeout: RUN_TIMEOUT_MS }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: ACCOUNT_LIMIT, reservedInbound: RESERVED_INBOUND });
    const seq = Math.floor(Math.random() * 9000) + 1000;
    const phones = Array.from({ length: CAMPAIGN_CONTACTS }, (_, i) => `+1${AREA_CODES[i % AREA_CODES.length]}${String(2000000 + (seq % 8000) * 1000 + i)}`);
    for (const [i, phone] of phones.entries()) {
      const f = fate(i);
      if (f !== "no_consent") expect((await consent(t, phone)).status).toBe(201);
      if (f === "do_not_call") expect((await api(t.key).post("/v1/do-not-call", { phone, reason: "asked" })).status).toBe(201);
      const script = f === "machine" ? { answeredBy: "machine_end_beep" } : f === "answer" ? { answeredBy: "human" } : f === "no-answer" || f === "busy" || f === "failed" ? { answer: f } : {};
      await simControl("callees", { to: phone, script });
    }
    const retry = { no_answer: { max_attempts: 3, min_gap_minutes: 30 }, busy: { max_attempts: 2, min_gap_minutes: 10 }, failed: { max_attempts: 2, min_gap_minutes: 10 }, voicemail: { max_attempts: 2, min_gap_minutes: 60 } };
    const contacts = phones.map((phone, i) => ({ phone, variables: { n: String(i) } }));
    const created = await api(t.key).post("/v1/campaigns", { ...baseCampaign(t), max_concurrency: MAX_CONCURRENCY, pacing_per_minute: 20, retry, contacts: contacts.slice(0, 1000) });
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    for (let i = 1000; i < contacts.length; i += 1000) expect((await api(t.key).post(`/v1/campaigns/${id}/contacts`, { contacts: contacts.slice(i, i + 1000) })).status).toBe(200);
    expect((await api(t.key).post(`/v1/campaigns/${id}/start`)).json.state).toBe("scheduled");

    // An inbound call holds a slot for the whole run.
    expect((await gate(t.accountId).admit("CAL-INBOUNDHELD00001", ACCOUNT_LIMIT)).admitted).toBe(true);

    // Wednesday 2027-01-13, 13:00 UTC: 08:00 in New York, so nobody may be called yet.
    let now = Date.parse("2027-01-13T13:00:00Z");
    let stub = campaignStub(id);
    let restarted = false;
    const dialledAt: { phone: string; at: number }[] = [];
    let inboundAtFullCampaign = false;
    let lastProgress: unknown;
    // Every call the simulator has, counted once, at the campaign instant of the tick that placed it: a dial may
    // land at the simulator after the tick returns, so calls are looked for again once the tick's calls have ended.
    const seen = new Set<string>();
    const noteDials = async () => {
      for (const call of (await simCalls(t)).filter((c) => !seen.has(c.callSid))) {
        seen.add(call.callSid);
        dialledAt.push({ phone: call.to, at: now });
      }
    };
    for (let step = 0; step < 5000; step++) {
      await stub.tick(now);
      const progress = await stub.progress();
      lastProgress = progress;
      await noteDials();
      expect(progress.in_flight).toBeLessThanOrEqual(MAX_CONCURRENCY);
      expect(await gate(t.accountId).active()).toBeLessThanOrEqual(ACCOUNT_LIMIT);
      await gate(t.accountId).renew("CAL-INBOUNDHELD00001");
      if ((await gate(t.accountId).active()) >= ACCOUNT_LIMIT - RESERVED_INBOUND && !inboundAtFullCampaign) {
        // Campaign calls and the held inbound call fill all but the reserve, yet a caller still gets through.
        expect((await gate(t.accountId).admit("CAL-INBOUNDLATE00001", ACCOUNT_LIMIT)).admitted).toBe(true);
        await gate(t.accountId).release("CAL-INBOUNDLATE00001");
        inboundAtFullCampaign = true;
      }
      if (progress.state === "completed") break;
      if (!restarted && progress.counts.pending <= CAMPAIGN_CONTACTS / 2) {
        // A forced restart once half the contacts were taken up (the campaign's own count, not the simulator's, which
        // may trail it): the object's memory is gone; only its storage carries on.
        await runInDurableObject(stub, (_instance, state) => state.abort("forced restart")).catch(() => undefined);
        stub = campaignStub(id);
        restarted = true;
      }
      // The calls just placed run at the simulator in real time; the campaign reads their ends on its next tick.
      await waitForCallsToEnd(t);
      await noteDials();
      const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
      now = Math.max(now + 1_000, alarm ?? now + 60_000);
    }
    expect(restarted, `no restart: ${dialledAt.length} dials seen, last progress ${JSON.stringify(lastProgress)}`).toBe(true);
    expect(inboundAtFullCampaign, `campaign never filled its slots: ${dialledAt.length} dials seen, last progress ${JSON.stringify(lastProgress)}`).toBe(true);

    const detail = (await api(t.key).get(`/v1/campaigns/${id}`)).json;
    expect(detail.state).toBe("completed");
    expect(detail.progress.counts.pending + detail.progress.counts.in_progress + detail.progress.counts.retry_scheduled).toBe(0);
    expect(detail.progress.peak_in_flight).toBeLessThanOrEqual(MAX_CONCURRENCY);

    const all = await allContacts(t.key, id);
    expect(all).toHaveLength(CAMPAIGN_CONTACTS);
    const calls = await simCalls(t);
    for (const [i, phone] of phones.entries()) {
      const c = all.find((x) => x.phone === phone)!;
      const f = fate(i);
      const placed = calls.filter((x) => x.to === phone);
      // Nobody was dialled more often than the campaign recorded, restart included.
      expect(placed.length, phone).toBe(c.attempts.length);
      expect(new Set(c.attempts.map((a: { call_id: string }) => a.call_id)).size).toBe(c.attempts.length);
      if (f === "no_consent") expect(c).toMatchObject({ state: "skipped", reason: "consent_no_record", attempts: [] });
      if (f === "do_not_call") expect(c).toMatchObject({ state: "skipped", reason: "consent_do_not_call", attempts: [] });
      if (f === "answer") expect(c).toMatchObject({ state: "done", outcome: "answered" });
      if (f === "machine") expect(c).toMatchObject({ state: "failed", outcome: "voicemail" });
      if (f === "machine") expect(c.attempts).toHaveLength(2);
      if (f === "no-answer") expect(c).toMatchObject({ state: "failed", outcome: "no_answer" });
      if (f === "no-answer") expect(c.attempts).toHaveLength(3);
      if (f === "busy") expect(c.attempts).toHaveLength(2);
      if (f === "failed") expect(c).toMatchObject({ state: "failed", outcome: "failed" });
      // Local presence: New York callees hear the New York number.
      if (phone.startsWith("+1212")) expect(c.attempts.every((a: { from: string }) => a.from === t.nyNumber)).toBe(true);
      // Retries kept their gaps (on the campaign's clock).
      const times = dialledAt.filter((d) => d.phone === phone).map((d) => d.at);
      const gap = f === "no-answer" ? 30 : f === "machine" ? 60 : 10;
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeGreaterThanOrEqual(gap * 60_000);
    }
    // Every dial happened inside 09:00–20:00 in each of its callee's zones.
    const zones: Record<string, string[]> = { "212": ["America/New_York"], "312": ["America/Chicago"], "415": ["America/Los_Angeles"], "907": ["America/Anchorage", "America/Adak"] };
    for (const d of dialledAt) {
      for (const zone of zones[d.phone.slice(2, 5)]!) {
        const local = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d.at);
        expect(local >= "09:00" && local < "20:00", `${d.phone} at ${new Date(d.at).toISOString()} (${zone} ${local})`).toBe(true);
      }
    }
    await gate(t.accountId).release("CAL-INBOUNDHELD00001");
  });
});

async function waitForCallsToEnd(t: { accountSid: string }) {
  await vi.waitFor(
    async () => expect((await simCalls(t as never)).filter((c) => !FINAL.has(c.status)).map((c) => `${c.callSid} ${c.status}`), "simulated calls still live").toEqual([]),
    { timeout: 30_000, interval: 20 },
  );
}

async function allContacts(key: string, id: string) {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { json: { data: any[]; next_cursor: string | null } } = await api(key).get(`/v1/campaigns/${id}/contacts?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    out.push(...page.json.data);
    cursor = page.json.next_cursor;
  } while (cursor);
  return out;
}
