import type { SealedSecret } from "../crypto/secret-box.ts";
import type { AgentConfig } from "../schemas/agent-config.ts";

/**
 * An agent configuration as stored in D1 and cached in KV: tool header secrets are sealed (AES-GCM, bound to the
 * tenant), never plaintext. The API shows `{secret_set: true}` in their place; only a call's object opens them.
 */
export type HeaderInput = AgentConfig["tools"][number] extends infer T ? (T extends { headers: Record<string, infer H> } ? H : never) : never;
export type StoredHeader = { value: string } | { sealed: SealedSecret };
/** An agent config as stored: header secrets sealed. */
export type StoredAgentConfig = Omit<AgentConfig, "tools"> & { tools: StoredTool[] };
type StoredTool = AgentConfig["tools"][number] extends infer T ? (T extends { headers: unknown } ? Omit<T, "headers"> & { headers: Record<string, StoredHeader> } : T) : never;

export const toolSecretContext = (accountId: string) => `tool-header:${accountId}`;

/** The API view of a stored config: sealed secrets become `{secret_set: true}`. */
export function redactAgentSecrets(config: StoredAgentConfig): AgentConfig {
  return {
    ...config,
    tools: config.tools.map((tool) =>
      "headers" in tool
        ? { ...tool, headers: Object.fromEntries(Object.entries(tool.headers).map(([k, v]) => [k, "sealed" in v ? { secret_set: true as const } : v])) }
        : tool,
    ),
  } as AgentConfig;
}
