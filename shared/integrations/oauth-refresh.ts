import { and, eq } from "drizzle-orm";
import { auditInsert } from "../audit/audit-entry.ts";
import { database, nowIso } from "../db/client.ts";
import { integrationConnections } from "../db/workflows-schema.ts";
import { emitWebhookEvent } from "../webhooks/emit-webhook-event.ts";
import { IntegrationError, type Integration, type OAuthCredentials, type VendorUrlVar } from "./integration.ts";
import { OAuthGrantRefusedError, refreshTokens } from "./oauth-client.ts";
import { sealCredentials } from "./sealed-credentials.ts";

type RefreshEnv = Pick<Env, "DB" | "ENCRYPTION_KEY" | "OAUTH_CLIENTS" | "WEBHOOK_EVENTS" | VendorUrlVar>;

/** Tokens this close to expiry are refreshed before use, so a request never races the expiry. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

const owned = (accountId: string, integration: string) => and(eq(integrationConnections.accountId, accountId), eq(integrationConnections.integration, integration));

/**
 * The connection's tokens, refreshed first when they expire within the margin (`renewOAuthCredentials`).
 */
export async function freshOAuthCredentials(env: RefreshEnv, accountId: string, integration: Integration, current: OAuthCredentials, rowUpdatedAt: string, now = Date.now()): Promise<OAuthCredentials> {
  if (current.expires_at === undefined || Date.parse(current.expires_at) - now > REFRESH_MARGIN_MS) return current;
  return renewOAuthCredentials(env, accountId, integration, current, rowUpdatedAt, now);
}

/**
 * New tokens for the connection. They are sealed and stored only if the row is still the one read (another request
 * may have refreshed meanwhile; both answers are valid tokens). A refresh the vendor refuses as revoked
 * (`invalid_grant`) marks the connection `broken`, audits it and emits `integration.connection_broken`, once: later
 * uses read `broken` and fail without calling the vendor.
 */
async function renewOAuthCredentials(env: RefreshEnv, accountId: string, integration: Integration, current: OAuthCredentials, rowUpdatedAt: string, now = Date.now()): Promise<OAuthCredentials> {
  if (!integration.oauth) throw new IntegrationError(`the ${integration.title} token expired`, false);
  let fresh: OAuthCredentials;
  try {
    fresh = await refreshTokens(env, integration, current, now);
  } catch (error) {
    if (error instanceof OAuthGrantRefusedError) await markBroken(env, accountId, integration, error.message);
    throw error;
  }
  const sealed = await sealCredentials(env, accountId, integration.name, fresh);
  await database(env.DB)
    .update(integrationConnections)
    .set({ credentials: sealed, updatedAt: nowIso() })
    .where(and(owned(accountId, integration.name), eq(integrationConnections.status, "connected"), eq(integrationConnections.updatedAt, rowUpdatedAt)))
    .run();
  return fresh;
}

/**
 * The vendor fetch of an OAuth connection: an access token the vendor no longer takes (401: revoked, or expired
 * early) is renewed once and the request sent again with the new one; a refused renewal breaks the connection.
 */
export function renewingFetch(env: RefreshEnv, accountId: string, integration: Integration, current: OAuthCredentials, rowUpdatedAt: string, fetcher: typeof fetch): typeof fetch {
  // After a renewal, the action's later requests still carry the old token: they are sent with the new one.
  let renewed: string | undefined;
  const send = (input: Parameters<typeof fetch>[0], init: RequestInit | undefined) => {
    if (renewed === undefined) return fetcher(input, init);
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${renewed}`);
    return fetcher(input, { ...init, headers });
  };
  return async (input, init) => {
    const response = await send(input, init);
    if (response.status !== 401 || renewed !== undefined || !integration.oauth || current.refresh_token === undefined) return response;
    await response.body?.cancel();
    renewed = (await renewOAuthCredentials(env, accountId, integration, current, rowUpdatedAt)).access_token;
    return send(input, init);
  };
}

async function markBroken(env: RefreshEnv, accountId: string, integration: Integration, reason: string): Promise<void> {
  const db = database(env.DB);
  const brokenAt = nowIso();
  const [changed] = await db.batch([
    db.update(integrationConnections).set({ status: "broken", updatedAt: brokenAt }).where(and(owned(accountId, integration.name), eq(integrationConnections.status, "connected"))).returning(),
    auditInsert(db, { accountId, actor: "platform", action: "integration.connection_broken", resource: integration.name, detail: { integration: integration.name } }, { ifPreviousChanged: true }),
  ]);
  if (changed.length === 0) return;
  const sent: Promise<unknown>[] = [];
  emitWebhookEvent(env, { type: "integration.connection_broken", accountId, id: `evt_${accountId}_${integration.name}_broken_${brokenAt}`, createdAt: brokenAt, data: { integration: integration.name, reason: "refresh_refused", detail: reason, broken_at: brokenAt } }, (p) => sent.push(p));
  await Promise.all(sent);
}
