import { keyRingEntries } from "../../../shared/crypto/secret-box.ts";
import { toHex } from "../../../shared/crypto/sha256.ts";
import { timingSafeEqual } from "../../../shared/crypto/timing-safe-equal.ts";

export const CODE_TTL_MS = 10 * 60_000;
/** Wrong codes typed before the code is spent; a new code starts again. */
export const MAX_CODE_ATTEMPTS = 5;
/** Verification texts an account may send per hour (across all its numbers): texting costs money and annoys. */
export const TEXTS_PER_HOUR = 5;

const encoder = new TextEncoder();

/** Six uniformly random digits (rejection sampling: no modulo bias). */
export function newCode(): string {
  const word = new Uint32Array(1);
  const limit = 4_294_000_000; // the largest multiple of 10^6 below 2^32
  do crypto.getRandomValues(word);
  while (word[0]! >= limit);
  return String(word[0]! % 1_000_000).padStart(6, "0");
}

/**
 * `<key id>:<HMAC-SHA256 hex>` of the code, keyed per account and number (HKDF from `ENCRYPTION_KEY`): a copy of the
 * table does not let anyone try the million codes offline, and a code for one number never checks for another.
 */
export async function hashCode(keyRing: string, accountId: string, phone: string, code: string, keyId?: string): Promise<string> {
  const entries = keyRingEntries(keyRing);
  const key = keyId ? entries.find((e) => e.keyId === keyId) : entries[0];
  if (!key) throw new Error(`ENCRYPTION_KEY has no key "${keyId}"`);
  const base = await crypto.subtle.importKey("raw", key.raw, "HKDF", false, ["deriveKey"]);
  const hmacKey = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode(accountId), info: encoder.encode("verified-number-code") },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  return `${key.keyId}:${toHex(await crypto.subtle.sign("HMAC", hmacKey, encoder.encode(`${phone}:${code}`)))}`;
}

/** Whether `code` is the one `stored` was made from (with the key it was made with, across a rotation). */
export async function codeMatches(keyRing: string, accountId: string, phone: string, code: string, stored: string): Promise<boolean> {
  const keyId = stored.slice(0, stored.lastIndexOf(":"));
  if (!keyRingEntries(keyRing).some((e) => e.keyId === keyId)) return false;
  return timingSafeEqual(await hashCode(keyRing, accountId, phone, code, keyId), stored);
}
