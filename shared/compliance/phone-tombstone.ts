import { and, eq, inArray } from "drizzle-orm";
import { phonePseudonym } from "../audit/phone-pseudonym.ts";
import { keyRingEntries } from "../crypto/secret-box.ts";
import type { Database } from "../db/client.ts";
import { privacyTombstones } from "../db/privacy-schema.ts";

/**
 * The salted hash an erased number leaves behind: the audit log's per-account pseudonym, so the chain's entries
 * about the person and their tombstone name them the same way. Looked up under every key of the ring, so a
 * tombstone written before a key rotation still holds.
 */
export async function phoneHashes(keyRing: string, accountId: string, phone: string): Promise<string[]> {
  return Promise.all(keyRingEntries(keyRing).map((k) => phonePseudonym(keyRing, accountId, phone, k.keyId)));
}

export type TombstoneRow = typeof privacyTombstones.$inferSelect;

export async function findTombstone(db: Database, keyRing: string, accountId: string, phone: string): Promise<TombstoneRow | undefined> {
  const hashes = await phoneHashes(keyRing, accountId, phone);
  return db
    .select()
    .from(privacyTombstones)
    .where(and(eq(privacyTombstones.accountId, accountId), inArray(privacyTombstones.phoneHash, hashes)))
    .get();
}

/**
 * An erased person's refusal that still holds for an outbound call: do-not-call always; a consent type they had
 * refused until they opt in again after the erasure (`consentCapturedAt`: the record in force now, if any).
 */
export async function erasedRefusal(
  db: Database,
  keyRing: string,
  accountId: string,
  phone: string,
  consentType: string,
  consentCapturedAt: string | null,
): Promise<"do_not_call" | "opted_out" | null> {
  const tombstone = await findTombstone(db, keyRing, accountId, phone);
  if (!tombstone) return null;
  if (tombstone.doNotCall) return "do_not_call";
  const consentedSince = consentCapturedAt !== null && consentCapturedAt > tombstone.erasedAt;
  return tombstone.refusedConsentTypes.includes(consentType) && !consentedSince ? "opted_out" : null;
}
