import { isUniqueViolation } from "./db/errors.ts";

/**
 * Public identifiers. Random parts use an alphabet without look-alikes (no 0/O, 1/I/L, U) so ids survive
 * being read over the phone or copied by hand. Uniqueness is enforced by the database; callers retry on a
 * collision (see `withFreshId`).
 */
export const ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

const KEY_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Uniform random string over `alphabet` (rejection sampling, so no modulo bias). */
export function randomString(length: number, alphabet: string = ID_ALPHABET): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b < limit && out.length < length) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

const groups = (s: string) => s.match(/.{4}/g)!.join("-");

export const newAccountId = () => `AYB-${groups(randomString(12))}`;
export const newUserId = () => `USR-${randomString(10)}`;
export const newApiKeyId = () => `KEY-${randomString(10)}`;
export const newAgentId = () => `AGT-${randomString(10)}`;
export const newPhoneNumberId = () => `PN-${randomString(10)}`;
/** An EU account's call ids carry their region (shared/residency/), so a call id alone finds its object and records. */
export const EU_CALL_ID_PREFIX = "CAL-EU-";
export const newCallId = (region: "us" | "eu" = "us") => `${region === "eu" ? EU_CALL_ID_PREFIX : "CAL-"}${randomString(14)}`;
export const newConsentId = () => `CNS-${randomString(10)}`;
export const newCampaignId = () => `CMP-${randomString(10)}`;
export const newDocumentId = () => `DOC-${randomString(14)}`;

/** A secret API key: shown once, stored only as a hash. ~190 bits of entropy. */
export const newApiKeySecret = () => `ayb_live_${randomString(32, KEY_ALPHABET)}`;
export const API_KEY_PREFIX_LENGTH = 13;

const ALPHA = `[${ID_ALPHABET}]`;
export const ID_PATTERNS = {
  account: new RegExp(`^AYB-${ALPHA}{4}-${ALPHA}{4}-${ALPHA}{4}$`),
  user: new RegExp(`^USR-${ALPHA}{10}$`),
  apiKey: new RegExp(`^KEY-${ALPHA}{10}$`),
  agent: new RegExp(`^AGT-${ALPHA}{10}$`),
  phoneNumber: new RegExp(`^PN-${ALPHA}{10}$`),
  call: new RegExp(`^CAL-(?:EU-)?${ALPHA}{14}$`),
  consent: new RegExp(`^CNS-${ALPHA}{10}$`),
  campaign: new RegExp(`^CMP-${ALPHA}{10}$`),
  document: new RegExp(`^DOC-${ALPHA}{14}$`),
} as const;

/** Runs `insert` with fresh ids until one does not collide (a collision is astronomically rare, never silent). */
export async function withFreshId<T>(generate: () => string, insert: (id: string) => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await insert(generate());
    } catch (err) {
      if (i >= attempts || !isUniqueViolation(err)) throw err;
    }
  }
}
