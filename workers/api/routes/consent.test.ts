import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../../shared/db/client.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { api, createTenant, request } from "../../../test/workers/api-client.ts";
import { issueApiKey } from "../../services/api-key-issuer.ts";
import { checkConsent } from "../../../shared/calls/consent-check.ts";

const PHONE = "+14155550123";
const Q = encodeURIComponent(PHONE);

const consentRows = async (accountId: string) =>
  (await env.DB.prepare("SELECT id, phone, consent_type, status, captured_at, expires_at FROM consent_records WHERE account_id = ? ORDER BY created_at, id").bind(accountId).all()).results;

const check = async (key: string, phone = PHONE, type = "outbound_calls") => {
  const res = await api(key).get(`/v1/consent/check?phone=${encodeURIComponent(phone)}&consent_type=${type}`);
  expect(res.status).toBe(200);
  return res.json;
};

describe("consent", () => {
  it("records an opt-in with defaults, and the check allows the call on its strength", async () => {
    const t = await createTenant();
    const before = new Date().toISOString();
    const res = await api(t.key).post("/v1/consent", { phone: PHONE, consent_type: "outbound_calls", source: "web_form:signup" });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ phone: PHONE, consent_type: "outbound_calls", status: "opted_in", source: "web_form:signup", expires_at: null });
    expect(res.json.id).toMatch(ID_PATTERNS.consent);
    expect(res.json.captured_at >= before && res.json.captured_at <= new Date().toISOString()).toBe(true);

    expect(await check(t.key)).toEqual({ allowed: true, reason: "opted_in", record: res.json });
    // Consent is per purpose: an outbound-calls opt-in says nothing about marketing.
    expect(await check(t.key, PHONE, "marketing")).toEqual({ allowed: false, reason: "no_record", record: null });
    expect(await check(t.key, "+14155550999")).toMatchObject({ allowed: false, reason: "no_record" });
    const audit = await env.DB.prepare("SELECT resource FROM audit_log WHERE account_id = ? AND action = 'POST /v1/consent'").bind(t.accountId).all();
    expect(audit.results).toEqual([{ resource: res.json.id }]);
  });

  it("revokes by appending an opt-out; the newest record by captured_at is in force and nothing is rewritten", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const optIn = await a.post("/v1/consent", { phone: PHONE, consent_type: "outbound_calls", source: "ivr", captured_at: "2026-01-01T10:00:00+02:00" });
    expect(optIn.json.captured_at).toBe("2026-01-01T08:00:00.000Z");

    const revoked = await a.post("/v1/consent/revoke", { phone: PHONE, consent_type: "outbound_calls", source: "sms:STOP" });
    expect(revoked.status).toBe(201);
    expect(revoked.json).toMatchObject({ status: "opted_out", source: "sms:STOP", expires_at: null });
    expect(await check(t.key)).toEqual({ allowed: false, reason: "opted_out", record: revoked.json });

    // An opt-in captured before the revocation, recorded late, does not override it.
    await a.post("/v1/consent", { phone: PHONE, consent_type: "outbound_calls", source: "paper_form", captured_at: "2026-02-01T00:00:00Z" });
    expect((await check(t.key)).reason).toBe("opted_out");
    // A fresh opt-in does.
    const renewed = await a.post("/v1/consent", { phone: PHONE, consent_type: "outbound_calls", source: "web_form:resubscribe" });
    expect(await check(t.key)).toMatchObject({ allowed: true, reason: "opted_in", record: { id: renewed.json.id } });

    const rows = await consentRows(t.accountId);
    expect(rows.map((r) => r.status)).toEqual(["opted_in", "opted_out", "opted_in", "opted_in"]);
    expect(rows[0]).toMatchObject({ id: optIn.json.id, status: "opted_in", captured_at: "2026-01-01T08:00:00.000Z" });
  });

  it("refuses an expired opt-in, and the do-not-call list over any consent", async () => {
    const t = await createTenant();
    const a = api(t.key);
    await a.post("/v1/consent", { phone: PHONE, consent_type: "marketing", source: "promo", captured_at: "2025-01-01T00:00:00Z", expires_at: "2025-07-01T00:00:00Z" });
    expect(await check(t.key, PHONE, "marketing")).toMatchObject({ allowed: false, reason: "expired", record: { expires_at: "2025-07-01T00:00:00.000Z" } });

    const optIn = await a.post("/v1/consent", { phone: PHONE, consent_type: "outbound_calls", source: "web_form:signup" });
    expect((await a.post("/v1/do-not-call", { phone: PHONE, reason: "asked on a call" })).status).toBe(201);
    expect(await check(t.key)).toEqual({ allowed: false, reason: "do_not_call", record: optIn.json });
  });

  it("checkConsent decides at the given instant and lets an opt-out win a tie", async () => {
    const t = await createTenant();
    const db = database(env.DB);
    const insert = (id: string, status: "opted_in" | "opted_out", capturedAt: string, expiresAt: string | null = null) =>
      env.DB.prepare("INSERT INTO consent_records (id, account_id, phone, consent_type, status, source, captured_at, expires_at, created_at) VALUES (?, ?, ?, 'recording', ?, 'test', ?, ?, ?)")
        .bind(id, t.accountId, PHONE, status, capturedAt, expiresAt, "2026-03-01T00:00:00.000Z")
        .run();
    await insert("CNS-2222222222", "opted_in", "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z");
    const at = (iso: string) => checkConsent(db, t.accountId, PHONE, "recording", new Date(iso));

    expect(await at("2025-12-31T23:59:59.999Z")).toMatchObject({ reason: "no_record", record: null });
    expect(await at("2026-01-31T23:59:59.999Z")).toMatchObject({ allowed: true, reason: "opted_in", record: { id: "CNS-2222222222" } });
    expect(await at("2026-02-01T00:00:00.000Z")).toMatchObject({ allowed: false, reason: "expired" });

    await insert("CNS-3333333333", "opted_in", "2026-01-15T00:00:00.000Z");
    await insert("CNS-2333333333", "opted_out", "2026-01-15T00:00:00.000Z");
    expect(await at("2026-01-20T00:00:00.000Z")).toMatchObject({ allowed: false, reason: "opted_out", record: { id: "CNS-2333333333" } });
    expect((await checkConsent(db, "AYB-2222-2222-2222", PHONE, "recording", new Date("2026-01-20T00:00:00Z"))).reason).toBe("no_record");
  });

  it("rejects invalid records, naming each field, and stores nothing", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ phone: "415-555-0123", consent_type: "sms", status: "maybe", source: "" }, ["consent_type", "phone", "source", "status"]],
      [{ phone: PHONE, consent_type: "marketing", source: "x", captured_at: future }, ["captured_at"]],
      [{ phone: PHONE, consent_type: "marketing", source: "x", captured_at: "2026-01-02T00:00:00Z", expires_at: "2026-01-01T00:00:00Z" }, ["expires_at"]],
      [{ phone: PHONE, consent_type: "marketing", status: "opted_out", source: "x", expires_at: "2099-01-01T00:00:00Z" }, ["expires_at"]],
      [{ phone: PHONE, consent_type: "marketing", source: "x", captured_at: "2026-01-01 10:00" }, ["captured_at"]],
      [{ phone: PHONE, consent_type: "marketing", source: "x", note: "extra" }, ["(root)"]],
    ];
    for (const [body, paths] of cases) {
      const res = await a.post("/v1/consent", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(paths);
    }
    expect((await a.post("/v1/consent/revoke", { phone: PHONE, consent_type: "marketing" })).status).toBe(422);
    const plus = await a.get(`/v1/consent/check?phone=+14155550123&consent_type=marketing`);
    expect(plus.status).toBe(422);
    expect(plus.json.errors[0].message).toContain("%2B");
    expect(await consentRows(t.accountId)).toEqual([]);
  });

  it("refuses missing, invalid, revoked and under-scoped credentials, storing nothing", async () => {
    const t = await createTenant();
    const db = database(env.DB);
    const reader = await issueApiKey(db, { accountId: t.accountId, name: "read", scopes: ["consent:read"], createdBy: "test" });
    const numbersOnly = await issueApiKey(db, { accountId: t.accountId, name: "numbers", scopes: ["numbers:read"], createdBy: "test" });
    const revoked = await issueApiKey(db, { accountId: t.accountId, name: "gone", scopes: ["consent:write"], createdBy: "test" });
    await env.DB.prepare("UPDATE api_keys SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE id = ?").bind(revoked.row.id).run();
    const body = { phone: PHONE, consent_type: "outbound_calls", source: "web" };

    expect((await request("POST", "/v1/consent", { body })).status).toBe(401);
    expect((await api("ayb_live_" + "x".repeat(32)).post("/v1/consent", body)).status).toBe(401);
    expect((await api(revoked.secret).post("/v1/consent/revoke", body)).status).toBe(401);
    expect((await api(reader.secret).post("/v1/consent", body)).status).toBe(403);
    expect((await api(reader.secret).post("/v1/consent/revoke", body)).status).toBe(403);
    expect((await api(numbersOnly.secret).get(`/v1/consent/check?phone=${Q}&consent_type=outbound_calls`)).status).toBe(403);
    expect((await api(numbersOnly.secret).get("/v1/consent")).status).toBe(403);
    expect((await api(reader.secret).get(`/v1/consent/check?phone=${Q}&consent_type=outbound_calls`)).status).toBe(200);
    expect(await consentRows(t.accountId)).toEqual([]);
  });

  it("keeps each tenant's consent to itself", async () => {
    const [t1, t2] = [await createTenant(), await createTenant()];
    await api(t1.key).post("/v1/consent", { phone: PHONE, consent_type: "outbound_calls", source: "web_form:signup" });
    expect(await check(t2.key)).toEqual({ allowed: false, reason: "no_record", record: null });
    expect((await api(t2.key).get(`/v1/consent?phone=${Q}`)).json.data).toEqual([]);
    await api(t2.key).post("/v1/consent/revoke", { phone: PHONE, consent_type: "outbound_calls", source: "t2" });
    expect((await check(t1.key)).reason).toBe("opted_in");
    expect(await consentRows(t1.accountId)).toHaveLength(1);
  });

  it("replays an idempotent record instead of appending twice", async () => {
    const t = await createTenant();
    const body = { phone: PHONE, consent_type: "outbound_calls", source: "web" };
    const first = await api(t.key).post("/v1/consent", body, { "idempotency-key": "consent-1" });
    const again = await api(t.key).post("/v1/consent", body, { "idempotency-key": "consent-1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    expect((await api(t.key).post("/v1/consent/revoke", body, { "idempotency-key": "consent-1" })).status).toBe(422);
    expect(await consentRows(t.accountId)).toHaveLength(1);
  });

  it("pages through the history and filters by phone and type", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const ids: string[] = [];
    for (const [phone, type] of [
      [PHONE, "outbound_calls"],
      [PHONE, "marketing"],
      ["+442079460958", "outbound_calls"],
      [PHONE, "outbound_calls"],
      ["+442079460958", "recording"],
    ]) {
      ids.push((await a.post("/v1/consent", { phone, consent_type: type, source: "import" })).json.id);
    }
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await a.get(`/v1/consent?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      pages.push(res.json.data.map((r: { id: string }) => r.id));
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().sort()).toEqual([...ids].sort());

    const ofPhone = await a.get(`/v1/consent?phone=${Q}`);
    expect(ofPhone.json.data.map((r: { id: string }) => r.id).sort()).toEqual([ids[0], ids[1], ids[3]].sort());
    const ofType = await a.get(`/v1/consent?phone=${Q}&consent_type=outbound_calls`);
    expect(ofType.json.data.map((r: { id: string }) => r.id).sort()).toEqual([ids[0], ids[3]].sort());
  });
});
