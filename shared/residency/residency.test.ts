import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { liveStream, session, until } from "../../test/workers/media-stream-client.ts";
import { registerWithTwilio, telephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import { accountGate, analyticsPostgres, callObjects, regionOfCall, RegionDatabaseUnset } from "./residency.ts";

const callRows = async (db: D1Database, callId: string) => ({
  calls: (await db.prepare("SELECT status FROM calls WHERE id = ?").bind(callId).all()).results,
  turns: (await db.prepare("SELECT seq FROM call_turns WHERE call_id = ?").bind(callId).all()).results.length,
  events: (await db.prepare("SELECT type FROM call_events WHERE call_id = ?").bind(callId).all()).results.length,
});

/** An inbound call through the voice webhook and the stream route, ended, and delivered to its records. */
async function deliveredCall(region: "us" | "eu") {
  const t = await telephonyTenant({ region });
  const live = await liveStream(t);
  const records = region === "eu" ? env.DB_EU : env.DB;
  const active = { eu: await accountGate(env, t.accountId, "eu").active(), us: await accountGate(env, t.accountId, "us").active() };
  await session(live.callId).finalize({ status: "completed", endReason: "test", durationSeconds: 1 });
  live.ws!.close();
  await until(() => callRows(records, live.callId), (r) => r.calls[0]?.status === "completed" && r.events > 0, 10_000);
  return { t, callId: live.callId, active };
}

afterEach(() => vi.useRealTimers());

describe("residency", () => {
  it("runs an EU account's call in the EU jurisdiction, found by its call id, with its records in DB_EU only", async () => {
    const { t, callId, active } = await deliveredCall("eu");
    expect(callId).toMatch(/^CAL-EU-/);
    expect(regionOfCall(callId)).toBe("eu");
    // The webhook and the stream route reached the object through the EU-scoped namespace (local workerd has no
    // jurisdictions: emulated as the object `eu:<call id>`), never the global object of that name.
    expect(callObjects(env, "eu").idFromName(callId).equals(env.CALL_SESSION.idFromName(`eu:${callId}`))).toBe(true);
    expect((await session(callId).state()).meta?.accountId).toBe(t.accountId);
    expect((await env.CALL_SESSION.get(env.CALL_SESSION.idFromName(callId)).state()).meta).toBeUndefined();
    // Its slot was taken in the account's EU gate.
    expect(active).toEqual({ eu: 1, us: 0 });

    const eu = await callRows(env.DB_EU, callId);
    expect(eu).toMatchObject({ calls: [{ status: "completed" }] });
    expect(eu.events).toBeGreaterThan(0);
    expect(await callRows(env.DB, callId)).toEqual({ calls: [], turns: 0, events: 0 });
    // The account itself stays global: DB_EU holds only the id its calls refer to.
    expect(await env.DB_EU.prepare("SELECT id, name, region FROM accounts WHERE id = ?").bind(t.accountId).all().then((r) => r.results)).toEqual([{ id: t.accountId, name: "", region: "eu" }]);

    // The API reads them from there.
    const list = await api(t.key).get("/v1/calls");
    expect(list.json.data.map((c: { id: string }) => c.id)).toEqual([callId]);
    const detail = await api(t.key).get(`/v1/calls/${callId}`);
    expect(detail.status).toBe(200);
    expect(detail.json.status).toBe("completed");
    expect(detail.json.events.length).toBe(eu.events);
  });

  it("exports and erases an EU caller's call records from DB_EU", async () => {
    const { t, callId } = await deliveredCall("eu");
    const caller = "+12125550123"; // inboundParams' From
    const exported = await api(t.key).post("/v1/privacy/exports", { phone: caller });
    expect(exported.json.calls.map((c: { id: string }) => c.id)).toEqual([callId]);
    const erased = await api(t.key).post("/v1/privacy/erasures", { phone: caller });
    expect(erased.status, erased.text).toBe(200);
    expect(erased.json.calls_pseudonymised).toBe(1);
    expect(erased.json.removed.call_events).toBeGreaterThan(0);
    expect(await callRows(env.DB_EU, callId)).toMatchObject({ turns: 0, events: 0 });
    const row = await env.DB_EU.prepare("SELECT from_number FROM calls WHERE id = ?").bind(callId).first<{ from_number: string }>();
    expect(row?.from_number).toMatch(/^ph:/);
  });

  it("places an EU account's outbound call with its record in DB_EU", async () => {
    const t = await telephonyTenant({ region: "eu" });
    await registerWithTwilio(t);
    const callee = "+442071838750";
    await api(t.key).post("/v1/consent", { phone: callee, consent_type: "outbound_calls", source: "web_form:test", captured_at: "2025-01-01T00:00:00Z" });
    // Within the callee's calling hours, whenever the test runs (the Worker shares the test's clock).
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-15T12:00:00Z"));
    const res = await api(t.key).post("/v1/calls", { agent_id: t.agentId, to: callee, from: t.number });
    vi.useRealTimers();
    expect(res.status, res.text).toBe(201);
    expect(res.json.id).toMatch(/^CAL-EU-/);
    expect(res.json.twilio_call_sid).toMatch(/^CA/);
    expect((await callRows(env.DB_EU, res.json.id)).calls).toHaveLength(1);
    expect((await callRows(env.DB, res.json.id)).calls).toEqual([]);
  });

  it("keeps a US account's call in the global namespace and DB", async () => {
    const { callId, active } = await deliveredCall("us");
    expect(callId).toMatch(/^CAL-[^E]/);
    expect(callObjects(env, "us").idFromName(callId).equals(env.CALL_SESSION.idFromName(callId))).toBe(true);
    expect(active).toEqual({ eu: 0, us: 1 });
    expect((await callRows(env.DB, callId)).calls).toEqual([{ status: "completed" }]);
    expect(await callRows(env.DB_EU, callId)).toEqual({ calls: [], turns: 0, events: 0 });
  });

  it("deployed, takes EU objects from the platform's EU jurisdiction, which local workerd refuses", () => {
    const scoped = env.CALL_SESSION;
    const asked: string[] = [];
    const spy = { jurisdiction: (j: string) => (asked.push(j), scoped) } as unknown as Env["CALL_SESSION"];
    expect(callObjects({ CALL_SESSION: spy, DO_JURISDICTIONS: "platform" }, "eu")).toBe(scoped);
    expect(callObjects({ CALL_SESSION: spy, DO_JURISDICTIONS: "platform" }, "us")).toBe(spy);
    expect(asked).toEqual(["eu"]);
    // Measured here: without the emulation an EU call cannot run on local workerd at all (it fails closed).
    expect(() => callObjects({ ...env, DO_JURISDICTIONS: "platform" }, "eu")).toThrow("Jurisdiction restrictions are not implemented in workerd.");
  });

  it("takes a region's analytics from its own Postgres database, and an EU account's never from the global one", () => {
    const urls = { DATABASE_URL: "postgres://global", DATABASE_URL_EU: "postgres://eu", PG_WS_PROXY: "bridge" };
    expect(analyticsPostgres(urls, "us")).toEqual({ DATABASE_URL: "postgres://global", PG_WS_PROXY: "bridge" });
    expect(analyticsPostgres(urls, "eu")).toEqual({ DATABASE_URL: "postgres://eu", PG_WS_PROXY: "bridge" });
    expect(() => analyticsPostgres({ ...urls, DATABASE_URL_EU: "" }, "eu")).toThrow(RegionDatabaseUnset);
    expect(analyticsPostgres({ ...urls, DATABASE_URL_EU: "" }, "us").DATABASE_URL).toBe("postgres://global");
  });
});
