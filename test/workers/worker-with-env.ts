import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../workers/app.ts";

/**
 * The Worker's real app over the test bindings with some variables changed, for behaviour that depends on
 * deployment configuration (PUBLIC_BASE_URL, TRUST_FORWARDED_HEADERS, an unreachable Twilio).
 */
export async function fetchWithEnv(request: Request, vars: Partial<Env>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
