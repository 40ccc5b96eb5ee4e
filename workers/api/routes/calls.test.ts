import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../../shared/db/client.ts";
import { callEvents, calls, callTurns } from "../../../shared/db/schema.ts";
import { newCallId } from "../../../shared/ids.ts";
import { api, createTenant, request } from "../../../test/workers/api-client.ts";
import { billingAccount, POSTGRES_DOWN, usageMessage } from "../../../test/workers/billing-fixtures.ts";
import { fetchWithEnv } from "../../../test/workers/worker-with-env.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { settleCall } from "../../billing/settlement.ts";
import { UsageMessage } from "../../billing/usage-message.ts";
import { issueApiKey } from "../../services/api-key-issuer.ts";

const db = () => database(env.DB);

/** Calls are created by the call path (not this API), so tests write them as the call's object would. */
async function insertCall(accountId: string, overrides: Partial<typeof calls.$inferInsert> = {}): Promise<string> {
  const id = newCallId();
  await db()
    .insert(calls)
    .values({
      id,
      accountId,
      agentId: "AGT-2222222222",
      agentVersion: 1,
      direction: "inbound",
      fromNumber: "+14155550100",
      toNumber: "+16285550100",
      status: "completed",
      createdAt: "2026-03-01T12:00:00.000Z",
      ...overrides,
    })
    .run();
  return id;
}

const ids = (res: { json: { data: { id: string }[] } }) => res.json.data.map((c) => c.id);

