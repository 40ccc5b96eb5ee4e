import type { StoredAgentConfig } from "./stored-agent-config.ts";

/**
 * Agent configuration cached at the edge in KV. A published version never changes, so its key never needs
 * invalidating; the per-agent entry (live version, draft, name) is deleted on every agent write. Readers check
 * `account_id` themselves: a KV hit is never trusted across tenants.
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

export const readCachedAgent = <T>(env: Env, agentId: string) => env.CONFIG_CACHE.get<T & { account_id: string }>(agentKey(agentId), "json");

export const writeCachedAgent = <T extends { account_id: string }>(env: Env, agentId: string, value: T) =>
  env.CONFIG_CACHE.put(agentKey(agentId), JSON.stringify(value), { expirationTtl: AGENT_TTL_S });

export const invalidateCachedAgent = (env: Env, agentId: string) => env.CONFIG_CACHE.delete(agentKey(agentId));

export const readCachedVersion = (env: Env, agentId: string, version: number) =>
  env.CONFIG_CACHE.get<CachedAgentVersion>(agentVersionKey(agentId, version), "json");

export const writeCachedVersion = (env: Env, value: CachedAgentVersion) =>
  env.CONFIG_CACHE.put(agentVersionKey(value.agent_id, value.version), JSON.stringify(value), { expirationTtl: VERSION_TTL_S });
