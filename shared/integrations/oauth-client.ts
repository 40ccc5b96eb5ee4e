import { z } from "zod";
import { IntegrationError, type Integration, type OAuthCredentials, type OAuthProvider, type VendorUrlVar } from "./integration.ts";
import { isRetryableStatus } from "./vendor-request.ts";

/**
 * The platform's side of OAuth 2.0 authorization code with PKCE (RFC 6749, RFC 7636) toward a vendor: the authorize
 * URL, the code exchange and the refresh, with the app credentials from `OAUTH_CLIENTS`. Token requests are
 * form-encoded with the client credentials in the body, as HubSpot, Salesforce and Google all accept.
 */
export type OAuthEnv = Pick<Env, VendorUrlVar | "OAUTH_CLIENTS">;

const REQUEST_TIMEOUT_MS = 10_000;

const OAuthClients = z.record(z.string(), z.object({ client_id: z.string().min(1), client_secret: z.string().min(1) }));

/** The app credentials for an integration, or undefined when the platform has none configured. */
export function oauthClient(env: Pick<Env, "OAUTH_CLIENTS">, integration: string): { client_id: string; client_secret: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.OAUTH_CLIENTS || "{}");
  } catch {
    return undefined;
  }
  const clients = OAuthClients.safeParse(parsed);
  return clients.success && Object.hasOwn(clients.data, integration) ? clients.data[integration] : undefined;
}

const vendorUrl = (env: OAuthEnv, at: OAuthProvider["authorize"]) => `${env[at.baseUrlVar].replace(/\/+$/, "")}${at.path}`;

/** Thrown when the vendor says the grant is gone (revoked or expired refresh token, a used or foreign code). */
export class OAuthGrantRefusedError extends IntegrationError {
  override name = "OAuthGrantRefusedError";
}

export function authorizeUrl(env: OAuthEnv, provider: OAuthProvider, params: { clientId: string; redirectUri: string; state: string; codeChallenge: string }): string {
  const url = new URL(vendorUrl(env, provider.authorize));
  const query: Record<string, string> = {
    response_type: "code",
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    scope: provider.scopes.join(" "),
    state: params.state,
    code_challenge: params.codeChallenge,
    code_challenge_method: "S256",
    ...provider.authorizeParams,
  };
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  // Seconds; a number (Google, HubSpot) but a string is accepted too.
  expires_in: z.coerce.number().positive().optional(),
  instance_url: z.string().optional(),
});

const TokenError = z.object({ error: z.string().optional(), status: z.string().optional(), error_description: z.string().optional(), message: z.string().optional() });

async function tokenRequest(env: OAuthEnv, integration: Integration, form: Record<string, string>, now: number): Promise<OAuthCredentials> {
  const provider = integration.oauth!;
  const client = oauthClient(env, integration.name);
  if (!client) throw new IntegrationError(`${integration.title} OAuth is not configured on this platform`, false);
  const tokenUrl = vendorUrl(env, provider.token);
  let response: Response;
  try {
    response = await fetch(tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ ...form, client_id: client.client_id, client_secret: client.client_secret }),
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new IntegrationError(`${integration.title}'s token endpoint could not be reached (${error instanceof Error ? error.name : "network error"})`, true);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const refusal = TokenError.safeParse(body);
    const code = refusal.success ? (refusal.data.error ?? refusal.data.status) : undefined;
    const description = refusal.success ? (refusal.data.error_description ?? refusal.data.message) : undefined;
    const message = `${integration.title} refused the token request: ${[code, description].filter(Boolean).join(": ") || `HTTP ${response.status}`}`;
    if (code === "invalid_grant" || (code !== undefined && provider.revokedCodes?.includes(code))) throw new OAuthGrantRefusedError(message, false, response.status);
    throw new IntegrationError(message, isRetryableStatus(response.status), response.status);
  }
  const answer = TokenAnswer.safeParse(body);
  if (!answer.success) throw new IntegrationError(`${integration.title}'s token endpoint answered with an unexpected body`, false, response.status);
  const lifetimeS = answer.data.expires_in ?? provider.assumedLifetimeS;
  const instanceUrl = provider.instanceUrl ? checkedInstanceUrl(answer.data.instance_url, tokenUrl, integration.title) : undefined;
  return {
    access_token: answer.data.access_token,
    ...(answer.data.refresh_token !== undefined && { refresh_token: answer.data.refresh_token }),
    ...(lifetimeS !== undefined && { expires_at: new Date(now + lifetimeS * 1000).toISOString() }),
    ...(instanceUrl !== undefined && { instance_url: instanceUrl }),
  };
}

/**
 * The API base a token answer names must be HTTPS (or, for a local stand-in, on the token endpoint's own origin):
 * action requests carry the access token there.
 */
function checkedInstanceUrl(value: string | undefined, tokenUrl: string, title: string): string {
  let url: URL;
  try {
    url = new URL(value ?? "");
  } catch {
    throw new IntegrationError(`${title}'s token answer has no valid instance_url`, false);
  }
  if (url.protocol !== "https:" && url.origin !== new URL(tokenUrl).origin) throw new IntegrationError(`${title}'s instance_url is not HTTPS`, false);
  return url.origin;
}

export const exchangeCode = (env: OAuthEnv, integration: Integration, params: { code: string; codeVerifier: string; redirectUri: string }, now = Date.now()) =>
  tokenRequest(env, integration, { grant_type: "authorization_code", code: params.code, redirect_uri: params.redirectUri, code_verifier: params.codeVerifier }, now);

/** New tokens for a connection; a vendor that sends no new refresh token (Google, Salesforce) keeps the old one valid. */
export async function refreshTokens(env: OAuthEnv, integration: Integration, current: OAuthCredentials, now = Date.now()): Promise<OAuthCredentials> {
  if (current.refresh_token === undefined) throw new OAuthGrantRefusedError(`the ${integration.title} access token expired and there is no refresh token`, false);
  const fresh = await tokenRequest(env, integration, { grant_type: "refresh_token", refresh_token: current.refresh_token }, now);
  return { ...fresh, refresh_token: fresh.refresh_token ?? current.refresh_token, ...(fresh.instance_url === undefined && current.instance_url !== undefined && { instance_url: current.instance_url }) };
}
