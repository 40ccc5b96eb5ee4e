/**
 * Runs a tenant's HTTP tool for the model: validates the input, fetches the webhook with the tool's headers (sealed
 * secrets opened only here), and turns every tool-side failure into an error result the model can explain to the
 * caller. Nothing here throws for a failing webhook; secrets never reach a result, an error or a log line.
 */
import { SecretBox } from "../../shared/crypto/secret-box.ts";
import { toolSecretContext, type StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import { readCapped } from "./capped-body.ts";
import { checkResolvedHost } from "../../shared/tools/dns-guard.ts";
import { checkToolUrl } from "../../shared/tools/ssrf-guard.ts";
import { validateToolInput } from "./tool-input.ts";

export type StoredHttpTool = Extract<StoredAgentConfig["tools"][number], { type: "http" }>;

export interface ToolResult {
  status: "success" | "error";
  content: string;
}

export interface HttpToolContext {
  accountId: string;
  /** `env.ENCRYPTION_KEY`, the key ring that opens sealed header secrets. */
  encryptionKey: string;
  /** Parsed `TOOL_HOST_ALLOWLIST` (see ssrf-guard.ts `parseAllowlist`). */
  allowlist: readonly string[];
  /** The turn's signal: an interrupted turn abandons its tool calls. */
  signal: AbortSignal;
  fetcher?: typeof fetch;
  /** The platform's own hostnames, refused as tool targets. */
  blockedHosts?: readonly string[];
  /** The DNS-over-HTTPS resolver every tool host name is checked with (see dns-guard.ts `dohUrlFrom`). */
  dohUrl: string;
}

export const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_ERROR_BODY_CHARS = 1024;
const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export async function executeHttpTool(tool: StoredHttpTool, input: unknown, ctx: HttpToolContext): Promise<ToolResult> {
  const started = Date.now();
  const invalid = validateToolInput(input, tool.parameters);
  if (invalid !== undefined) return fail(`invalid input for ${tool.name}: ${invalid}`);
  const args = input as Record<string, unknown>;

  let headers: Headers;
  let secrets: string[];
  try {
    ({ headers, secrets } = await toolHeaders(tool, ctx));
  } catch (error) {
    log("error", tool.name, "header_secret_unavailable", { reason: error instanceof HeaderError ? error.message : "could not be opened" });
    return fail(`the ${tool.name} service is not configured correctly (a header secret is unavailable)`);
  }

  const method = tool.method ?? "POST";
  let target = tool.url;
  let body: string | undefined;
  if (method === "GET") target = withQuery(tool.url, args);
  else {
    body = JSON.stringify(args);
    headers.set("content-type", "application/json");
  }

  const timeoutMs = tool.timeout_ms ?? 5000;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
  const fetcher = ctx.fetcher ?? ((request: RequestInfo | URL, init?: RequestInit) => fetch(request, init));
  const redact = redactor(secrets);
  try {
    let currentMethod: string = method;
    let origin: string | undefined;
    for (let hop = 0; ; hop++) {
      const checked = checkToolUrl(target, ctx.allowlist, { blockedHosts: ctx.blockedHosts });
      if (!checked.ok) {
        log("warn", tool.name, "url_refused", { hop, reason: checked.reason });
        return fail(`the ${tool.name} service address is not allowed${hop > 0 ? " (redirect)" : ""}: ${checked.reason}`);
      }
      if (checked.resolve) {
        const resolved = await checkResolvedHost(checked.url.hostname, { dohUrl: ctx.dohUrl, signal, fetcher: ctx.fetcher });
        if (!resolved.ok) {
          log("warn", tool.name, "dns_refused", { hop, reason: resolved.reason });
          return fail(`the ${tool.name} service address is not allowed${hop > 0 ? " (redirect)" : ""}: ${resolved.reason}`);
        }
      }
      // Tool headers (which may carry secrets) go only to the configured origin, as fetch does for Authorization.
      if (origin !== undefined && checked.url.origin !== origin) headers = stripToolHeaders(headers, tool);
      origin = checked.url.origin;
      const response = await fetcher(checked.url, { method: currentMethod, headers, body, redirect: "manual", signal });
      if (REDIRECT_STATUSES.has(response.status)) {
        await response.body?.cancel();
        const location = response.headers.get("location");
        if (location === null) return fail(`the ${tool.name} service answered HTTP ${response.status} without a location`);
        if (hop >= MAX_REDIRECTS) return fail(`the ${tool.name} service redirected more than ${MAX_REDIRECTS} times`);
        target = redirectTarget(location, checked.url);
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && currentMethod === "POST")) {
          currentMethod = "GET";
          body = undefined;
          headers.delete("content-type");
        }
        continue;
      }
      const { text, truncated } = await readCapped(response, MAX_RESPONSE_BYTES, signal);
      const durationMs = Date.now() - started;
      if (!response.ok) {
        log("warn", tool.name, "http_error", { status: response.status, durationMs });
        const detail = text.trim().slice(0, MAX_ERROR_BODY_CHARS);
        return { status: "error", content: redact(JSON.stringify({ error: `the ${tool.name} service answered HTTP ${response.status}`, ...(detail ? { response: detail } : {}) })) };
      }
      log("info", tool.name, "ok", { status: response.status, durationMs, truncated });
      const content = text.trim() === "" ? JSON.stringify({ ok: true, status: response.status }) : text;
      return { status: "success", content: redact(truncated ? `${content}\n[response truncated at ${MAX_RESPONSE_BYTES} bytes]` : content) };
    }
  } catch (error) {
    const durationMs = Date.now() - started;
    if (ctx.signal.aborted) return fail(`the ${tool.name} call was cancelled because the caller interrupted`);
    if (signal.aborted) {
      log("warn", tool.name, "timeout", { timeoutMs, durationMs });
      return fail(`the ${tool.name} service timed out after ${timeoutMs} ms`);
    }
    // The error text of a failed fetch may name the URL; the model needs only the gist.
    log("warn", tool.name, "unreachable", { durationMs, error: error instanceof Error ? error.name : "unknown" });
    return fail(`the ${tool.name} service could not be reached`);
  }
}

