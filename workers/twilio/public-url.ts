/**
 * The URL Twilio was given, which is what it signed. PUBLIC_BASE_URL wins when set (production, tunnels). Otherwise
 * the request's own host and scheme are used; X-Forwarded-Host/-Proto only when TRUST_FORWARDED_HEADERS is "true",
 * because any client can send them: trusted blindly, they let a signature made for another host be replayed here
 * and let an API caller point its calls' webhooks at a host of its choosing.
 * The path and query always come from the request itself, so a signature cannot be replayed to another route.
 */
export function publicBaseUrl(env: Pick<Env, "PUBLIC_BASE_URL" | "TRUST_FORWARDED_HEADERS">, request: Request): string {
  if (env.PUBLIC_BASE_URL) return env.PUBLIC_BASE_URL.replace(/\/+$/, "");
  const url = new URL(request.url);
  const forwarded = (name: string) => (env.TRUST_FORWARDED_HEADERS === "true" ? request.headers.get(name)?.split(",")[0]?.trim() : undefined);
  const proto = forwarded("x-forwarded-proto") ?? url.protocol.replace(":", "");
  const host = forwarded("x-forwarded-host") ?? url.host;
  return `${proto}://${host}`;
}

export function publicRequestUrl(env: Pick<Env, "PUBLIC_BASE_URL" | "TRUST_FORWARDED_HEADERS">, request: Request): string {
  const url = new URL(request.url);
  return publicBaseUrl(env, request) + url.pathname + url.search;
}

