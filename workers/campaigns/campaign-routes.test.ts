import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { baseCampaign, campaignStub, campaignTenant } from "./campaign-fixtures.ts";

const NY = (n: number) => `+1212555${String(1000 + n).slice(-4)}`;

const uploadCsv = async (key: string, id: string, csv: string, type = "text/csv") => {
  const res = await exports.default.fetch(new Request(`https://api.test/v1/campaigns/${id}/contacts/csv`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": type }, body: csv }));
  return { status: res.status, json: (await res.json()) as any };
};

describe("POST /v1/campaigns: bad input is a problem+json naming the field", () => {
  it.each([
    ["an invalid time zone", { contacts: [{ phone: NY(1), timezone: "Mars/Olympus" }] }, "contacts.0.timezone"],
    ["a schedule starting before 08:00", { schedule: { start_date: "2027-01-11", end_date: "2027-01-12", calling_hours: { start: "07:30", end: "12:00" } } }, "schedule.calling_hours.start"],
    ["a schedule ending after 21:00", { schedule: { start_date: "2027-01-11", end_date: "2027-01-12", calling_hours: { start: "09:00", end: "21:30" } } }, "schedule.calling_hours.end"],
    ["an end date before the start", { schedule: { start_date: "2027-01-12", end_date: "2027-01-11", calling_hours: { start: "09:00", end: "17:00" } } }, "schedule.end_date"],
    ["a non-US number without a zone", { contacts: [{ phone: "+442071838750" }] }, "contacts.0.timezone"],
    ["more concurrency than the account's limit less its inbound reserve", { max_concurrency: 4 }, "max_concurrency"],
  ])("%s", { timeout: 30_000 }, async (_label, override, path) => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 2 });
    const res = await api(t.key).post("/v1/campaigns", { ...baseCampaign(t), ...override });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it("refuses a reserve that leaves no slot for campaigns", { timeout: 30_000 }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 2 });
    const res = await api(t.key).patch("/v1/accounts/me", { reserved_inbound: 5 });
    expect(res.status).toBe(422);
    expect(res.json.errors[0].path).toBe("reserved_inbound");
  });
});

