import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { totpCode } from "../../shared/console/totp.ts";
import { api, createTenant, request, type Tenant } from "../../test/workers/api-client.ts";
import { MAX_FAILURES_PER_EMAIL } from "./sign-in-limits.ts";

const PASSWORD = "correct horse battery staple";

/** A browser's view of the console: its cookie jar and the CSRF token the session hands out. */
class Browser {
  cookie = "";
  csrf = "";
  async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await request(method, path, { body, headers: { cookie: this.cookie, ...(this.csrf && { "x-csrf-token": this.csrf }), ...headers } });
    const set = res.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0]!;
    return res;
  }
  async refresh() {
    const res = await this.send("GET", "/console/api/session");
    this.csrf = res.json?.csrf_token ?? "";
    return res;
  }
}

async function lastInviteToken(email: string): Promise<string> {
  const res = await request("GET", "/v1/operator/email-outbox", { headers: { "x-operator-secret": env.OPERATOR_SECRET } });
  const mail = res.json.data.filter((m: { to: string }) => m.to === email).at(-1);
  return /#token=([\w-]+)/.exec(mail.body)![1]!;
}

async function invitedUser(t: Tenant, role: string): Promise<{ id: string; email: string; browser: Browser }> {
  const email = `${role}-${crypto.randomUUID()}@console.test`;
  const user = (await api(t.key).post("/v1/users", { email, role })).json;
  expect((await api(t.key).post(`/v1/users/${user.id}/invitations`)).status).toBe(202);
  const browser = new Browser();
  const accepted = await browser.send("POST", "/console/api/invitations/accept", { token: await lastInviteToken(email), password: PASSWORD });
  expect(accepted.status).toBe(200);
  expect(accepted.headers.get("set-cookie")).toMatch(/^__Host-console_session=[\w-]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  await browser.refresh();
  return { id: user.id, email, browser };
}

describe("console sign-in", () => {
  it("an invited user sets a password, mints short tokens with the CSRF token only, and signing out ends the session", async () => {
    const t = await createTenant();
    const { browser } = await invitedUser(t, "viewer");
    const withoutCsrf = await request("POST", "/console/api/token", { headers: { cookie: browser.cookie } });
    expect(withoutCsrf.status).toBe(403);
    const minted = await browser.send("POST", "/console/api/token");
    expect(minted.status).toBe(200);
    expect(Date.parse(minted.json.expires_at) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect((await api(minted.json.token).get("/v1/agents")).status).toBe(200);
    // The viewer's token carries the viewer's role: the API refuses a write whatever the console shows.
    expect((await api(minted.json.token).post("/v1/agents", { name: "forged" })).status).toBe(403);

    expect((await browser.send("POST", "/console/api/sign-out")).status).toBe(204);
    expect((await request("POST", "/console/api/token", { headers: { cookie: browser.cookie.replace(/=.*/, "=x") } })).status).toBe(401);
  });

  it("an invitation link works once", async () => {
    const t = await createTenant();
    const user = (await api(t.key).post("/v1/users", { email: "once@console.test", role: "developer" })).json;
    await api(t.key).post(`/v1/users/${user.id}/invitations`);
    const token = await lastInviteToken("once@console.test");
    expect((await new Browser().send("POST", "/console/api/invitations/accept", { token, password: PASSWORD })).status).toBe(200);
    expect((await new Browser().send("POST", "/console/api/invitations/accept", { token, password: PASSWORD })).status).toBe(401);
  });

  it("refuses sign-in from another origin and rate-limits failures per account, even for the right password", async () => {
    const t = await createTenant();
    const { email } = await invitedUser(t, "developer");
    const browser = new Browser();
    expect((await browser.send("POST", "/console/api/sign-in", { email, password: PASSWORD }, { origin: "https://evil.test" })).status).toBe(403);
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
      expect((await browser.send("POST", "/console/api/sign-in", { email, password: "wrong password!" })).status).toBe(401);
    }
    const limited = await browser.send("POST", "/console/api/sign-in", { email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.json.type).toMatch(/rate-limited$/);
    expect(limited.headers.get("retry-after")).toBe("900");
  });

  it("a session idle for over 30 minutes or revoked mints nothing", async () => {
    const t = await createTenant();
    const { id, browser } = await invitedUser(t, "viewer");
    const sessions = (await browser.send("GET", "/console/api/sessions")).json.data;
    expect(sessions).toHaveLength(1);
    await env.DB.prepare("UPDATE console_sessions SET last_seen_at = ? WHERE user_id = ?").bind(new Date(Date.now() - 31 * 60_000).toISOString(), id).run();
    expect((await browser.send("POST", "/console/api/token")).status).toBe(401);

    const again = new Browser();
    const email = (await env.DB.prepare("SELECT email FROM users WHERE id = ?").bind(id).first<{ email: string }>())!.email;
    expect((await again.send("POST", "/console/api/sign-in", { email, password: PASSWORD })).json).toEqual({ stage: "active" });
    await again.refresh();
    const [current] = (await again.send("GET", "/console/api/sessions")).json.data;
    expect((await again.send("DELETE", `/console/api/sessions/${current.id}`)).status).toBe(204);
    expect((await again.send("POST", "/console/api/token")).status).toBe(401);
  });

  it("with TOTP on, the password alone mints no token; a code or a recovery code (once) completes the sign-in", async () => {
    const t = await createTenant();
    const { email, browser } = await invitedUser(t, "admin");
    const { secret } = (await browser.send("POST", "/console/api/mfa/totp")).json;
    const wrong = await browser.send("POST", "/console/api/mfa/totp/confirm", { code: "000000" });
    expect(wrong.status).toBe(422);
    const { recovery_codes } = (await browser.send("POST", "/console/api/mfa/totp/confirm", { code: await totpCode(secret, Date.now()) })).json;
    expect(recovery_codes).toHaveLength(10);

    const next = new Browser();
    expect((await next.send("POST", "/console/api/sign-in", { email, password: PASSWORD })).json).toEqual({ stage: "mfa" });
    await next.refresh();
    expect((await next.send("POST", "/console/api/token")).status).toBe(403);
    expect((await next.send("POST", "/console/api/sign-in/second-factor", { code: recovery_codes[0] })).json).toEqual({ stage: "active" });
    expect((await next.send("POST", "/console/api/token")).status).toBe(200);

    const third = new Browser();
    await third.send("POST", "/console/api/sign-in", { email, password: PASSWORD });
    await third.refresh();
    expect((await third.send("POST", "/console/api/sign-in/second-factor", { code: recovery_codes[0] })).status).toBe(401);
  });

  it("an account that requires MFA sends a user without it to enrolment before any token", async () => {
    const t = await createTenant();
    expect((await api(t.key).put("/v1/console-policy", { require_mfa: true })).json).toEqual({ require_mfa: true });
    const { browser } = await invitedUser(t, "developer");
    expect((await browser.refresh()).json.stage).toBe("mfa_setup");
    expect((await browser.send("POST", "/console/api/token")).status).toBe(403);
    const { secret } = (await browser.send("POST", "/console/api/mfa/totp")).json;
    await browser.send("POST", "/console/api/mfa/totp/confirm", { code: await totpCode(secret, Date.now()) });
    expect((await browser.send("POST", "/console/api/token")).status).toBe(200);
  });
});
