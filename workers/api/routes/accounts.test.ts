import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { api, createTenant, request } from "../../../test/workers/api-client.ts";

describe("accounts", () => {
  it("operator bootstrap creates an account, an owner and a working key shown once", async () => {
    const res = await request("POST", "/v1/operator/accounts", {
      headers: { "x-operator-secret": env.OPERATOR_SECRET },
      body: { name: "Acme Dental", owner_email: "Owner@Acme.test", region: "eu" },
    });
    expect(res.status).toBe(201);
    expect(res.json.account.id).toMatch(ID_PATTERNS.account);
    expect(res.json.account.region).toBe("eu");
    expect(res.json.owner.id).toMatch(ID_PATTERNS.user);
    expect(res.json.api_key.key).toMatch(/^ayb_live_[0-9A-Za-z]{32}$/);
    const me = await api(res.json.api_key.key).get("/v1/accounts/me");
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ id: res.json.account.id, name: "Acme Dental", status: "active" });
    expect(me.headers.get("x-request-id")).toBeTruthy();
  });

  it("operator routes refuse a wrong or missing operator secret", async () => {
    for (const secret of ["wrong", ""]) {
      const res = await request("POST", "/v1/operator/accounts", { headers: { "x-operator-secret": secret }, body: { name: "x", owner_email: "a@b.test" } });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.json.type).toBe("https://docs.ayb.dev/problems/unauthenticated");
    }
    const { results } = await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE name = 'x'").all<{ n: number }>();
    expect(results[0]!.n).toBe(0);
  });

  it("closing an account refuses its keys at once, even keys this isolate has just accepted", async () => {
    const t = await createTenant();
    expect((await api(t.key).get("/v1/accounts/me")).status).toBe(200);
    const closed = await request("PATCH", `/v1/operator/accounts/${t.accountId}`, { headers: { "x-operator-secret": env.OPERATOR_SECRET }, body: { status: "closed" } });
    expect(closed.status).toBe(200);
    const refused = await api(t.key).get("/v1/accounts/me");
    expect(refused.status).toBe(401);
    expect(refused.json.detail).toBe("the account is closed");
  });

  it("validation errors list every issue", async () => {
    const res = await request("POST", "/v1/operator/accounts", {
      headers: { "x-operator-secret": env.OPERATOR_SECRET },
      body: { name: "", owner_email: "not-an-email", region: "mars" },
    });
    expect(res.status).toBe(422);
    const paths = res.json.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["name", "owner_email", "region"]);
  });

  it("malformed JSON is a 400 problem", async () => {
    const t = await createTenant();
    const res = await request("PATCH", "/v1/accounts/me", { key: t.key, body: '{"name": "x",' });
    expect(res.status).toBe(400);
    expect(res.json.type).toBe("https://docs.ayb.dev/problems/malformed-json");
  });

  it("stores Twilio credentials encrypted and never returns the token", async () => {
    const t = await createTenant();
    const sid = "AC" + "a".repeat(32);
    const res = await api(t.key).put("/v1/accounts/me/credentials/twilio", { account_sid: sid, auth_token: "tok_0123456789abcdef" });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain("tok_0123456789abcdef");
    const row = await env.DB.prepare("SELECT secret_ciphertext FROM provider_credentials WHERE account_id = ?").bind(t.accountId).first<{ secret_ciphertext: string }>();
    expect(row!.secret_ciphertext).not.toContain("tok_");
    const list = await api(t.key).get("/v1/accounts/me/credentials");
    expect(list.json.data).toEqual([expect.objectContaining({ provider: "twilio", account_sid: sid })]);
  });
});
