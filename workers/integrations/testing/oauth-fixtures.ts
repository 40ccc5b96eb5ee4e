import { env, exports } from "cloudflare:workers";
import { api } from "../../../test/workers/api-client.ts";

/** The stand-in vendor whose OAuth server an integration uses (simulators/integrations/index.ts). */
const STAND_IN: Record<string, string> = { hubspot: "hubspot", salesforce: "salesforce", google_calendar: "google" };

/** Starts a connect flow: the authorize URL the platform answered, its parameters, and the flow's cookie (`name=value`). */
export async function startConnect(key: string, integration: string, query = ""): Promise<{ url: URL; state: string; cookie: string }> {
  const res = await api(key).get(`/v1/integrations/${integration}/connect${query}`);
  if (res.status !== 200) throw new Error(`connect failed: ${res.status} ${res.text}`);
  const url = new URL(res.json.authorize_url as string);
  return { url, state: url.searchParams.get("state")!, cookie: res.headers.get("set-cookie")!.split(";")[0]! };
}

/** The user consents at the stand-in: the callback URL it redirects the browser to (with `code` and `state`). */
export async function consent(authorizeUrl: URL): Promise<URL> {
  const res = await fetch(authorizeUrl, { redirect: "manual" });
  if (res.status !== 302) throw new Error(`the stand-in did not redirect: ${res.status} ${await res.text()}`);
  return new URL(res.headers.get("location")!);
}

/**
 * The browser arrives back at the platform's callback, with the cookie it holds; JSON unless `accept` says otherwise.
 * Redirects are not followed (the Worker's fetch would), so a 302's Location can be read.
 */
export async function callback(back: URL, cookie?: string, accept = "application/json") {
  const headers = { accept, ...(cookie && { cookie }) };
  const res = await exports.default.fetch(new Request(`https://api.test${back.pathname}${back.search}`, { headers, redirect: "manual" }));
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : undefined };
}

export async function oauthControl(integration: string, action: "revoke" | "token-lifetime", body: { code: string; seconds?: number }): Promise<void> {
  const res = await fetch(`${env.INTEGRATIONS_SIMULATOR_URL}/_control/oauth/${action}`, { method: "POST", body: JSON.stringify({ vendor: STAND_IN[integration], ...body }) });
  if (res.status !== 204) throw new Error(`oauth control ${action} failed: ${res.status}`);
}

/**
 * Connects an integration through the whole OAuth flow against its stand-in; `lifetimeS` sets the lifetime of the
 * grant's access tokens before the code is exchanged. Answers the authorization code (the grant's handle for the
 * control API).
 */
export async function connectThroughOAuth(key: string, integration: string, opts: { lifetimeS?: number } = {}): Promise<string> {
  const { url, cookie } = await startConnect(key, integration);
  const back = await consent(url);
  const code = back.searchParams.get("code")!;
  if (opts.lifetimeS !== undefined) await oauthControl(integration, "token-lifetime", { code, seconds: opts.lifetimeS });
  const res = await callback(back, cookie);
  if (res.status !== 200) throw new Error(`callback failed: ${res.status} ${res.text}`);
  return code;
}
