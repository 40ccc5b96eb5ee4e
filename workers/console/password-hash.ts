import { base64ToBytes, bytesToBase64 } from "../../shared/crypto/base64.ts";
import { timingSafeEqual } from "../../shared/crypto/timing-safe-equal.ts";

/**
 * PBKDF2-SHA256 through WebCrypto. Workers refuse more than 100,000 iterations (a CPU-time guard of the runtime), so
 * that is the count: about 60 ms of CPU per sign-in. The count is stored with each hash so it can be raised later.
 */
export const PBKDF2_ITERATIONS = 100_000;
const HASH_BITS = 256;

export interface PasswordHash {
  hash: string;
  salt: string;
  iterations: number;
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password.normalize("NFKC")), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS));
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { hash: bytesToBase64(await derive(password, salt, PBKDF2_ITERATIONS)), salt: bytesToBase64(salt), iterations: PBKDF2_ITERATIONS };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const derived = await derive(password, base64ToBytes(stored.salt), stored.iterations);
  return timingSafeEqual(derived, base64ToBytes(stored.hash));
}

/** Spent when the email is unknown, so a sign-in takes as long whether or not the account exists. */
export const DUMMY_HASH: PasswordHash = { hash: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", salt: "AAAAAAAAAAAAAAAAAAAAAA==", iterations: PBKDF2_ITERATIONS };
