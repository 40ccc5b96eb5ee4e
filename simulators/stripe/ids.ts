import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A Stripe-looking id: the object's prefix and 24 base-62 characters (`cus_…`, `pi_…`, `cs_test_…`). */
export function newId(prefix: string): string {
  const bytes = randomBytes(24);
  let tail = "";
  for (const b of bytes) tail += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${tail}`;
}

/** Unix seconds, the unit of every Stripe timestamp. */
export const unixNow = (): number => Math.floor(Date.now() / 1000);