const fail = (message: string): ToolResult => ({ status: "error", content: JSON.stringify({ error: message }) });

class HeaderError extends Error {}

async function toolHeaders(tool: StoredHttpTool, ctx: HttpToolContext): Promise<{ headers: Headers; secrets: string[] }> {
  const headers = new Headers({ accept: "application/json, text/plain;q=0.9, */*;q=0.5", "user-agent": "voice-agent-platform-tool/1" });
  const secrets: string[] = [];
  let box: SecretBox | undefined;
  for (const [name, value] of Object.entries(tool.headers ?? {})) {
    if ("value" in value) headers.set(name, value.value);
    else if ("sealed" in value) {
      const secret = await (box ??= new SecretBox(ctx.encryptionKey)).open(value.sealed, toolSecretContext(ctx.accountId));
      headers.set(name, secret);
      if (secret !== "") secrets.push(secret);
    } else throw new HeaderError(`header ${name} has no stored value`);
  }
  return { headers, secrets };
}

/** The Location as written where it names a host (the guard must see the spelling), else resolved. */
function redirectTarget(location: string, base: URL): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return location;
  if (/^[/\\]{2}/.test(location)) return `${base.protocol}${location}`;
  return new URL(location, base).toString();
}

function stripToolHeaders(headers: Headers, tool: StoredHttpTool): Headers {
  const stripped = new Headers(headers);
  for (const name of Object.keys(tool.headers ?? {})) stripped.delete(name);
  return stripped;
}

/** GET arguments as query parameters, appended to any the tool URL already has. */
function withQuery(url: string, args: Record<string, unknown>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) target.searchParams.append(key, typeof v === "object" ? JSON.stringify(v) : String(v));
  }
  return target.toString();
}

/** Replaces every opened secret (raw and JSON-escaped) in text that goes back to the model. */
function redactor(secrets: readonly string[]): (text: string) => string {
  const forms = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => forms.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
}

function log(level: "info" | "warn" | "error", tool: string, event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, component: "http-tool", tool, event, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
