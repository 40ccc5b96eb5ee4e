import { and, eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { integrationConnections } from "../db/workflows-schema.ts";
import { guardedFetch } from "../tools/guarded-fetch.ts";
import { IntegrationError, type ActionContext, type Credentials, type Integration, type OAuthCredentials, type VendorUrlVar } from "./integration.ts";
import { freshOAuthCredentials, renewingFetch } from "./oauth-refresh.ts";
import { openSealedCredentials } from "./sealed-credentials.ts";

/** What running an integration action for an account needs from the platform's env. */
export type IntegrationEnv = Pick<Env, "DB" | "ENCRYPTION_KEY" | "TOOL_HOST_ALLOWLIST" | "PUBLIC_BASE_URL" | "DOH_URL" | "OAUTH_CLIENTS" | "WEBHOOK_EVENTS" | VendorUrlVar>;

export { sealCredentials } from "./sealed-credentials.ts";

/**
 * The account's opened credentials for an integration, and the version of the row they came from; an integration
 * without auth needs none. OAuth tokens close to expiry are refreshed first (oauth-refresh.ts).
 */
async function openCredentials(env: IntegrationEnv, accountId: string, integration: Integration): Promise<{ credentials: Credentials; updatedAt: string }> {
  if (integration.auth.kind === "none") return { credentials: {}, updatedAt: "" };
  const row = await database(env.DB)
    .select()
    .from(integrationConnections)
    .where(and(eq(integrationConnections.accountId, accountId), eq(integrationConnections.integration, integration.name)))
    .get();
  if (!row) throw new IntegrationError(`${integration.title} is not connected to this account`, false);
  if (row.status === "broken") throw new IntegrationError(`the ${integration.title} connection is broken; connect it again`, false);
  const credentials = await openSealedCredentials(env, accountId, integration.name, row.credentials);
  if (!("access_token" in credentials)) return { credentials, updatedAt: row.updatedAt };
  return { credentials: await freshOAuthCredentials(env, accountId, integration, credentials as OAuthCredentials, row.updatedAt), updatedAt: row.updatedAt };
}

/** Everything an action needs to run for an account. */
export async function actionContext(env: IntegrationEnv, accountId: string, integration: Integration, signal?: AbortSignal): Promise<ActionContext> {
  const { credentials, updatedAt } = await openCredentials(env, accountId, integration);
  const base = "instance_url" in credentials && credentials.instance_url !== undefined ? credentials.instance_url : integration.baseUrlVar === undefined ? "" : env[integration.baseUrlVar];
  const plain: typeof fetch = (input, init) => fetch(input, init);
  return {
    credentials,
    baseUrl: base.replace(/\/+$/, ""),
    fetch: "access_token" in credentials ? renewingFetch(env, accountId, integration, credentials as OAuthCredentials, updatedAt, plain) : plain,
    guardedFetch: guardedFetch(env),
    signal,
  };
}
