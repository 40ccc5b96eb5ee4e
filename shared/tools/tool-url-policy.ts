/**
 * The SSRF gate applied when an agent is saved or published, so a tenant learns at once that a tool URL can never
 * be called (instead of the model hearing an error mid-call). Names are not resolved here: DNS can change after a
 * save, so the DNS check runs before every fetch (dns-guard.ts).
 */
import { checkToolUrl, parseAllowlist } from "./ssrf-guard.ts";

export interface ToolUrlIssue {
  path: string;
  message: string;
}

/** `TOOL_HOST_ALLOWLIST` and the platform's own host (`PUBLIC_BASE_URL`), as the call's tool executor sees them. */
export function toolUrlPolicy(env: Pick<Env, "TOOL_HOST_ALLOWLIST" | "PUBLIC_BASE_URL">): { allowlist: string[]; blockedHosts: string[] } {
  return {
    allowlist: parseAllowlist(env.TOOL_HOST_ALLOWLIST),
    blockedHosts: URL.canParse(env.PUBLIC_BASE_URL) ? [new URL(env.PUBLIC_BASE_URL).hostname] : [],
  };
}

/** One issue per HTTP tool whose URL the executor would refuse; `path` points into the agent config. */
export function toolUrlIssues(tools: readonly { type: string; url?: string }[], policy: { allowlist: readonly string[]; blockedHosts: readonly string[] }): ToolUrlIssue[] {
  return tools.flatMap((tool, index) => {
    if (tool.type !== "http" || tool.url === undefined) return [];
    const checked = checkToolUrl(tool.url, policy.allowlist, { blockedHosts: policy.blockedHosts });
    return checked.ok ? [] : [{ path: `config.tools.${index}.url`, message: `this address cannot be called by a tool: ${checked.reason}` }];
  });
}
