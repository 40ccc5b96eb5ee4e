import { checkResolvedHost, dohUrlFrom } from "../../shared/tools/dns-guard.ts";
import { checkToolUrl } from "../../shared/tools/ssrf-guard.ts";
import { toolUrlPolicy } from "../../shared/tools/tool-url-policy.ts";

type PolicyEnv = Pick<Env, "TOOL_HOST_ALLOWLIST" | "PUBLIC_BASE_URL" | "DOH_URL">;

/**
 * Webhook endpoints obey the agent tools' SSRF rules: public HTTPS on 443, no private or internal address, not the
 * platform itself; hosts in `TOOL_HOST_ALLOWLIST` (local development) may be plain HTTP on loopback.
 */
export function endpointUrlRefusal(url: string, env: PolicyEnv): string | undefined {
  const policy = toolUrlPolicy(env);
  const checked = checkToolUrl(url, policy.allowlist, { blockedHosts: policy.blockedHosts });
  return checked.ok ? undefined : checked.reason;
}

/** Before every delivery: the same rules, and a host name's addresses resolved now (DNS may have changed since the save). */
export async function deliveryUrlRefusal(url: string, env: PolicyEnv, signal?: AbortSignal): Promise<string | undefined> {
  const policy = toolUrlPolicy(env);
  const checked = checkToolUrl(url, policy.allowlist, { blockedHosts: policy.blockedHosts });
  if (!checked.ok) return checked.reason;
  if (!checked.resolve) return undefined;
  const resolved = await checkResolvedHost(checked.url.hostname, { dohUrl: dohUrlFrom(env), signal });
  return resolved.ok ? undefined : resolved.reason;
}
