import { z } from "@hono/zod-openapi";
import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Context } from "hono";
import { database, type Database } from "../../shared/db/client.ts";
import { consentRecords, users } from "../../shared/db/schema.ts";
import { userPhones } from "../../shared/db/user-phones-schema.ts";
import { verificationTexts, verifiedNumbers } from "../../shared/db/verified-numbers-schema.ts";
import { ID_PATTERNS, newConsentId } from "../../shared/ids.ts";
import { zE164 } from "../../shared/phone/e164.ts";
import type { AppEnv } from "../api/app-env.ts";
import { ApiError, notFound } from "../api/problem.ts";
import { IdParam, jsonBody, jsonResponse, resourceApp, securedRoute } from "../api/route.ts";
import { principalUserId } from "../auth/principal.ts";
import { CODE_TTL_MS, codeMatches, hashCode, MAX_CODE_ATTEMPTS } from "../compliance/trial/verification-code.ts";
import { textVerificationCode } from "../compliance/trial/verification-text.ts";

/**
 * A user's own phone number, for "Call me" (`POST /v1/calls` with `consent_type: self_test`). Verified like the
 * trial's callee numbers, by a texted code; the code is hashed per user (not only per account), so a code texted
 * for the account's callee list never verifies a user's own number.
 */
const UserPhone = z
  .object({
    phone: z.string().openapi({ example: "+442071838750" }),
    status: z.enum(userPhones.status.enumValues),
    code_expires_at: z.string().nullable().openapi({ description: "When the texted code stops working (pending only)." }),
    attempts_left: z.number().int().openapi({ description: "Wrong codes the pending code still allows." }),
    verified_at: z.string().nullable(),
  })
  .openapi("UserPhone");

const SetPhone = z.object({ phone: zE164 }).strict().openapi("SetUserPhone");
const CheckCode = z
  .object({ code: z.string().regex(/^\d{6}$/, "the 6 digits texted to the number").openapi({ example: "123456" }) })
  .strict()
  .openapi("CheckUserPhoneCode");

type Row = typeof userPhones.$inferSelect;
const view = (r: Row): z.infer<typeof UserPhone> => ({
  phone: r.phone,
  status: r.status,
  code_expires_at: r.status === "pending" ? r.codeExpiresAt : null,
  attempts_left: r.status === "pending" ? Math.max(0, MAX_CODE_ATTEMPTS - r.attempts) : 0,
  verified_at: r.verifiedAt,
});

const userParam = IdParam(ID_PATTERNS.user, "USR-7KQ2M9XD4H");
const codeScope = (accountId: string, userId: string) => `${accountId}/${userId}`;

/**
 * The user a request may manage the number of: the signed-in user themself, or anyone who manages users (an owner,
 * or their API key). The texted code still has to be typed back, so whoever sets it holds the phone.
 */
async function managedUser(c: Context<AppEnv>, id: string): Promise<{ id: string; accountId: string }> {
  const principal = c.get("principal");
  // Another user's number is not found rather than forbidden: whose numbers exist is not a colleague's business.
  if (principalUserId(principal) !== id && !principal.scopes.has("users:write")) {
    throw new ApiError("not-found", "no user whose phone number you may manage has this id: your own, or anyone's with the `users:write` scope");
  }
  const user = await database(c.env.DB)
    .select({ id: users.id, accountId: users.accountId })
    .from(users)
    .where(and(eq(users.id, id), eq(users.accountId, principal.accountId)))
    .get();
  if (!user) throw notFound("user");
  return user;
}

const ownRow = (db: Database, userId: string) => db.select().from(userPhones).where(eq(userPhones.userId, userId)).get();

export const userPhonesApi = resourceApp();

userPhonesApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/users/{id}/phone",
    tags: ["Users"],
    summary: "A user's own phone number (what a `self_test` call dials), verified or pending",
    request: { params: userParam },
    responses: { 200: jsonResponse(UserPhone, "The number.") },
  }),
  async (c) => {
    const user = await managedUser(c, c.req.valid("param").id);
    const row = await ownRow(database(c.env.DB), user.id);
    if (!row) throw notFound("phone number of this user");
    return c.json(view(row), 200);
  },
);

userPhonesApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/users/{id}/phone",
    tags: ["Users"],
    summary: "Set a user's own phone number: a 6-digit code is texted to it",
    description: `For "Call me": once verified (\`POST /v1/users/{id}/phone/check\`), the user may call it with \`consent_type: self_test\`. The code expires after ${CODE_TTL_MS / 60_000} minutes and allows ${MAX_CODE_ATTEMPTS} wrong tries; a new request replaces the number and its code. The texts count against the account's hourly limit of verification codes (429 \`rate-limited\` with Retry-After). The number already verified for the user is answered 200 and texted nothing. Only the user themself or a holder of \`users:write\` may set it (anyone else: 404). 409 \`conflict\` when the account has no number or no Twilio credentials; Twilio's refusals come back as \`provider-error\` with \`twilio_code\`.`,
    request: { params: userParam, ...jsonBody(SetPhone) },
    responses: {
      202: jsonResponse(UserPhone, "The code was texted; confirm it with `POST /v1/users/{id}/phone/check`."),
      200: jsonResponse(UserPhone, "Already the user's verified number; nothing was sent."),
    },
  }),
  async (c) => {
    const user = await managedUser(c, c.req.valid("param").id);
    const { phone } = c.req.valid("json");
    const db = database(c.env.DB);
    const existing = await ownRow(db, user.id);
    if (existing?.status === "verified" && existing.phone === phone) {
      await c.var.audit.commit([], { resource: user.id, detail: { already_verified: true } });
      return c.json(view(existing), 200);
    }
    const { code, nowMs, text } = await textVerificationCode(c.env, db, user.accountId, phone);
    const now = new Date(nowMs).toISOString();
    const pending = { phone, status: "pending" as const, codeHash: await hashCode(c.env.ENCRYPTION_KEY, codeScope(user.accountId, user.id), phone, code), codeExpiresAt: new Date(nowMs + CODE_TTL_MS).toISOString(), attempts: 0, verifiedAt: null };
    const [, [row]] = await c.var.audit.commit(
      [
        db.insert(verificationTexts).values(text),
        db.insert(userPhones).values({ userId: user.id, accountId: user.accountId, createdAt: now, ...pending }).onConflictDoUpdate({ target: userPhones.userId, set: pending }).returning(),
      ],
      { resource: user.id, detail: { phone: await c.var.audit.phone(phone), message_sid: text.messageSid } },
    );
    return c.json(view(row!), 202);
  },
);

userPhonesApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/users/{id}/phone/check",
    tags: ["Users"],
    summary: "Confirm the texted code: the number becomes the user's own verified number",
    description: `The number is then also one of the account's verified callee numbers (an account on trial may call it), and a \`self_test\` consent record (source \`user_phone:USR-…\`) is appended for it: the do-not-call list and a later opt-out still win over it. A wrong code is a 422 \`validation-error\` with \`attempts_left\`; after ${MAX_CODE_ATTEMPTS} wrong codes, or once the code expired, it is spent (429 \`rate-limited\`, 409 \`conflict\`): request a new one.`,
    request: { params: userParam, ...jsonBody(CheckCode) },
    responses: { 200: jsonResponse(UserPhone, "The number is verified.") },
  }),
  async (c) => {
    const user = await managedUser(c, c.req.valid("param").id);
    const { code } = c.req.valid("json");
    const db = database(c.env.DB);
    const now = new Date().toISOString();
    // Each check spends an attempt first, atomically: concurrent guesses cannot share the last one.
    const [spent] = await db
      .update(userPhones)
      .set({ attempts: sql`${userPhones.attempts} + 1` })
      .where(and(eq(userPhones.userId, user.id), eq(userPhones.status, "pending"), lt(userPhones.attempts, MAX_CODE_ATTEMPTS), gt(userPhones.codeExpiresAt, now)))
      .returning();
    if (!spent) {
      const row = await ownRow(db, user.id);
      if (!row) throw notFound("phone number of this user");
      if (row.status === "verified") {
        await c.var.audit.commit([], { resource: user.id, detail: { already_verified: true } });
        return c.json(view(row), 200);
      }
      if (row.attempts >= MAX_CODE_ATTEMPTS) throw new ApiError("rate-limited", `${MAX_CODE_ATTEMPTS} wrong codes were typed; request a new code with POST /v1/users/{id}/phone`);
      throw new ApiError("conflict", "the code has expired; request a new one with POST /v1/users/{id}/phone");
    }
    if (!(await codeMatches(c.env.ENCRYPTION_KEY, codeScope(user.accountId, user.id), spent.phone, code, spent.codeHash!))) {
      const left = MAX_CODE_ATTEMPTS - spent.attempts;
      throw new ApiError("validation-error", left > 0 ? `the code is not the one texted to ${spent.phone}; ${left} attempts left` : "the code is not the one texted; no attempts are left, request a new code", {
        errors: [{ path: "code", message: "wrong code" }],
        attempts_left: left,
      });
    }
    const phone = spent.phone;
    const verified = { status: "verified" as const, codeHash: null, codeExpiresAt: null, verifiedAt: now };
    // Conditional on the number checked: a concurrent request may have replaced it with another one meanwhile.
    const [[row]] = await c.var.audit.commit(
      [
        db.update(userPhones).set(verified).where(and(eq(userPhones.userId, user.id), eq(userPhones.phone, phone))).returning(),
        db.insert(verifiedNumbers).values({ accountId: user.accountId, phone, createdAt: now, ...verified }).onConflictDoUpdate({ target: [verifiedNumbers.accountId, verifiedNumbers.phone], set: verified }),
        db.insert(consentRecords).values({ id: newConsentId(), accountId: user.accountId, phone, consentType: "self_test", status: "opted_in", source: `user_phone:${user.id}`, capturedAt: now, expiresAt: null, createdAt: now }),
      ],
      { resource: user.id, detail: { phone: await c.var.audit.phone(phone) } },
    );
    if (!row) throw new ApiError("conflict", "the number was changed while this code was checked; check the new code");
    return c.json(view(row), 200);
  },
);
