import { SecretBox } from "../../shared/crypto/secret-box.ts";
import { toolSecretContext, type HeaderInput, type StoredAgentConfig, type StoredHeader } from "../../shared/agents/stored-agent-config.ts";
import type { AgentConfig } from "../../shared/schemas/agent-config.ts";
import { ApiError } from "../api/problem.ts";

/**
 * Tool header secrets: the API accepts `{secret}`, stores `{sealed}` (AES-GCM, tenant-bound) and returns
 * `{secret_set: true}`. Neither D1, KV nor any response ever holds a plaintext secret.
 */

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
