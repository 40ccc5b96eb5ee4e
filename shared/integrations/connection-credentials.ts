import { and, eq } from "drizzle-orm";
import { SecretBox, type SealedSecret } from "../crypto/secret-box.ts";
import { database } from "../db/client.ts";
import { integrationConnections } from "../db/workflows-schema.ts";
import { guardedFetch } from "../tools/guarded-fetch.ts";
import { IntegrationError, type ActionContext, type Credentials, type Integration } from "./integration.ts";

type ConnectionEnv = Pick<Env, "DB" | "ENCRYPTION_KEY" | "TOOL_HOST_ALLOWLIST" | "PUBLIC_BASE_URL" | "DOH_URL" | "HUBSPOT_API_BASE_URL" | "CALCOM_API_BASE_URL">;

/** Associated data of a sealed connection: a ciphertext copied to another account or integration does not open. */
const context = (accountId: string, integration: string) => `integration-connection:${accountId}:${integration}`;

export const sealCredentials = (env: Pick<Env, "ENCRYPTION_KEY">, accountId: string, integration: string, credentials: Credentials): Promise<SealedSecret> =>
  new SecretBox(env.ENCRYPTION_KEY).seal(JSON.stringify(credentials), context(accountId, integration));

/** The account's opened credentials for an integration; an integration without auth needs none. */
export async function openCredentials(env: ConnectionEnv, accountId: string, integration: Integration): Promise<Credentials> {
  if (integration.auth.kind === "none") return {};
  const row = await database(env.DB)
    .select()
    .from(integrationConnections)
    .where(and(eq(integrationConnections.accountId, accountId), eq(integrationConnections.integration, integration.name)))
    .get();
  if (!row) throw new IntegrationError(`${integration.title} is not connected to this account`, false);
  if (row.status === "broken") throw new IntegrationError(`the ${integration.title} connection is broken; connect it again`, false);
  return JSON.parse(await new SecretBox(env.ENCRYPTION_KEY).open(row.credentials, context(accountId, integration.name))) as Credentials;
}

/** Everything an action needs to run for an account. */
export async function actionContext(env: ConnectionEnv, accountId: string, integration: Integration, signal?: AbortSignal): Promise<ActionContext> {
  return {
    credentials: await openCredentials(env, accountId, integration),
    baseUrl: integration.baseUrlVar === undefined ? "" : env[integration.baseUrlVar].replace(/\/+$/, ""),
    fetch: (input, init) => fetch(input, init),
    guardedFetch: guardedFetch(env),
    signal,
  };
}
