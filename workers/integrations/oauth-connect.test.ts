import { env } from "cloudflare:workers";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { runIntegrationTool } from "../../shared/integrations/agent-tool.ts";
import { api, createTenant, request } from "../../test/workers/api-client.ts";
import { vendorRequests } from "../../test/workers/vendor-requests.ts";
import { createEndpoint, received, receiverUrl } from "../webhooks/testing/webhook-fixtures.ts";
import { consumeFlow, OAUTH_STATE_TTL_MS, startFlow } from "./oauth-states.ts";
import { callback, connectThroughOAuth, consent, oauthControl, startConnect } from "./testing/oauth-fixtures.ts";

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");
const upsert = { integration: "hubspot", action: "upsert_contact", name: "save_contact", defaults: {} };
const saveContact = (accountId: string, email: string) => runIntegrationTool(env, accountId, upsert, { email }, new AbortController().signal);
const connection = async (key: string, name: string) => ((await api(key).get("/v1/integrations")).json.data as { name: string; connection: string }[]).find((i) => i.name === name)!.connection;
/** The stand-in's token requests (form bodies, recorded as text) that contain `marker`. */
const tokenRequests = async (vendor: string, marker: string) => (await vendorRequests(vendor, marker)).filter((r) => r.path.endsWith("/token"));

