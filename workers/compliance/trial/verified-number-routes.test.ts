import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { registerWithTwilio, telephonyTenant, type TelephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import { checkPath, textedCode } from "./verified-number-fixtures.ts";

const PHONE = "+12125550188";

async function tenant(): Promise<TelephonyTenant> {
  const t = await telephonyTenant({ verification: "trial" });
  await registerWithTwilio(t);
  return t;
}

const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

afterEach(() => vi.useRealTimers());

describe("verified numbers", () => {
  it("texts a code, verifies with the right one, lists and forgets the number; the code is stored only hashed", async () => {
    const t = await tenant();
    const a = api(t.key);
    const sent = await a.post("/v1/verified-numbers", { phone: PHONE });
    expect(sent.status).toBe(202);
    expect(sent.json).toMatchObject({ phone: PHONE, status: "pending", attempts_left: 5, verified_at: null });
    const code = await textedCode(t, PHONE);
    const stored = await env.DB.prepare("SELECT code_hash FROM verified_numbers WHERE account_id = ?").bind(t.accountId).first<{ code_hash: string }>();
    expect(stored!.code_hash).not.toContain(code);

    const checked = await a.post(checkPath(PHONE), { code });
    expect(checked.status).toBe(200);
    expect(checked.json).toMatchObject({ phone: PHONE, status: "verified", code_expires_at: null, verified_at: expect.any(String) });
    // Asking again for a verified number texts nothing.
    expect((await a.post("/v1/verified-numbers", { phone: PHONE })).status).toBe(200);
    expect((await a.post(checkPath(PHONE), { code })).status).toBe(200);

    expect((await a.get("/v1/verified-numbers")).json.data).toEqual([expect.objectContaining({ phone: PHONE, status: "verified" })]);
    expect((await a.delete(`/v1/verified-numbers/${encodeURIComponent(PHONE)}`)).status).toBe(204);
    expect((await a.get("/v1/verified-numbers")).json.data).toEqual([]);
    expect((await a.delete(`/v1/verified-numbers/${encodeURIComponent(PHONE)}`)).status).toBe(404);
  });

  it("refuses a wrong code with the attempts left, and spends the code after five", async () => {
    const t = await tenant();
    const a = api(t.key);
    await a.post("/v1/verified-numbers", { phone: PHONE });
    const code = await textedCode(t, PHONE);
    for (let left = 4; left >= 0; left--) {
      const wrong = await a.post(checkPath(PHONE), { code: otherThan(code) });
      expect(wrong.status).toBe(422);
      expect(wrong.json).toMatchObject({ type: "https://docs.ayb.dev/problems/validation-error", attempts_left: left, errors: [{ path: "code" }] });
    }
    const spent = await a.post(checkPath(PHONE), { code });
    expect(spent.status).toBe(429);
    expect(spent.json).toMatchObject({ type: "https://docs.ayb.dev/problems/rate-limited", detail: expect.stringContaining("request a new code") });
    // A new code starts over.
    await a.post("/v1/verified-numbers", { phone: PHONE });
    expect((await a.post(checkPath(PHONE), { code: await textedCode(t, PHONE) })).json.status).toBe("verified");
  });

  it("refuses a code after its ten minutes", async () => {
    const t = await tenant();
    const a = api(t.key);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-07T10:00:00Z"));
    await a.post("/v1/verified-numbers", { phone: PHONE });
    const code = await textedCode(t, PHONE);
    vi.setSystemTime(new Date("2026-12-07T10:10:01Z"));
    const expired = await a.post(checkPath(PHONE), { code });
    expect(expired.status).toBe(409);
    expect(expired.json.detail).toContain("expired");
  });

  it("limits an account to five codes an hour", async () => {
    const t = await tenant();
    const a = api(t.key);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-07T11:00:00Z"));
    for (let i = 0; i < 5; i++) expect((await a.post("/v1/verified-numbers", { phone: `+1212555020${i}` })).status).toBe(202);
    const limited = await a.post("/v1/verified-numbers", { phone: "+12125550209" });
    expect(limited.status).toBe(429);
    expect(limited.json.type).toBe("https://docs.ayb.dev/problems/rate-limited");
    expect(Number(limited.headers.get("retry-after"))).toBe(3600);
    vi.setSystemTime(new Date("2026-12-07T12:00:01Z"));
    expect((await a.post("/v1/verified-numbers", { phone: "+12125550209" })).status).toBe(202);
  });

  it("keeps tenants apart: another account's code, number and list are not reachable", async () => {
    const [t, other] = await Promise.all([tenant(), tenant()]);
    await api(t.key).post("/v1/verified-numbers", { phone: PHONE });
    const code = await textedCode(t, PHONE);
    expect((await api(other.key).post(checkPath(PHONE), { code })).status).toBe(404);
    expect((await api(other.key).get("/v1/verified-numbers")).json.data).toEqual([]);
    expect((await api(other.key).delete(`/v1/verified-numbers/${encodeURIComponent(PHONE)}`)).status).toBe(404);
    // The other account's own code for the same number does not verify it for the first.
    await api(other.key).post("/v1/verified-numbers", { phone: PHONE });
    const theirs = await textedCode(other, PHONE);
    if (theirs !== code) expect((await api(t.key).post(checkPath(PHONE), { code: theirs })).status).toBe(422);
    expect((await api(t.key).post(checkPath(PHONE), { code })).json.status).toBe("verified");
  });

  it.each([
    ["a phone not in E.164", "/v1/verified-numbers", { phone: "212-555-0188" }, "phone"],
    ["a code that is not 6 digits", checkPath(PHONE), { code: "12345" }, "code"],
    ["an unknown field", "/v1/verified-numbers", { phone: PHONE, channel: "sms" }, "(root)"],
  ])("answers %s with problem+json", async (_what, path, body, field) => {
    const t = await telephonyTenant();
    const res = await api(t.key).post(path, body);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it("answers 409 when the account has no number to text from", async () => {
    const t = await telephonyTenant();
    await api(t.key).delete(`/v1/phone-numbers/${(await api(t.key).get("/v1/phone-numbers")).json.data[0].id}`);
    const res = await api(t.key).post("/v1/verified-numbers", { phone: PHONE });
    expect(res.status).toBe(409);
    expect(res.json.detail).toContain("no active number");
  });
});
