import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { OAUTH_STATE_TTL_MS } from "./oauth-states.ts";

/**
 * Binds a connect flow to the browser that started it (RFC 9700 §4.7, §2.1): the connect route sets a cookie with
 * the flow's nonce, and the callback accepts the state only from a browser that sends it back. Without it, an
 * attacker could start a flow in their own tenant and have a victim open the authorize URL: the victim's vendor
 * account would land in the attacker's tenant. SameSite=Lax, not Strict: the vendor sends the browser back with a
 * cross-site top-level GET, which Lax lets the cookie ride and Strict would not. Scoped to the callback's path, so no
 * other route ever receives it; `__Secure-` because `__Host-` would require `Path=/`.
 */
export const OAUTH_CALLBACK_PATH = "/oauth/callback";
const COOKIE = "oauth_flow";
const OPTIONS = { path: OAUTH_CALLBACK_PATH, secure: true, prefix: "secure" } as const;

export function setFlowCookie(c: Context, browserNonce: string): void {
  setCookie(c, COOKIE, browserNonce, { ...OPTIONS, httpOnly: true, sameSite: "Lax", maxAge: OAUTH_STATE_TTL_MS / 1000 });
}

/** Every callback answer clears the cookie: the flow it names is consumed either way. */
export function clearFlowCookie(c: Context): void {
  deleteCookie(c, COOKIE, OPTIONS);
}

/** Why the browser is not the one that started the flow, or undefined when it is. */
export async function browserMismatch(c: Context, bindingHash: string): Promise<"cookie_missing" | "cookie_mismatch" | undefined> {
  const nonce = getCookie(c, COOKIE, "secure");
  if (!nonce) return "cookie_missing";
  // A flow stored before the binding existed has "", which no hash equals.
  return (await sha256Hex(nonce)) === bindingHash ? undefined : "cookie_mismatch";
}
