import { SecretBox, type SealedSecret } from "../../shared/crypto/secret-box.ts";
import type { AgentConfig } from "../../shared/schemas/agent-config.ts";
import { ApiError } from "../api/problem.ts";

/**
 * Tool header secrets: the API accepts `{secret}`, stores `{sealed}` (AES-GCM, tenant-bound) and returns
 * `{secret_set: true}`. Neither D1, KV nor any response ever holds a plaintext secret.
 */
type HeaderInput = AgentConfig["tools"][number] extends infer T ? (T extends { headers: Record<string, infer H> } ? H : never) : never;
export type StoredHeader = { value: string } | { sealed: SealedSecret };
/** An agent config as stored: header secrets sealed. */
export type StoredAgentConfig = Omit<AgentConfig, "tools"> & { tools: StoredTool[] };
type StoredTool = AgentConfig["tools"][number] extends infer T ? (T extends { headers: unknown } ? Omit<T, "headers"> & { headers: Record<string, StoredHeader> } : T) : never;

export const toolSecretContext = (accountId: string) => `tool-header:${accountId}`;

/** Seals new secrets; `{secret_set: true}` keeps the secret already stored for the same tool and header. */
export async function sealAgentSecrets(config: AgentConfig, accountId: string, env: Env, previous?: StoredAgentConfig): Promise<StoredAgentConfig> {
  let box: SecretBox | undefined;
  const tools = await Promise.all(
    config.tools.map(async (tool, i) => {
      if (tool.type !== "http") return tool;
      const before = previous?.tools.find((t) => t.type === "http" && t.name === tool.name);
      const headers: Record<string, StoredHeader> = {};
      for (const [name, value] of Object.entries(tool.headers as Record<string, HeaderInput>)) {
        if ("value" in value) headers[name] = { value: value.value };
        else if ("secret" in value) headers[name] = { sealed: await (box ??= new SecretBox(env.ENCRYPTION_KEY)).seal(value.secret, toolSecretContext(accountId)) };
        else {
          const kept = before && "headers" in before ? before.headers[name] : undefined;
          if (!kept || !("sealed" in kept)) {
            throw new ApiError("validation-error", `tool "${tool.name}" header "${name}" has no stored secret to keep; send {"secret": "…"}`, {
              errors: [{ path: `config.tools.${i}.headers.${name}`, message: "no stored secret" }],
            });
          }
          headers[name] = kept;
        }
      }
      return { ...tool, headers };
    }),
  );
  return { ...config, tools } as StoredAgentConfig;
}

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
