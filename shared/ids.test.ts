import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database, nowIso } from "./db/client.ts";
import { isUniqueViolation } from "./db/errors.ts";
import { accounts } from "./db/schema.ts";
import {
  API_KEY_PREFIX_LENGTH,
  ID_PATTERNS,
  newAccountId,
  newAgentId,
  newApiKeyId,
  newApiKeySecret,
  newCallId,
  newCampaignId,
  newConsentId,
  newDocumentId,
  newPhoneNumberId,
  newUserId,
  randomString,
  withFreshId,
} from "./ids.ts";

// Written out by hand from the issue, not built from ID_ALPHABET: digits 2–9 and A–Z without I, L, O, U.
const C = "[2-9A-HJKMNP-TV-Z]";
const FORMATS: [string, () => string, RegExp][] = [
  ["account id", newAccountId, new RegExp(`^AYB-${C}{4}-${C}{4}-${C}{4}$`)],
  ["user id", newUserId, new RegExp(`^USR-${C}{10}$`)],
  ["api key id", newApiKeyId, new RegExp(`^KEY-${C}{10}$`)],
  ["agent id", newAgentId, new RegExp(`^AGT-${C}{10}$`)],
  ["phone number id", newPhoneNumberId, new RegExp(`^PN-${C}{10}$`)],
  ["call id", newCallId, new RegExp(`^CAL-${C}{14}$`)],
  ["consent id", newConsentId, new RegExp(`^CNS-${C}{10}$`)],
  ["campaign id", newCampaignId, new RegExp(`^CMP-${C}{10}$`)],
  ["verification document id", newDocumentId, new RegExp(`^DOC-${C}{14}$`)],
  ["api key secret", newApiKeySecret, /^ayb_live_[0-9A-Za-z]{32}$/],
];
const DRAWS = 2_000;
const LOOK_ALIKES = /[01ILOU]/;

describe("ids", () => {
  it.each(FORMATS)("every %s has the documented format, with no look-alike characters", (_, generate, format) => {
    const seen = new Set<string>();
    for (let i = 0; i < DRAWS; i++) {
      const id = generate();
      expect(id).toMatch(format);
      if (!id.startsWith("ayb_live_")) expect(id.replace(/^[A-Z]+-/, "")).not.toMatch(LOOK_ALIKES);
      seen.add(id);
    }
    expect(seen.size).toBe(DRAWS);
  });

  it("an EU account's call id carries its region (shared/residency/) and passes the call id pattern", () => {
    const id = newCallId("eu");
    expect(id).toMatch(new RegExp(`^CAL-EU-${C}{14}$`));
    expect(ID_PATTERNS.call.test(id)).toBe(true);
    expect(ID_PATTERNS.call.test("CAL-US-AAAAAAAAAAAAAA")).toBe(false);
  });

  it("the shared validation patterns accept exactly the documented formats", () => {
    const patterns = Object.values(ID_PATTERNS);
    expect(patterns).toHaveLength(FORMATS.length - 1);
    for (const [name, generate] of FORMATS.slice(0, -1)) expect(patterns.filter((p) => p.test(generate())), name).toHaveLength(1);
    for (const bad of ["AYB-0000-AAAA-AAAA", "AYB-AAAA-AAAA-AAAO", "USR-AAAAAAAAAI", "USR-AAAAAAAAAL", "AGT-AAAAAAAAAU", "CAL-AAAAAAAAAAAA1", "usr-aaaaaaaaaa"]) {
      expect(patterns.some((p) => p.test(bad)), bad).toBe(false);
    }
  });

  it("draws every character of the unambiguous alphabet, and only those", () => {
    const counts = new Map<string, number>();
    for (const ch of randomString(30_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect([...counts.keys()].sort().join("")).toBe("23456789ABCDEFGHJKMNPQRSTVWXYZ");
    // Rejection sampling keeps it uniform: each of 30 characters near 1,000 (a modulo bias would skew some by ~10%).
    for (const n of counts.values()) expect(n).toBeGreaterThan(850), expect(n).toBeLessThan(1150);
  });

  it("shows a key prefix of `ayb_live_` and four characters", () => {
    expect(newApiKeySecret().slice(0, API_KEY_PREFIX_LENGTH)).toMatch(/^ayb_live_[0-9A-Za-z]{4}$/);
  });

  describe("withFreshId", () => {
    const insertAccount = (id: string) =>
      database(env.DB).insert(accounts).values({ id, name: "collision test", createdAt: nowIso() }).returning().get();

    it("retries with a new id when the first collides with a stored row", async () => {
      const taken = await insertAccount(newAccountId());
      const fresh = newAccountId();
      const drawn = [taken.id, fresh];
      let calls = 0;
      const row = await withFreshId(() => drawn[calls++]!, insertAccount);
      expect(calls).toBe(2);
      expect(row.id).toBe(fresh);
      const stored = await database(env.DB).select().from(accounts).where(eq(accounts.id, taken.id)).all();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.name).toBe("collision test");
    });

    it("gives up after the attempt limit with the database's error, and rethrows other errors at once", async () => {
      const taken = await insertAccount(newAccountId());
      let calls = 0;
      const collided = await withFreshId(() => (calls++, taken.id), insertAccount, 3).catch((e: unknown) => e);
      expect(isUniqueViolation(collided)).toBe(true);
      expect(calls).toBe(3);

      calls = 0;
      const notNull = (id: string) => database(env.DB).insert(accounts).values({ id, name: null as unknown as string, createdAt: nowIso() }).run();
      const failed = await withFreshId(() => (calls++, newAccountId()), notNull).catch((e: unknown) => e);
      expect(String((failed as Error).cause)).toMatch(/NOT NULL constraint failed: accounts.name/);
      expect(calls).toBe(1);
    });
  });
});
