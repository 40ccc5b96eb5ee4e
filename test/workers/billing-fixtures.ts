import { env } from "cloudflare:workers";
import { withPostgres } from "../../shared/pg/client.ts";
import { plans } from "../../shared/pg/schema.ts";
import { createTenant, request, type Tenant } from "./api-client.ts";

/** The default plan new billing sides get (a Postgres migration seeds it; created here when it is not there yet). */
export async function ensureDefaultPlan(): Promise<void> {
  await withPostgres(env, (db) => db.insert(plans).values({ id: "payg", name: "Pay as you go" }).onConflictDoNothing());
}

/** A request to an operator route, with the operator secret. */
export const operator = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  request(method, path, { headers: { "x-operator-secret": env.OPERATOR_SECRET, ...headers }, body });

/** A tenant whose account was bootstrapped with a billing side (`billing` as POST /v1/operator/accounts takes it). */
export async function billedTenant(billing: Record<string, unknown> = {}): Promise<Tenant> {
  await ensureDefaultPlan();
  return createTenant({ billing });
}

/** The account's audit entries, oldest first, once chained. */
export async function auditEntries(accountId: string): Promise<{ actor: string; action: string; resource: string | null; detail: string | null }[]> {
  const { results } = await env.DB.prepare("SELECT actor, action, resource, detail FROM audit_log WHERE account_id = ? ORDER BY seq").bind(accountId).all<{ actor: string; action: string; resource: string | null; detail: string | null }>();
  return results;
}

/** The account's gate object, whose snapshot the edge admits calls against. */
export const gate = (accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));