describe("calls", () => {
  it("returns a call with its transcript in order, per-turn latency, events, metrics and usage", async () => {
    const t = await createTenant();
    const id = await insertCall(t.accountId, {
      startedAt: "2026-03-01T12:00:00.000Z",
      endedAt: "2026-03-01T12:01:30.000Z",
      durationSeconds: 90,
      endReason: "caller_hung_up",
      metrics: { voice_to_voice_p50_ms: 640 },
      usage: { audio_seconds: 90, llm_input_tokens: 1200 },
    });
    const other = await insertCall(t.accountId);
    const turn = (callId: string, seq: number, role: "caller" | "agent", text: string, extra: Partial<typeof callTurns.$inferInsert> = {}) => ({
      callId,
      seq,
      accountId: t.accountId,
      role,
      text,
      startedAt: `2026-03-01T12:00:0${seq}.000Z`,
      ...extra,
    });
    // Inserted out of order: the API orders by seq.
    await db()
      .insert(callTurns)
      .values([
        turn(id, 2, "caller", "Tuesday please."),
        turn(id, 0, "agent", "Hi, Acme Dental, how can I help?", { endedAt: "2026-03-01T12:00:02.000Z" }),
        turn(id, 1, "caller", "I need to move my appointment."),
        turn(id, 3, "agent", "Sure, I can do Tuesday at", { interrupted: true, timings: { llm_first_token_ms: 310, first_audio_ms: 590 }, voiceToVoiceMs: 590, platformOverheadMs: 42 }),
        turn(other, 0, "agent", "another call"),
      ])
      .run();
    await db()
      .insert(callEvents)
      .values([
        { callId: id, accountId: t.accountId, type: "call.started", at: "2026-03-01T12:00:00.000Z", data: null },
        { callId: id, accountId: t.accountId, type: "turn.interrupted", at: "2026-03-01T12:00:05.000Z", data: { seq: 3 } },
        { callId: other, accountId: t.accountId, type: "call.started", at: "2026-03-01T12:00:00.000Z", data: null },
      ])
      .run();

    const res = await api(t.key).get(`/v1/calls/${id}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id,
      direction: "inbound",
      from: "+14155550100",
      to: "+16285550100",
      status: "completed",
      duration_seconds: 90,
      end_reason: "caller_hung_up",
      metrics: { voice_to_voice_p50_ms: 640 },
      usage: { audio_seconds: 90, llm_input_tokens: 1200 },
    });
    expect(res.json.turns.map((x: { seq: number; role: string }) => [x.seq, x.role])).toEqual([
      [0, "agent"],
      [1, "caller"],
      [2, "caller"],
      [3, "agent"],
    ]);
    expect(res.json.turns[0]).toEqual({
      seq: 0,
      role: "agent",
      text: "Hi, Acme Dental, how can I help?",
      interrupted: false,
      started_at: "2026-03-01T12:00:00.000Z",
      ended_at: "2026-03-01T12:00:02.000Z",
      timings: null,
      voice_to_voice_ms: null,
      platform_overhead_ms: null,
    });
    expect(res.json.turns[3]).toMatchObject({ interrupted: true, timings: { llm_first_token_ms: 310, first_audio_ms: 590 }, voice_to_voice_ms: 590, platform_overhead_ms: 42 });
    expect(res.json.events).toEqual([
      { type: "call.started", at: "2026-03-01T12:00:00.000Z", data: null },
      { type: "turn.interrupted", at: "2026-03-01T12:00:05.000Z", data: { seq: 3 } },
    ]);

    const bare = await api(t.key).get(`/v1/calls/${other}`);
    expect(bare.json).toMatchObject({ metrics: null, usage: null, cost: null, turns: [expect.objectContaining({ text: "another call" })] });
  });

  it("answers the settled cost by component from D1, while the Postgres tier is down", async () => {
    const t = await createTenant();
    await billingAccount(t.accountId);
    const callId = await insertCall(t.accountId, { durationSeconds: 95 });
    await withPostgres(env, (pg) => settleCall(env, pg, UsageMessage.parse(usageMessage(t.accountId, callId, 95, { tts_characters: 500 }))));
    const res = await fetchWithEnv(new Request(`https://api.test/v1/calls/${callId}`, { headers: { authorization: `Bearer ${t.key}` } }), POSTGRES_DOWN);
    expect(res.status).toBe(200);
    expect((await res.json<{ cost: unknown }>()).cost).toEqual({
      currency: "USD",
      total_minor: 14,
      estimated: false,
      priced_at: expect.any(String),
      lines: [
        { component: "telephony_inbound_minute", quantity: 2, unit: "minute", micros_per_unit: 10_000, amount_minor: 2, estimated: false },
        { component: "platform_minute", quantity: 2, unit: "minute", micros_per_unit: 50_000, amount_minor: 10, estimated: false },
        { component: "tts_character", quantity: 500, unit: "character", micros_per_unit: 30, amount_minor: 2, estimated: false },
      ],
    });
  });

  it("pages through calls newest first, across a tie in created_at", async () => {
    const t = await createTenant();
    const at = ["2026-03-01T10:00:00.000Z", "2026-03-01T11:00:00.000Z", "2026-03-01T12:00:00.000Z", "2026-03-01T12:00:00.000Z", "2026-03-01T13:00:00.000Z"];
    const created: string[] = [];
    for (const createdAt of at) created.push(await insertCall(t.accountId, { createdAt }));
    const tied = [created[2]!, created[3]!].sort().reverse(); // same created_at: id descending
    const expected = [created[4]!, ...tied, created[1]!, created[0]!];

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await api(t.key).get(`/v1/calls?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      pages.push(ids(res));
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(pages).toEqual([expected.slice(0, 2), expected.slice(2, 4), expected.slice(4)]);
    expect((await api(t.key).get("/v1/calls?cursor=not-a-cursor")).status).toBe(422);
  });

  it("filters by status, direction, agent, numbers and creation window", async () => {
    const t = await createTenant();
    const a = await insertCall(t.accountId, { createdAt: "2026-03-01T09:00:00.000Z" });
    const b = await insertCall(t.accountId, { createdAt: "2026-03-01T10:00:00.000Z", status: "failed", direction: "outbound", fromNumber: "+16285550100", toNumber: "+442079460958" });
    const c = await insertCall(t.accountId, { createdAt: "2026-03-01T11:00:00.000Z", agentId: "AGT-3333333333", status: "in-progress" });
    const list = async (query: string) => {
      const res = await api(t.key).get(`/v1/calls?${query}`);
      expect(res.status, query).toBe(200);
      return ids(res).sort();
    };
    expect(await list("status=failed")).toEqual([b]);
    expect(await list("status=completed")).toEqual([a]);
    expect(await list("direction=outbound")).toEqual([b]);
    expect(await list("direction=inbound")).toEqual([a, c].sort());
    expect(await list("agent_id=AGT-3333333333")).toEqual([c]);
    expect(await list(`from=${encodeURIComponent("+16285550100")}`)).toEqual([b]);
    expect(await list(`to=${encodeURIComponent("+442079460958")}`)).toEqual([b]);
    expect(await list(`to=${encodeURIComponent("+16285550100")}`)).toEqual([a, c].sort());
    // created_after is inclusive and created_before exclusive, so adjacent windows tile without overlap.
    expect(await list("created_after=2026-03-01T10:00:00Z")).toEqual([b, c].sort());
    expect(await list("created_before=2026-03-01T10:00:00Z")).toEqual([a]);
    expect(await list(`created_after=${encodeURIComponent("2026-03-01T10:30:00+01:00")}&created_before=2026-03-01T11:00:00Z`)).toEqual([b]);
    expect(await list("direction=inbound&status=in-progress&created_after=2026-03-01T09:00:00Z")).toEqual([c]);

    for (const bad of ["status=lost", "direction=sideways", "agent_id=nobody", "from=+16285550100", "to=12345", "created_after=yesterday", "created_before=2026-03-01"]) {
      const res = await api(t.key).get(`/v1/calls?${bad}`);
      expect(res.status, bad).toBe(422);
      expect(res.json.errors[0].path, bad).toBe(bad.split("=")[0]);
    }
  });

  it("never shows another tenant's call, its turns or its events", async () => {
    const [t1, t2] = [await createTenant(), await createTenant()];
    const id = await insertCall(t1.accountId, { endReason: "t1-secret-reason" });
    await db().insert(callTurns).values({ callId: id, seq: 0, accountId: t1.accountId, role: "caller", text: "my card number is 4111", startedAt: "2026-03-01T12:00:00.000Z" }).run();
    const res = await api(t2.key).get(`/v1/calls/${id}`);
    expect(res.status).toBe(404);
    expect(res.json.detail).toBe("call not found");
    expect(res.text).not.toContain("4111");
    expect(res.text).not.toContain("t1-secret-reason");
    expect((await api(t2.key).get("/v1/calls")).json.data).toEqual([]);
    expect((await api(t2.key).get(`/v1/calls?to=${encodeURIComponent("+16285550100")}`)).json.data).toEqual([]);
    expect((await api(t2.key).get(`/v1/calls/${newCallId()}`)).status).toBe(404);
    expect((await api(t2.key).get("/v1/calls/not-a-call-id")).status).toBe(422);
  });

  it("refuses missing, invalid, revoked and under-scoped credentials", async () => {
    const t = await createTenant();
    const id = await insertCall(t.accountId);
    const reader = await issueApiKey(db(), { accountId: t.accountId, name: "calls", scopes: ["calls:read"], createdBy: "test" });
    const numbersOnly = await issueApiKey(db(), { accountId: t.accountId, name: "numbers", scopes: ["numbers:read"], createdBy: "test" });
    const revoked = await issueApiKey(db(), { accountId: t.accountId, name: "gone", scopes: ["calls:read"], createdBy: "test" });
    await env.DB.prepare("UPDATE api_keys SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE id = ?").bind(revoked.row.id).run();

    for (const path of ["/v1/calls", `/v1/calls/${id}`]) {
      expect((await request("GET", path)).status).toBe(401);
      expect((await api("ayb_live_" + "x".repeat(32)).get(path)).status).toBe(401);
      expect((await api(revoked.secret).get(path)).status).toBe(401);
      expect((await api(numbersOnly.secret).get(path)).status).toBe(403);
      expect((await api(reader.secret).get(path)).status).toBe(200);
    }
  });
});
