import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { callback, consent, startConnect } from "./testing/oauth-fixtures.ts";

const connection = async (key: string, name: string) => ((await api(key).get("/v1/integrations")).json.data as { name: string; connection: string }[]).find((i) => i.name === name)!.connection;
const stored = async (accountId: string) => (await env.DB.prepare("SELECT count(*) AS n FROM integration_connections WHERE account_id = ?").bind(accountId).first<number>("n"))!;
const CLEARED = /^__Secure-oauth_flow=; Max-Age=0; Path=\/oauth\/callback; Secure$/;

describe("OAuth connect flow bound to the browser that started it (RFC 9700 §4.7)", () => {
  it("sets a short-lived HttpOnly, Secure, SameSite=Lax cookie scoped to the callback with the authorize URL", async () => {
    const t = await createTenant();
    const res = await api(t.key).get("/v1/integrations/hubspot/connect");
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/^__Secure-oauth_flow=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/oauth\/callback; HttpOnly; Secure; SameSite=Lax$/);
  });

  it("refuses the login-CSRF attack: tenant A's authorize URL completed by a browser without A's cookie connects nothing, is audited, and burns the state", async () => {
    const attacker = await createTenant();
    const flow = await startConnect(attacker.key, "hubspot");
    // The victim opens the attacker's authorize URL and consents with their own vendor account.
    const back = await consent(flow.url);
    const res = await callback(back, undefined, "text/html");
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.json).toMatchObject({ status: 403, detail: expect.stringContaining("did not start") });
    expect(res.headers.get("set-cookie")).toMatch(CLEARED);
    expect(await stored(attacker.accountId)).toBe(0);
    expect(await connection(attacker.key, "hubspot")).toBe("not_connected");
    const event = () => env.DB.prepare("SELECT kind, path, detail FROM security_events WHERE account_id = ? AND kind = 'oauth_browser_mismatch'").bind(attacker.accountId).first<{ path: string; detail: string }>();
    // The event is written through waitUntil: wait for it with a deadline.
    const row = await vi.waitFor(async () => (await event()) ?? Promise.reject(new Error("no security event yet")), { timeout: 5_000 });
    expect(row.path).toBe("/oauth/callback");
    expect(JSON.parse(row.detail)).toEqual({ integration: "hubspot", reason: "cookie_missing" });

    // The state was taken: the attacker's own browser cannot complete it afterwards either.
    const late = await callback(back, flow.cookie);
    expect(late.status).toBe(422);
    expect(late.json.errors[0]).toMatchObject({ code: "unknown_state" });
  });

  it("refuses a cookie from another flow, even of the same tenant", async () => {
    const t = await createTenant();
    const a = await startConnect(t.key, "salesforce");
    const b = await startConnect(t.key, "salesforce");
    const res = await callback(await consent(a.url), b.cookie);
    expect(res.status).toBe(403);
    expect(await stored(t.accountId)).toBe(0);
  });

  it("connects with the matching cookie and sends the browser to the console's integrations page, clearing the cookie", async () => {
    const t = await createTenant();
    const flow = await startConnect(t.key, "hubspot");
    const res = await callback(await consent(flow.url), flow.cookie, "text/html");
    expect(res.status, res.text).toBe(302);
    expect(res.headers.get("location")).toBe("https://api.test/console/integrations?connected=hubspot");
    expect(res.headers.get("set-cookie")).toMatch(CLEARED);
    expect(await connection(t.key, "hubspot")).toBe("connected");
  });

  it("sends the browser to a same-origin return_to, and refuses one on another origin before starting a flow", async () => {
    const t = await createTenant();
    const flow = await startConnect(t.key, "google_calendar", `?return_to=${encodeURIComponent("/console/agents?tab=tools")}`);
    const res = await callback(await consent(flow.url), flow.cookie, "text/html");
    expect(res.headers.get("location")).toBe("https://api.test/console/agents?tab=tools&connected=google_calendar");

    const flows = async () => (await env.DB.prepare("SELECT count(*) AS n FROM oauth_states WHERE account_id = ?").bind(t.accountId).first<number>("n"))!;
    for (const returnTo of ["https://evil.example/console", "//evil.example/x", "/\\evil.example/x", "javascript:alert(1)", "http://api.test/console"]) {
      const refused = await api(t.key).get(`/v1/integrations/hubspot/connect?return_to=${encodeURIComponent(returnTo)}`);
      expect(refused.status, returnTo).toBe(422);
      expect(refused.json.errors[0], returnTo).toMatchObject({ path: "return_to", code: "cross_origin" });
      expect(refused.headers.get("set-cookie"), returnTo).toBeNull();
    }
    expect(await flows()).toBe(0);
  });
});
