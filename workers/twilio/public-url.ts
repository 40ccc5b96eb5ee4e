/**
 * The URL Twilio was given, which is what it signed. Behind `wrangler dev`, tunnels and proxies the request URL
 * differs (host, port, scheme), so PUBLIC_BASE_URL wins when set; otherwise the forwarded host and scheme are used.
 * The path and query always come from the request itself, so a signature cannot be replayed to another route.
 */
export function publicBaseUrl(env: Pick<Env, "PUBLIC_BASE_URL">, request: Request): string {
  if (env.PUBLIC_BASE_URL) return env.PUBLIC_BASE_URL.replace(/\/+$/, "");
  const url = new URL(request.url);
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? url.protocol.replace(":", "");
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() ?? url.host;
  return `${proto}://${host}`;
}

export function publicRequestUrl(env: Pick<Env, "PUBLIC_BASE_URL">, request: Request): string {
  const url = new URL(request.url);
  return publicBaseUrl(env, request) + url.pathname + url.search;
}

/** The media-stream URL for a call: wss:// in production, ws:// when the platform itself is served over http. */
export function streamUrl(baseUrl: string, callId: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/twilio/stream/${callId}`;
}
