import { exports } from "cloudflare:workers";
import { env } from "cloudflare:workers";

/** Sends requests to the Worker's real fetch handler, as a tenant would over HTTP. */
export async function request(method: string, path: string, init: { key?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await exports.default.fetch(new Request(`https://api.test${path}`, { method, headers, body }));
  const text = await res.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, json, text };
}

export interface Tenant {
  accountId: string;
  ownerId: string;
  key: string;
}

let counter = 0;

/**
 * Bootstraps a tenant through the operator route, exactly as the README tells a newcomer to. Approved, so the trial
 * gates stay out of tests about something else; the gates' own tests pass `{ verification: "trial" }`.
 */
export async function createTenant(overrides: Record<string, unknown> = {}): Promise<Tenant> {
  const res = await request("POST", "/v1/operator/accounts", {
    headers: { "x-operator-secret": env.OPERATOR_SECRET },
    body: { name: `Tenant ${++counter}`, owner_email: `owner${counter}@example.com`, verification: "approved", ...overrides },
  });
  if (res.status !== 201) throw new Error(`tenant bootstrap failed: ${res.status} ${res.text}`);
  return { accountId: res.json.account.id, ownerId: res.json.owner.id, key: res.json.api_key.key };
}

export const api = (key: string) => ({
  get: (path: string, headers?: Record<string, string>) => request("GET", path, { key, headers }),
  // Without a body, a POST is sent with none (no Content-Type either), as `curl -X POST` does.
  post: (path: string, body?: unknown, headers?: Record<string, string>) => request("POST", path, { key, body, headers }),
  put: (path: string, body?: unknown) => request("PUT", path, { key, body: body ?? {} }),
  patch: (path: string, body?: unknown) => request("PATCH", path, { key, body: body ?? {} }),
  delete: (path: string) => request("DELETE", path, { key }),
});
