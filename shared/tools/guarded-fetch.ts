import { checkResolvedHost, dohUrlFrom } from "./dns-guard.ts";
import { checkToolUrl } from "./ssrf-guard.ts";
import { toolUrlPolicy } from "./tool-url-policy.ts";

type PolicyEnv = Pick<Env, "TOOL_HOST_ALLOWLIST" | "PUBLIC_BASE_URL" | "DOH_URL">;

/** Thrown when a URL breaks the tool SSRF rules; never retryable. */
export class UrlRefusedError extends Error {
  override name = "UrlRefusedError";
}

/**
 * A fetch for tenant-supplied URLs (workflow HTTP steps, incoming-webhook integrations) under the agent tools' SSRF
 * rules: the URL passes ssrf-guard.ts, a host name passes the DNS check right before the request, and redirects are
 * not followed (their target would escape the check).
 */
export function guardedFetch(env: PolicyEnv, fetcher: typeof fetch = (input, init) => fetch(input, init)): typeof fetch {
  const policy = toolUrlPolicy(env);
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const checked = checkToolUrl(url, policy.allowlist, { blockedHosts: policy.blockedHosts });
    if (!checked.ok) throw new UrlRefusedError(`this address cannot be called: ${checked.reason}`);
    if (checked.resolve) {
      const resolved = await checkResolvedHost(checked.url.hostname, { dohUrl: dohUrlFrom(env), signal: init?.signal ?? undefined, fetcher });
      if (!resolved.ok) throw new UrlRefusedError(`this address cannot be called: ${resolved.reason}`);
    }
    return fetcher(checked.url, { ...init, redirect: "manual" });
  };
}

/** The save-time half: a reason the URL can never be called, or undefined. */
export function urlRefusal(url: string, env: Pick<Env, "TOOL_HOST_ALLOWLIST" | "PUBLIC_BASE_URL">): string | undefined {
  const policy = toolUrlPolicy(env);
  const checked = checkToolUrl(url, policy.allowlist, { blockedHosts: policy.blockedHosts });
  return checked.ok ? undefined : checked.reason;
}
