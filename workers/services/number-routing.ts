import { and, eq } from "drizzle-orm";
import { commitDroppingCache } from "../../shared/cache/commit-dropping-cache.ts";
import { IsolateMemo } from "../../shared/cache/isolate-memo.ts";
import { database } from "../../shared/db/client.ts";
import { phoneNumbers } from "../../shared/db/schema.ts";

/**
 * The call path resolves a dialled number (E.164) to its account and agent through KV, keyed by the number, so a
 * warm inbound webhook costs no D1 read. Every change to a number (import, assignment, release) deletes its key.
 * The TTL is short because a lookup racing a change can re-cache the old route after the delete, and KV deletes
 * take up to a minute to reach every location.
 */
export interface NumberRoute {
  account_id: string;
  agent_id: string | null;
}

const ROUTE_TTL_S = 300;

export const numberRouteKey = (e164: string) => `number:${e164}`;

/** In front of KV: a burst of calls to one number shares one lookup (see `IsolateMemo.load`). */
const memo = new IsolateMemo<NumberRoute>({ ttlMs: 5_000, maxEntries: 1_000 });

export const invalidateNumberRoute = (env: Env, e164: string) => {
  memo.delete(numberRouteKey(e164));
  return env.CONFIG_CACHE.delete(numberRouteKey(e164));
};

/** A change to a number committed with its cached route dropped around the commit (see `commitDroppingCache`). */
export const commitNumberChange = <T>(env: Env, e164: string, commit: () => Promise<T>): Promise<T> =>
  commitDroppingCache(numberRouteKey(e164), () => invalidateNumberRoute(env, e164), commit);

/** The active number's route, or null when no account has the number active. Only found routes are cached. */
export async function resolveNumberRoute(env: Env, e164: string): Promise<NumberRoute | null> {
  return (await memo.load(numberRouteKey(e164), () => lookUpRoute(env, e164))) ?? null;
}

async function lookUpRoute(env: Env, e164: string): Promise<NumberRoute | undefined> {
  const cached = await env.CONFIG_CACHE.get<NumberRoute>(numberRouteKey(e164), "json");
  if (cached) return cached;
  const route = await database(env.DB)
    .select({ account_id: phoneNumbers.accountId, agent_id: phoneNumbers.agentId })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.e164, e164), eq(phoneNumbers.status, "active")))
    .get();
  if (!route) return undefined;
  await env.CONFIG_CACHE.put(numberRouteKey(e164), JSON.stringify(route), { expirationTtl: ROUTE_TTL_S });
  return route;
}