describe("campaign lifecycle and contacts", () => {
  it("runs draft → scheduled ⇄ paused → cancelled, edits contacts only while draft or paused, and exports results", { timeout: 30_000 }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    const a = api(t.key);
    const created = await a.post("/v1/campaigns", { ...baseCampaign(t), contacts: [{ phone: NY(1) }, { phone: NY(2), variables: { first_name: "Ada" } }] });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ state: "draft", contact_count: 2, progress: { counts: { pending: 2 } } });
    const id = created.json.id;

    expect((await a.post(`/v1/campaigns/${id}/contacts`, { contacts: [{ phone: NY(2) }, { phone: NY(3) }] })).json).toEqual({ added: 1, duplicates: [NY(2)], total: 3 });
    expect((await a.post(`/v1/campaigns/${id}/pause`)).status).toBe(409);
    expect((await a.post(`/v1/campaigns/${id}/start`)).json.state).toBe("scheduled");
    expect((await a.post(`/v1/campaigns/${id}/contacts`, { contacts: [{ phone: NY(4) }] })).status).toBe(409);
    expect((await a.post(`/v1/campaigns/${id}/pause`)).json.state).toBe("paused");
    expect((await a.post(`/v1/campaigns/${id}/contacts/remove`, { phones: [NY(3)] })).json).toEqual({ removed: 1, total: 2 });
    expect((await a.post(`/v1/campaigns/${id}/resume`)).json.state).toBe("scheduled");
    const cancelled = await a.post(`/v1/campaigns/${id}/cancel`);
    expect(cancelled.json).toMatchObject({ state: "cancelled", progress: { counts: { skipped: 2 } } });
    expect((await a.post(`/v1/campaigns/${id}/resume`)).status).toBe(409);

    const page = await a.get(`/v1/campaigns/${id}/contacts?limit=1&state=skipped`);
    expect(page.json.data).toEqual([expect.objectContaining({ phone: NY(1), state: "skipped", reason: "cancelled", attempts: [] })]);
    const next = await a.get(`/v1/campaigns/${id}/contacts?limit=1&state=skipped&cursor=${page.json.next_cursor}`);
    expect(next.json).toMatchObject({ data: [expect.objectContaining({ phone: NY(2), variables: { first_name: "Ada" } })], next_cursor: null });

    const csv = await exports.default.fetch(new Request(`https://api.test/v1/campaigns/${id}/results.csv`, { headers: { authorization: `Bearer ${t.key}` } }));
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect((await csv.text()).split("\r\n")).toEqual(["phone,state,reason,outcome,attempts,call_ids,last_dialed_at,analysis_succeeded,analysis_disposition", `${NY(1)},skipped,cancelled,,0,,,,`, `${NY(2)},skipped,cancelled,,0,,,,`, ""]);
  });

  it("lists a full page of 100 contacts with their attempts (more than SQLite binds in one statement)", { timeout: 30_000 }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    const contacts = Array.from({ length: 101 }, (_, i) => ({ phone: `+1212556${String(1000 + i)}` }));
    const id = (await api(t.key).post("/v1/campaigns", { ...baseCampaign(t), contacts })).json.id;
    await runInDurableObject(campaignStub(id), async (_instance, state) => {
      for (let seq = 1; seq <= 101; seq++) state.storage.sql.exec("INSERT INTO attempts (call_id, contact_seq, attempt, from_number, intent_at, call_sid, status, outcome, ended_at) VALUES (?, ?, 1, ?, 0, NULL, 'ended', 'no_answer', 1)", `CAL-PAGE${id.slice(-6)}${seq}`, seq, t.number);
    });
    const page = await api(t.key).get(`/v1/campaigns/${id}/contacts?limit=100`);
    expect(page.status, page.text).toBe(200);
    expect(page.json.data).toHaveLength(100);
    expect(page.json.data.map((c: any) => c.attempts.length)).toEqual(Array(100).fill(1));
  });

  it("shows each contact's analysis outcome once post-call analysis exists (the latest settled version of its latest analysed call)", { timeout: 30_000 }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    const id = (await api(t.key).post("/v1/campaigns", { ...baseCampaign(t), contacts: [{ phone: NY(1) }, { phone: NY(2) }] })).json.id;
    const [first, second] = [`CAL-ANALYSED${String(Date.now()).slice(-6)}`, `CAL-UNANALYSD${String(Date.now()).slice(-5)}`];
    // Two ended dials, as the campaign's object records them after Twilio's final status.
    await runInDurableObject(campaignStub(id), async (_instance, state) => {
      for (const [seq, callId] of [[1, first], [2, second]] as const) {
        state.storage.sql.exec("INSERT INTO attempts (call_id, contact_seq, attempt, from_number, intent_at, call_sid, status, outcome, ended_at) VALUES (?, ?, 1, ?, 0, ?, 'ended', 'answered', 1)", callId, seq, t.number, `CA${callId}`);
        state.storage.sql.exec("UPDATE contacts SET state = 'done', outcome = 'answered', attempts = 1 WHERE seq = ?", seq);
      }
    });
    const analysis = (version: number, status: string, succeeded: number | null, disposition: string | null) =>
      env.DB.prepare("INSERT INTO call_analyses (call_id, analysis_version, account_id, agent_id, agent_version, status, succeeded, disposition, created_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)").bind(first, version, t.accountId, t.agentId, status, succeeded, disposition, new Date().toISOString());
    await env.DB.batch([analysis(1, "succeeded", 0, "no_decision"), analysis(2, "succeeded", 1, "booked"), analysis(3, "queued", null, null)]);

    const contacts = (await api(t.key).get(`/v1/campaigns/${id}/contacts`)).json.data;
    expect(contacts.map((c: any) => [c.phone, c.analysis])).toEqual([
      [NY(1), { call_id: first, succeeded: true, disposition: "booked" }],
      [NY(2), null],
    ]);
    const csv = await exports.default.fetch(new Request(`https://api.test/v1/campaigns/${id}/results.csv`, { headers: { authorization: `Bearer ${t.key}` } }));
    expect((await csv.text()).split("\r\n").slice(1, 3).map((line) => line.split(",").slice(-2))).toEqual([["true", "booked"], ["", ""]]);
  });

  it("keeps the valid rows of a CSV upload and reports each bad row by line", { timeout: 30_000 }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    const id = (await api(t.key).post("/v1/campaigns", baseCampaign(t))).json.id;
    const csv = ["phone,timezone,first_name", `${NY(1)},,Ada`, "+1212,,Bad", `${NY(2)},Mars/Olympus,Bob`, `${NY(3)},America/Chicago,Cy`, `${NY(4)},,"Dee"`].join("\n");
    const res = await uploadCsv(t.key, id, csv);
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ type: "https://docs.ayb.dev/problems/validation-error", added: 3, total: 3 });
    expect(res.json.errors).toEqual([
      { path: "line 3.phone", message: expect.any(String), line: 3 },
      { path: "line 4.timezone", message: expect.stringMatching(/IANA/), line: 4 },
    ]);
    const ok = await uploadCsv(t.key, id, `phone\n${NY(5)}\n${NY(1)}\n`);
    expect(ok).toMatchObject({ status: 200, json: { added: 1, duplicates: 1, rows: 2, total: 4 } });
    expect((await uploadCsv(t.key, id, "number\n+12125550100\n")).json.errors[0]).toMatchObject({ line: 1 });
    expect((await uploadCsv(t.key, id, `phone\n${NY(6)}\n`, "application/json")).status).toBe(415);
  });
});

describe("tenant isolation", () => {
  it("answers 404 for another tenant's campaign on every route, and lists none of it", { timeout: 30_000 }, async () => {
    const owner = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    const id = (await api(owner.key).post("/v1/campaigns", { ...baseCampaign(owner), contacts: [{ phone: NY(1) }] })).json.id;
    const other = await createTenant();
    const b = api(other.key);
    for (const res of [
      await b.get(`/v1/campaigns/${id}`),
      await b.get(`/v1/campaigns/${id}/contacts`),
      await b.get(`/v1/campaigns/${id}/results.csv`),
      await b.post(`/v1/campaigns/${id}/start`),
      await b.post(`/v1/campaigns/${id}/cancel`),
      await b.post(`/v1/campaigns/${id}/contacts`, { contacts: [{ phone: NY(2) }] }),
      await b.post(`/v1/campaigns/${id}/contacts/remove`, { phones: [NY(1)] }),
      await uploadCsv(other.key, id, `phone\n${NY(3)}\n`),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await b.get("/v1/campaigns")).json.data).toEqual([]);
    expect((await api(owner.key).get(`/v1/campaigns/${id}`)).json).toMatchObject({ state: "draft", contact_count: 1 });
    // Another tenant's agent or number in a body is a 422.
    const mine = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    expect((await api(mine.key).post("/v1/campaigns", { ...baseCampaign(mine), agent_id: owner.agentId })).json.errors[0].path).toBe("agent_id");
    expect((await api(mine.key).post("/v1/campaigns", { ...baseCampaign(mine), caller_ids: [owner.number] })).json.errors[0].path).toBe("caller_ids.0");
  });
});
