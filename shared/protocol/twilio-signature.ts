/**
 * `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the account's auth token, over the exact URL followed by every
 * form parameter as `name + value`, names sorted (plain code-unit order, case-sensitive). A repeated name contributes
 * its distinct values in sorted order, which is what twilio-node's `validateRequest` computes.
 * WebCrypto only: the Worker (workerd) and the Node simulators share this file.
 */
import { timingSafeEqual } from "../crypto/timing-safe-equal.ts";

// The Twilio simulator's REST router checks Basic auth with it under this name.
export { timingSafeEqual as constantTimeEqual };
export type TwilioSignatureParams = Record<string, string | readonly string[]> | URLSearchParams | null | undefined;

const encoder = new TextEncoder();

/** Parameters as name → values, in the order the signature needs. */
function sortedPairs(params: TwilioSignatureParams): [string, string[]][] {
  const byName = new Map<string, string[]>();
  if (params instanceof URLSearchParams) {
    for (const [name, value] of params) byName.set(name, [...(byName.get(name) ?? []), value]);
  } else if (params) {
    for (const [name, value] of Object.entries(params)) byName.set(name, typeof value === "string" ? [value] : [...value]);
  }
  const names = [...byName.keys()].sort();
  return names.map((name) => [name, [...new Set(byName.get(name))].sort()]);
}

/** The exact string that gets signed. Exported for diagnostics in tests. */
export function twilioSignaturePayload(url: string, params: TwilioSignatureParams): string {
  let data = url;
  for (const [name, values] of sortedPairs(params)) for (const value of values) data += name + value;
  return data;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export async function computeTwilioSignature(authToken: string, url: string, params: TwilioSignatureParams): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(twilioSignaturePayload(url, params)));
  return toBase64(new Uint8Array(mac));
}

/**
 * The URL as given, plus the variants twilio-node's `validateRequest` also accepts: without its port, and, when it has
 * none, with the scheme's default port (`:443` for https/wss, `:80` otherwise). Proxies in front of a Worker add or
 * drop ports; Twilio itself drops the port before signing over HTTPS.
 */
function urlVariants(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!match) return [url];
  const [, scheme = "", authority = "", rest = ""] = match;
  const at = authority.lastIndexOf("@");
  const userInfo = authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  const portAt = hostPort.indexOf(":", hostPort.lastIndexOf("]") + 1);
  const host = portAt === -1 ? hostPort : hostPort.slice(0, portAt);
  const secure = /^(https|wss):/i.test(scheme);
  const withoutPort = scheme + userInfo + host + rest;
  const withPort = portAt === -1 ? scheme + userInfo + host + (secure ? ":443" : ":80") + rest : url;
  return [...new Set([url, withoutPort, withPort])];
}

export async function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: TwilioSignatureParams,
  signature: string | null | undefined,
): Promise<boolean> {
  if (!signature) return false;
  let ok = false;
  // Every variant is computed and compared, so the time taken does not depend on which one matched.
  for (const candidate of urlVariants(url)) {
    const expected = await computeTwilioSignature(authToken, candidate, params);
    ok = timingSafeEqual(expected, signature) || ok;
  }
  return ok;
}
