import { keyRingEntries } from "../crypto/secret-box.ts";
import { toHex } from "../crypto/sha256.ts";

const encoder = new TextEncoder();
const PSEUDONYM_HEX_CHARS = 32;

/**
 * How the audit log names a caller's or callee's phone number: `ph:<key id>:<HMAC-SHA256, 128 bits, hex>`, keyed
 * per account with a key derived (HKDF) from the current `ENCRYPTION_KEY` and the account id. The same number
 * gets the same pseudonym in one account (entries about one person stay linkable), a different one in every other
 * account, and nobody without the key can recover the number. So the chain never holds the number itself, and
 * erasing a person later deletes their records elsewhere without touching (and breaking) the chain. The key id
 * is part of the pseudonym: after a key rotation, older entries are still matched by computing with the old key.
 * The tenant's own numbers (bought or imported) are business identifiers, not personal data: they stay clear.
 */
export async function phonePseudonym(keyRing: string, accountId: string, phone: string, keyId?: string): Promise<string> {
  const entries = keyRingEntries(keyRing);
  const key = keyId ? entries.find((e) => e.keyId === keyId) : entries[0];
  if (!key) throw new Error(`ENCRYPTION_KEY has no key "${keyId}"`);
  const base = await crypto.subtle.importKey("raw", key.raw, "HKDF", false, ["deriveKey"]);
  const hmacKey = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode(accountId), info: encoder.encode("audit-phone-pseudonym") },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", hmacKey, encoder.encode(phone));
  return `ph:${key.keyId}:${toHex(mac).slice(0, PSEUDONYM_HEX_CHARS)}`;
}
