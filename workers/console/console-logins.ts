import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { consoleLogins } from "../../shared/db/console-schema.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { SecretBox } from "../../shared/crypto/secret-box.ts";
import { matchTotp } from "../../shared/console/totp.ts";
import { randomToken } from "./random-token.ts";

export type ConsoleLogin = typeof consoleLogins.$inferSelect;

/** The TOTP secret is sealed to its user, so a secret copied into another login's row does not open. */
const totpContext = (userId: string) => `console-totp:${userId}`;

export const loginByEmail = (env: Env, email: string) => database(env.DB).select().from(consoleLogins).where(eq(consoleLogins.email, email)).get();
export const loginByUser = (env: Env, userId: string) => database(env.DB).select().from(consoleLogins).where(eq(consoleLogins.userId, userId)).get();

export const sealTotpSecret = (env: Env, userId: string, secret: string) => new SecretBox(env.ENCRYPTION_KEY).seal(secret, totpContext(userId));

export async function openTotpSecret(env: Env, login: ConsoleLogin): Promise<string | null> {
  return login.totpSecret ? new SecretBox(env.ENCRYPTION_KEY).open(login.totpSecret, totpContext(login.userId)) : null;
}

/** Ten one-use codes, shown once; only their hashes are kept. */
export async function newRecoveryCodes(): Promise<{ codes: string[]; hashes: string[] }> {
  const codes = Array.from({ length: 10 }, () => {
    const raw = randomToken().replace(/[-_]/g, "").slice(0, 10).toLowerCase();
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
  return { codes, hashes: await Promise.all(codes.map((code) => sha256Hex(code))) };
}

/**
 * Checks a second factor: a current TOTP code (recording its step, so it cannot be used twice) or an unused
 * recovery code (crossed off). Each update is conditional on the row as read, so two concurrent uses of one code
 * cannot both pass.
 */
export async function useSecondFactor(env: Env, login: ConsoleLogin, code: string): Promise<boolean> {
  const db = database(env.DB);
  const trimmed = code.trim().toLowerCase();
  if (/^[a-z0-9]{5}-[a-z0-9]{5}$/.test(trimmed)) {
    const hash = await sha256Hex(trimmed);
    if (!login.recoveryCodes.includes(hash)) return false;
    const remaining = login.recoveryCodes.filter((h) => h !== hash);
    const done = await db.update(consoleLogins).set({ recoveryCodes: remaining }).where(eq(consoleLogins.recoveryCodes, login.recoveryCodes)).returning({ id: consoleLogins.userId });
    return done.length > 0;
  }
  const secret = await openTotpSecret(env, login);
  if (!secret || !login.totpEnabledAt) return false;
  const step = await matchTotp(secret, trimmed, Date.now(), login.totpLastStep);
  if (step === null) return false;
  await db.update(consoleLogins).set({ totpLastStep: step }).where(eq(consoleLogins.userId, login.userId)).run();
  return true;
}