describe("OAuth connect flow (authorization code with PKCE) against the vendor stand-ins", () => {
  it("connects HubSpot: the authorize URL carries state and an S256 challenge, the callback exchanges the code with its verifier, and actions use the sealed token", async () => {
    const t = await createTenant();
    const { url, state, cookie } = await startConnect(t.key, "hubspot");
    expect(url.pathname).toBe("/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "sim-hubspot-client",
      redirect_uri: "https://api.test/oauth/callback",
      code_challenge_method: "S256",
      scope: "oauth crm.objects.contacts.read crm.objects.contacts.write",
    });
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const back = await consent(url);
    const code = back.searchParams.get("code")!;
    const res = await callback(back, cookie);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ name: "hubspot", connection: "connected" });

    // The exchange sent the verifier whose S256 is the challenge, for the same redirect URI.
    const [exchange] = await tokenRequests("hubspot", code);
    const form = new URLSearchParams(exchange!.body as string);
    expect(exchange!.status).toBe(200);
    expect(form.get("grant_type")).toBe("authorization_code");
    expect(form.get("redirect_uri")).toBe("https://api.test/oauth/callback");
    expect(s256(form.get("code_verifier")!)).toBe(url.searchParams.get("code_challenge"));

    // Stored sealed (no token in clear), listed as connected, and used by the action.
    const row = await env.DB.prepare("SELECT credentials FROM integration_connections WHERE account_id = ? AND integration = 'hubspot'").bind(t.accountId).first<{ credentials: string }>();
    expect(row!.credentials).not.toMatch(/at-|rt-/);
    expect(await connection(t.key, "hubspot")).toBe("connected");
    const listed = (await api(t.key).get("/v1/integrations")).json.data.find((i: { name: string }) => i.name === "hubspot");
    expect(listed).toMatchObject({ connected_at: res.json.updated_at, updated_at: res.json.updated_at });
    const email = `oauth-${crypto.randomUUID()}@example.com`;
    expect((await saveContact(t.accountId, email)).status).toBe("success");
    const [crm] = await vendorRequests("hubspot", email);
    expect(crm!.headers.authorization).toMatch(/^Bearer at-/);

    // The audit chain records the connection under the actor that started the flow.
    const audit = await env.DB.prepare("SELECT actor, action, resource FROM audit_log WHERE account_id = ? AND action = 'GET /oauth/callback' UNION ALL SELECT actor, action, resource FROM audit_pending WHERE account_id = ? AND action = 'GET /oauth/callback'").bind(t.accountId, t.accountId).all();
    expect(audit.results).toEqual([expect.objectContaining({ resource: "hubspot", actor: expect.stringMatching(/^key:/) })]);

    // The same callback again: the state was single-use.
    const replay = await callback(back, cookie);
    expect(replay.status).toBe(422);
    expect(replay.headers.get("content-type")).toContain("application/problem+json");
    expect(replay.json.errors[0]).toMatchObject({ path: "state", code: "unknown_state" });
  });

  it("refuses an unknown state, a refusal at the vendor, and a code issued for another flow's challenge (the PKCE verifier does not match)", async () => {
    const t = await createTenant();
    const unknown = await request("GET", "/oauth/callback?state=not-a-state&code=whatever");
    expect(unknown.status).toBe(422);
    expect(unknown.json.errors[0]).toMatchObject({ path: "state", code: "unknown_state" });
    expect((await request("GET", "/oauth/callback?code=x")).json.errors[0]).toMatchObject({ path: "state" });

    const denied = await startConnect(t.key, "google_calendar");
    const deniedAnswer = await request("GET", `/oauth/callback?state=${denied.state}&error=access_denied`, { headers: { cookie: denied.cookie } });
    expect(deniedAnswer.status).toBe(422);
    expect(deniedAnswer.json.errors[0]).toMatchObject({ code: "authorization_refused" });

    // An attacker's code (bound to flow A's challenge) delivered into flow B: B's verifier does not match.
    const a = await startConnect(t.key, "google_calendar");
    const b = await startConnect(t.key, "google_calendar");
    const swapped = new URL(a.url);
    swapped.searchParams.set("state", b.state);
    const res = await callback(await consent(swapped), b.cookie);
    expect(res.status).toBe(422);
    expect(res.json.errors[0]).toMatchObject({ path: "code", code: "code_refused" });
    expect(res.json.detail).toContain("invalid code verifier");
    expect(await connection(t.key, "google_calendar")).toBe("not_connected");
  });

  it("sends a browser refused at the callback back to its page with the refusal in connect_error", async () => {
    const t = await createTenant();
    const html = "text/html,application/xhtml+xml";
    const denied = await startConnect(t.key, "hubspot", "?return_to=/console/integrations%3Ftab%3Dcrm");
    const back = new URL(denied.url.searchParams.get("redirect_uri")!);
    back.search = new URLSearchParams({ state: denied.state, error: "access_denied" }).toString();
    const res = await callback(back, denied.cookie, html);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    expect(location.pathname + "?tab=" + location.searchParams.get("tab")).toBe("/console/integrations?tab=crm");
    expect(location.searchParams.get("connect_error")).toBe("HubSpot did not authorize the connection: access_denied");
    expect(await connection(t.key, "hubspot")).toBe("not_connected");

    // An unknown state has no page of its own: the console's integrations page.
    const unknown = await callback(new URL("https://api.test/oauth/callback?state=not-a-state&code=x"), undefined, html);
    expect(new URL(unknown.headers.get("location")!).pathname).toBe("/console/integrations");
    expect(new URL(unknown.headers.get("location")!).searchParams.get("connect_error")).toMatch(/unknown, already used or expired/);
  });

  it("takes a state once and not after it expired", async () => {
    const t = await createTenant();
    const flow = { accountId: t.accountId, actor: "user:USR-TEST", integration: "salesforce", redirectUri: "https://api.test/oauth/callback" };
    const fresh = await startFlow(env, flow);
    expect(await consumeFlow(env, fresh.state)).toMatchObject({ accountId: t.accountId, actor: "user:USR-TEST", integration: "salesforce", bindingHash: createHash("sha256").update(fresh.browserNonce).digest("hex"), returnTo: null });
    expect(await consumeFlow(env, fresh.state)).toBeUndefined();
    const late = await startFlow(env, flow);
    expect(await consumeFlow(env, late.state, Date.now() + OAUTH_STATE_TTL_MS + 1)).toBeUndefined();
    expect(await consumeFlow(env, late.state)).toBeUndefined();
  });

  it("binds a flow to the account that started it: another tenant neither sees nor uses the connection", async () => {
    const victim = await createTenant();
    const attacker = await createTenant();
    await connectThroughOAuth(victim.key, "hubspot");
    expect(await connection(victim.key, "hubspot")).toBe("connected");
    expect(await connection(attacker.key, "hubspot")).toBe("not_connected");
    expect((await saveContact(attacker.accountId, "x@example.com")).content).toContain("not connected");
  });

  it("refreshes a token that expires within the margin before using it", async () => {
    const t = await createTenant();
    await connectThroughOAuth(t.key, "hubspot", { lifetimeS: 60 });
    const refreshes = async () => (await tokenRequests("hubspot", "grant_type=refresh_token")).length;
    const before = await refreshes();
    const stored = async () => (await env.DB.prepare("SELECT credentials FROM integration_connections WHERE account_id = ?").bind(t.accountId).first<{ credentials: string }>())!.credentials;
    const sealedBefore = await stored();

    const email = `refresh-${crypto.randomUUID()}@example.com`;
    expect((await saveContact(t.accountId, email)).status).toBe("success");
    expect(await refreshes()).toBe(before + 1);
    // The vendor never saw an expired token: the refreshed one was used at once, and stored (sealed) for next time.
    const [crm] = await vendorRequests("hubspot", email);
    expect(crm!.status).toBe(200);
    expect(await stored()).not.toBe(sealedBefore);

    // A token far from expiry (HubSpot's 30 minutes) is used as is.
    const other = await createTenant();
    await connectThroughOAuth(other.key, "hubspot");
    const count = await refreshes();
    expect((await saveContact(other.accountId, `norefresh-${crypto.randomUUID()}@example.com`)).status).toBe("success");
    expect(await refreshes()).toBe(count);
  });

  it("marks a revoked connection broken and emits integration.connection_broken once; later uses fail without calling the vendor", async () => {
    const t = await createTenant();
    const { tag, url } = receiverUrl();
    await createEndpoint(t.key, url, ["integration.connection_broken"]);
    const code = await connectThroughOAuth(t.key, "hubspot", { lifetimeS: 60 });
    await oauthControl("hubspot", "revoke", { code });

    const first = await saveContact(t.accountId, "revoked@example.com");
    expect(first.status).toBe("error");
    expect(first.content).toContain("BAD_REFRESH_TOKEN");
    expect(await connection(t.key, "hubspot")).toBe("broken");
    const delivery = await received(tag, (event) => event.type === "integration.connection_broken" && event.account_id === t.accountId);
    expect(JSON.parse(delivery.body).data).toMatchObject({ integration: "hubspot", reason: "refresh_refused" });

    const refreshes = (await tokenRequests("hubspot", "grant_type=refresh_token")).length;
    const again = await saveContact(t.accountId, "revoked@example.com");
    expect(again.content).toContain("broken");
    expect((await tokenRequests("hubspot", "grant_type=refresh_token")).length).toBe(refreshes);

    // Connecting again repairs it.
    await connectThroughOAuth(t.key, "hubspot");
    expect(await connection(t.key, "hubspot")).toBe("connected");
  });

  it("breaks a connection whose grant is revoked mid-life: the vendor's 401 makes the platform renew once, which is refused", async () => {
    const t = await createTenant();
    const code = await connectThroughOAuth(t.key, "salesforce");
    await oauthControl("salesforce", "revoke", { code });
    const lead = await runIntegrationTool(env, t.accountId, { integration: "salesforce", action: "create_lead", name: "lead", defaults: {} }, { last_name: "L", company: "C" }, new AbortController().signal);
    expect(lead.status).toBe("error");
    expect(lead.content).toContain("invalid_grant");
    expect(await connection(t.key, "salesforce")).toBe("broken");
  });

  it("answers problem+json for an integration that is unknown or not connected through OAuth", async () => {
    const t = await createTenant();
    const unknown = await api(t.key).get("/v1/integrations/nope/connect");
    expect(unknown.status).toBe(404);
    const slack = await api(t.key).get("/v1/integrations/slack/connect");
    expect(slack.status).toBe(422);
    expect(slack.headers.get("content-type")).toContain("application/problem+json");
    expect(slack.json.errors[0]).toMatchObject({ path: "name", code: "not_oauth" });
    const viaKey = await api(t.key).post("/v1/integration-connections", { integration: "salesforce", api_key: "x" });
    expect(viaKey.status).toBe(422);
    expect(viaKey.json.detail).toContain("/v1/integrations/salesforce/connect");
  });
});
