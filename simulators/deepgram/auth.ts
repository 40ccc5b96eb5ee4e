import type { IncomingHttpHeaders } from "node:http";
import { timingSafeEqual } from "../../shared/crypto/timing-safe-equal.ts";

/**
 * Deepgram credentials: `Authorization: Token <key>` (API key) or `Bearer <token>` (short-lived grant), or, for
 * browsers, `Sec-WebSocket-Protocol: token, <key>` / `bearer, <token>`. When the subprotocol form is used the
 * server must echo the scheme as the selected subprotocol or the client aborts the handshake.
 */
export interface Credential {
  scheme: "token" | "bearer";
  secret: string;
  /** Set when the credential came from Sec-WebSocket-Protocol. */
  subprotocol?: "token" | "bearer";
}

export function readCredential(headers: IncomingHttpHeaders): Credential | undefined {
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const match = /^(token|bearer)\s+(\S+)$/i.exec(authorization);
    if (!match?.[1] || !match[2]) return undefined;
    return { scheme: match[1].toLowerCase() === "token" ? "token" : "bearer", secret: match[2] };
  }
  const protocols = (headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  const scheme = protocols[0]?.toLowerCase();
  if ((scheme === "token" || scheme === "bearer") && protocols[1]) return { scheme, secret: protocols[1], subprotocol: scheme };
  return undefined;
}

/** Accepts an API key (Token) from `apiKeys`, or any non-empty key when none are configured; Bearer needs a granted token. */
export function isAuthorized(credential: Credential | undefined, apiKeys: readonly string[] | undefined, grantedTokens: ReadonlySet<string>): boolean {
  if (!credential) return false;
  const isApiKey = apiKeys?.some((key) => timingSafeEqual(key, credential.secret)) ?? false;
  if (credential.scheme === "bearer") return grantedTokens.has(credential.secret) || isApiKey;
  return apiKeys === undefined || apiKeys.length === 0 ? credential.secret.length > 0 : isApiKey;
}
