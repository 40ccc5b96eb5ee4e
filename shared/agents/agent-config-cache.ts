import { eq } from "drizzle-orm";
import { commitDroppingCache } from "../cache/commit-dropping-cache.ts";
import { IsolateMemo } from "../cache/isolate-memo.ts";
import { database } from "../db/client.ts";
import { agents } from "../db/schema.ts";
import type { StoredAgentConfig } from "./stored-agent-config.ts";

/**
 * Agent configuration cached at the edge in KV. A published version never changes, so its key never needs
 * invalidating; the per-agent entry (live version, draft, name) is deleted on every agent write, and filled from a
 * read only while it is still current (see `cacheAgentIfCurrent`). Readers check
 * `account_id` themselves: a KV hit is never trusted across tenants. In front of KV, the isolate keeps what it
 * read for a few seconds (KV itself may serve a replaced entry for up to 60 s in other locations).
 */
export interface CachedAgentVersion {
  account_id: string;
  agent_id: string;
  version: number;
  config: StoredAgentConfig;
}

const VERSION_TTL_S = 7 * 24 * 3600;
const AGENT_TTL_S = 3600;

export const agentKey = (agentId: string) => `agent:${agentId}`;
export const agentVersionKey = (agentId: string, version: number) => `agent-version:${agentId}:${version}`;

/** Parsed KV values by key; callers treat them as read-only. */
const memo = new IsolateMemo<{ account_id: string }>({ ttlMs: 5_000, maxEntries: 1_000 });

/** Concurrent misses of one key share one KV read (see `IsolateMemo.load`). */
async function readThrough<T extends { account_id: string }>(env: Env, key: string): Promise<T | null> {
  const value = await memo.load(key, async () => (await env.CONFIG_CACHE.get<T>(key, "json")) ?? undefined);
  return (value as T | undefined) ?? null;
}

function write(env: Env, key: string, value: { account_id: string }, ttlS: number): Promise<void> {
  memo.set(key, value);
  return env.CONFIG_CACHE.put(key, JSON.stringify(value), { expirationTtl: ttlS });
}

export const readCachedAgent = <T>(env: Env, agentId: string) => readThrough<T & { account_id: string }>(env, agentKey(agentId));

/** The fields of an agent's view that every agent write changes; the call path trusts `live_version` and `status`. */
export interface AgentStamp {
  id: string;
  status: string;
  live_version: number | null;
  latest_version: number;
  updated_at: string;
}

/**
 * Caches an agent's view read from D1, unless the agent changed since that read. A publish or rollback that
 * commits between the read and this write has already deleted the key; writing the older view back would make
 * new calls run the old version for an hour. So the view is written, D1 is read again, and the entry is dropped
 * if the row moved on: whichever order the two requests interleave in, no outdated view survives.
 */
export async function cacheAgentIfCurrent<V extends AgentStamp>(env: Env, value: { account_id: string; view: V }): Promise<void> {
  const { view } = value;
  await write(env, agentKey(view.id), value, AGENT_TTL_S);
  const now = await database(env.DB)
    .select({ status: agents.status, live: agents.liveVersion, latest: agents.latestVersion, updatedAt: agents.updatedAt })
    .from(agents)
    .where(eq(agents.id, view.id))
    .get();
  const current = now && now.status === view.status && now.live === view.live_version && now.latest === view.latest_version && now.updatedAt === view.updated_at;
  if (!current) await invalidateCachedAgent(env, view.id);
}

export function invalidateCachedAgent(env: Env, agentId: string): Promise<void> {
  memo.delete(agentKey(agentId));
  return env.CONFIG_CACHE.delete(agentKey(agentId));
}

/** An agent write committed with its cached view dropped around the commit (see `commitDroppingCache`). */
export const commitAgentWrite = <T>(env: Env, agentId: string, commit: () => Promise<T>): Promise<T> =>
  commitDroppingCache(agentKey(agentId), () => invalidateCachedAgent(env, agentId), commit);

export const readCachedVersion = (env: Env, agentId: string, version: number) => readThrough<CachedAgentVersion>(env, agentVersionKey(agentId, version));

export const writeCachedVersion = (env: Env, value: CachedAgentVersion) => write(env, agentVersionKey(value.agent_id, value.version), value, VERSION_TTL_S);

/**
 * A version's cache entry, serialised before its publish commits, so a configuration that cannot be stored (or
 * returned) fails the publish instead of following it. Throws what `JSON.stringify` throws.
 */
export function serializedVersion(value: CachedAgentVersion): { value: CachedAgentVersion; json: string } {
  return { value, json: JSON.stringify(value) };
}

/** Caches a just-published version (best effort: a miss reads the version from D1 and caches it then). */
export async function cachePublishedVersion(env: Env, serialized: { value: CachedAgentVersion; json: string }): Promise<void> {
  const { value, json } = serialized;
  try {
    memo.set(agentVersionKey(value.agent_id, value.version), value);
    await env.CONFIG_CACHE.put(agentVersionKey(value.agent_id, value.version), json, { expirationTtl: VERSION_TTL_S });
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "published version not cached", agent_id: value.agent_id, version: value.version, error: String(err) }));
  }
}
