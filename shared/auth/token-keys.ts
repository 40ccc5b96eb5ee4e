/**
 * JWT_SECRET backs two kinds of token that must never stand in for each other: dashboard sessions and media-stream
 * tokens. Each use signs with its own key, HMAC-SHA256(JWT_SECRET, label) with a distinct label, so a token minted
 * for one use does not verify for the other even where its claims would pass, and the secret itself signs nothing.
 */
export type TokenUse = "dashboard" | "media-stream";

const LABELS: Record<TokenUse, string> = {
  dashboard: "aybiza/dashboard-token/v1",
  "media-stream": "aybiza/media-stream-token/v1",
};

const encoder = new TextEncoder();

export async function tokenKey(secret: string, use: TokenUse): Promise<Uint8Array> {
  const master = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", master, encoder.encode(LABELS[use])));
}
