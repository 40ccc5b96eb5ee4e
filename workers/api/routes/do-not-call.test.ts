import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../../shared/db/client.ts";
import { api, createTenant, request } from "../../../test/workers/api-client.ts";
import { settleAudit } from "../../../test/workers/audit-fixtures.ts";
import { phonePseudonym } from "../../../shared/audit/phone-pseudonym.ts";
import { issueApiKey } from "../../services/api-key-issuer.ts";

const PHONE = "+14155550142";
const PATH = `/v1/do-not-call/${encodeURIComponent(PHONE)}`;

const entries = async (accountId: string) =>
  (await env.DB.prepare("SELECT phone, reason FROM do_not_call WHERE account_id = ? ORDER BY phone").bind(accountId).all()).results;

const pseudonym = (accountId: string, phone: string) => phonePseudonym(env.ENCRYPTION_KEY, accountId, phone);

describe("do-not-call list", () => {
  it("adds a number once: 201 when new, 200 with the unchanged entry after", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const added = await a.post("/v1/do-not-call", { phone: PHONE, reason: "asked on a call" });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ phone: PHONE, reason: "asked on a call" });

    const again = await a.post("/v1/do-not-call", { phone: PHONE, reason: "different words" });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(added.json);
    expect(await entries(t.accountId)).toEqual([{ phone: PHONE, reason: "asked on a call" }]);

    expect((await a.post("/v1/do-not-call", { phone: "+442079460958" })).json.reason).toBeNull();
    await settleAudit(t.accountId);
    const audit = await env.DB.prepare("SELECT resource FROM audit_log WHERE account_id = ? AND action = 'POST /v1/do-not-call' ORDER BY seq").bind(t.accountId).all();
    const named = await pseudonym(t.accountId, PHONE);
    expect(audit.results).toEqual([{ resource: named }, { resource: named }, { resource: await pseudonym(t.accountId, "+442079460958") }]);
  });

  it("looks a number up by its URL-encoded or literal E.164 form, and 404s an unlisted one", async () => {
    const t = await createTenant();
    const a = api(t.key);
    await a.post("/v1/do-not-call", { phone: PHONE });
    expect((await a.get(PATH)).json).toMatchObject({ phone: PHONE });
    expect((await a.get(`/v1/do-not-call/${PHONE}`)).status).toBe(200);
    const missing = await a.get(`/v1/do-not-call/${encodeURIComponent("+14155550143")}`);
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toBe("do-not-call entry not found");
    const invalid = await a.get("/v1/do-not-call/4155550142");
    expect(invalid.status).toBe(422);
    expect(invalid.json.errors[0]).toMatchObject({ path: "phone" });
  });

  it("removes a number, after which it is gone and removing again is a 404", async () => {
    const t = await createTenant();
    const a = api(t.key);
    await a.post("/v1/do-not-call", { phone: PHONE });
    const removed = await a.delete(PATH);
    expect(removed.status).toBe(204);
    expect(removed.text).toBe("");
    expect(await entries(t.accountId)).toEqual([]);
    expect((await a.get(PATH)).status).toBe(404);
    expect((await a.delete(PATH)).status).toBe(404);
    await settleAudit(t.accountId);
    const audit = await env.DB.prepare("SELECT resource FROM audit_log WHERE account_id = ? AND action LIKE 'DELETE %'").bind(t.accountId).all();
    expect(audit.results).toEqual([{ resource: await pseudonym(t.accountId, PHONE) }]);
  });

  it("rejects invalid entries, naming each field, and stores nothing", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/do-not-call", { phone: "555-0142", reason: "", extra: true });
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["(root)", "phone", "reason"]);
    expect(await entries(t.accountId)).toEqual([]);
  });

  it("never shows or removes another tenant's entry", async () => {
    const [t1, t2] = [await createTenant(), await createTenant()];
    await api(t1.key).post("/v1/do-not-call", { phone: PHONE, reason: "t1 private note" });
    for (const res of [await api(t2.key).get(PATH), await api(t2.key).delete(PATH)]) {
      expect(res.status).toBe(404);
      expect(res.text).not.toContain("t1 private note");
    }
    expect((await api(t2.key).get("/v1/do-not-call")).json.data).toEqual([]);
    // Listing the same number in another account is that account's own entry.
    expect((await api(t2.key).post("/v1/do-not-call", { phone: PHONE })).status).toBe(201);
    expect(await entries(t1.accountId)).toEqual([{ phone: PHONE, reason: "t1 private note" }]);
  });

  it("refuses missing, invalid, revoked and under-scoped credentials, changing nothing", async () => {
    const t = await createTenant();
    await api(t.key).post("/v1/do-not-call", { phone: PHONE, reason: "kept" });
    const db = database(env.DB);
    const reader = await issueApiKey(db, { accountId: t.accountId, name: "read", scopes: ["consent:read"], createdBy: "test" });
    const numbersOnly = await issueApiKey(db, { accountId: t.accountId, name: "numbers", scopes: ["numbers:read"], createdBy: "test" });
    const revoked = await issueApiKey(db, { accountId: t.accountId, name: "gone", scopes: ["consent:write"], createdBy: "test" });
    await env.DB.prepare("UPDATE api_keys SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE id = ?").bind(revoked.row.id).run();
    const body = { phone: "+14155550199" };

    expect((await request("POST", "/v1/do-not-call", { body })).status).toBe(401);
    expect((await api("ayb_live_" + "x".repeat(32)).delete(PATH)).status).toBe(401);
    expect((await api(revoked.secret).delete(PATH)).status).toBe(401);
    expect((await api(reader.secret).post("/v1/do-not-call", body)).status).toBe(403);
    expect((await api(reader.secret).delete(PATH)).status).toBe(403);
    expect((await api(numbersOnly.secret).get(PATH)).status).toBe(403);
    expect((await api(numbersOnly.secret).get("/v1/do-not-call")).status).toBe(403);
    expect((await api(reader.secret).get(PATH)).status).toBe(200);
    expect(await entries(t.accountId)).toEqual([{ phone: PHONE, reason: "kept" }]);
  });

  it("replays an idempotent add", async () => {
    const t = await createTenant();
    const first = await api(t.key).post("/v1/do-not-call", { phone: PHONE }, { "idempotency-key": "dnc-1" });
    const again = await api(t.key).post("/v1/do-not-call", { phone: PHONE }, { "idempotency-key": "dnc-1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    expect((await api(t.key).post("/v1/do-not-call", { phone: "+14155550143" }, { "idempotency-key": "dnc-1" })).status).toBe(422);
    expect(await entries(t.accountId)).toEqual([{ phone: PHONE, reason: null }]);
  });

  it("pages through the list", async () => {
    const t = await createTenant();
    const phones = ["+14155550101", "+14155550102", "+14155550103", "+14155550104", "+14155550105"];
    for (const phone of phones) await api(t.key).post("/v1/do-not-call", { phone });
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await api(t.key).get(`/v1/do-not-call?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      pages.push(res.json.data.map((e: { phone: string }) => e.phone));
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().sort()).toEqual(phones);
  });
});
