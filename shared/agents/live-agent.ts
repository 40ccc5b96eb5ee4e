import { and, eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { agents, agentVersions } from "../db/schema.ts";
import { readCachedAgent, readCachedVersion, writeCachedVersion, type CachedAgentVersion } from "./agent-config-cache.ts";
import type { StoredAgentConfig } from "./stored-agent-config.ts";

/**
 * The published configuration a new call of this agent runs: KV first (the live pointer from the agent's cached
 * view, then the immutable version entry), D1 on a miss. Undefined when the agent is archived or never published.
 */
export async function liveAgentVersion(env: Env, accountId: string, agentId: string): Promise<CachedAgentVersion | undefined> {
  const cached = await readCachedAgent<{ view: { live_version: number | null; status: string } }>(env, agentId);
  let live: number | null | undefined;
  if (cached && cached.account_id === accountId) {
    live = cached.view.status === "active" ? cached.view.live_version : null;
  } else {
    const row = await database(env.DB)
      .select({ live: agents.liveVersion, status: agents.status })
      .from(agents)
      .where(and(eq(agents.id, agentId), eq(agents.accountId, accountId)))
      .get();
    live = row?.status === "active" ? row.live : null;
  }
  if (!live) return undefined;
  return agentVersionConfig(env, accountId, agentId, live);
}

export async function agentVersionConfig(env: Env, accountId: string, agentId: string, version: number): Promise<CachedAgentVersion | undefined> {
  const hit = await readCachedVersion(env, agentId, version);
  if (hit) return hit.account_id === accountId ? hit : undefined;
  const row = await database(env.DB)
    .select()
    .from(agentVersions)
    .where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.version, version), eq(agentVersions.accountId, accountId)))
    .get();
  if (!row) return undefined;
  const value: CachedAgentVersion = { account_id: accountId, agent_id: agentId, version, config: row.config as StoredAgentConfig };
  await writeCachedVersion(env, value);
  return value;
}
