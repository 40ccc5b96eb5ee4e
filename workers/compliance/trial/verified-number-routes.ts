import { z } from "@hono/zod-openapi";
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { database, type Database } from "../../../shared/db/client.ts";
import { verificationTexts, verifiedNumbers } from "../../../shared/db/verified-numbers-schema.ts";
import { zE164 } from "../../../shared/phone/e164.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../../api/pagination.ts";
import { ApiError, notFound } from "../../api/problem.ts";
import { jsonBody, jsonResponse, resourceApp, securedRoute } from "../../api/route.ts";
import { CODE_TTL_MS, codeMatches, hashCode, MAX_CODE_ATTEMPTS, TEXTS_PER_HOUR } from "./verification-code.ts";
import { textVerificationCode } from "./verification-text.ts";

const VerifiedNumber = z
  .object({
    phone: z.string().openapi({ example: "+14155550100" }),
    status: z.enum(["pending", "verified"]),
    code_expires_at: z.string().nullable().openapi({ description: "When the texted code stops working (pending only)." }),
    attempts_left: z.number().int().openapi({ description: "Wrong codes the pending code still allows." }),
    created_at: z.string(),
    verified_at: z.string().nullable(),
  })
  .openapi("VerifiedNumber");

const VerifyNumber = z.object({ phone: zE164 }).strict().openapi("VerifyNumber");
const CheckCode = z
  .object({ code: z.string().regex(/^\d{6}$/, "the 6 digits texted to the number").openapi({ example: "123456" }) })
  .strict()
  .openapi("CheckVerificationCode");

const PhoneParam = z.object({
  phone: zE164.openapi({ param: { name: "phone", in: "path" }, description: "E.164, URL-encoded (`%2B14155550100`).", example: "+14155550100" }),
});

type Row = typeof verifiedNumbers.$inferSelect;
const view = (r: Row): z.infer<typeof VerifiedNumber> => ({
  phone: r.phone,
  status: r.status,
  code_expires_at: r.status === "pending" ? r.codeExpiresAt : null,
  attempts_left: r.status === "pending" ? Math.max(0, MAX_CODE_ATTEMPTS - r.attempts) : 0,
  created_at: r.createdAt,
  verified_at: r.verifiedAt,
});

const rowWhere = (accountId: string, phone: string) => and(eq(verifiedNumbers.accountId, accountId), eq(verifiedNumbers.phone, phone));

async function ownRow(db: Database, accountId: string, phone: string): Promise<Row> {
  const row = await db.select().from(verifiedNumbers).where(rowWhere(accountId, phone)).get();
  if (!row) throw notFound("verified number");
  return row;
}

export const verifiedNumbersApi = resourceApp();

verifiedNumbersApi.openapi(
  securedRoute("consent:write", {
    method: "post",
    path: "/verified-numbers",
    tags: ["Verified numbers"],
    summary: "Text a 6-digit code to a number, to verify it as a callee (what an account on trial may call)",
    description: `Sends the code from the account's number through its Twilio; it expires after ${CODE_TTL_MS / 60_000} minutes and allows ${MAX_CODE_ATTEMPTS} wrong tries, and a new request replaces it. At most ${TEXTS_PER_HOUR} codes an hour per account (429 \`rate-limited\` with Retry-After). A number already verified is answered 200 and texted nothing. 409 \`conflict\` when the account has no number or no Twilio credentials; Twilio's refusals come back as \`provider-error\` with \`twilio_code\`.`,
    request: jsonBody(VerifyNumber),
    responses: {
      202: jsonResponse(VerifiedNumber, "The code was texted; confirm it with `POST /v1/verified-numbers/{phone}/check`."),
      200: jsonResponse(VerifiedNumber, "Already verified; nothing was sent."),
    },
  }),
  async (c) => {
    const { phone } = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const existing = await db.select().from(verifiedNumbers).where(rowWhere(accountId, phone)).get();
    if (existing?.status === "verified") {
      await c.var.audit.commit([], { resource: await c.var.audit.phone(phone), detail: { already_verified: true } });
      return c.json(view(existing), 200);
    }
    const { code, nowMs, text } = await textVerificationCode(c.env, db, accountId, phone);
    const now = new Date(nowMs).toISOString();
    const pending = { status: "pending" as const, codeHash: await hashCode(c.env.ENCRYPTION_KEY, accountId, phone, code), codeExpiresAt: new Date(nowMs + CODE_TTL_MS).toISOString(), attempts: 0 };
    const [, [row]] = await c.var.audit.commit(
      [
        db.insert(verificationTexts).values(text),
        db.insert(verifiedNumbers).values({ accountId, phone, createdAt: now, ...pending }).onConflictDoUpdate({ target: [verifiedNumbers.accountId, verifiedNumbers.phone], set: pending }).returning(),
      ],
      { resource: await c.var.audit.phone(phone), detail: { message_sid: text.messageSid } },
    );
    return c.json(view(row!), 202);
  },
);

verifiedNumbersApi.openapi(
  securedRoute("consent:write", {
    method: "post",
    path: "/verified-numbers/{phone}/check",
    tags: ["Verified numbers"],
    summary: "Confirm the texted code: the number becomes verified",
    description: `A wrong code is a 422 \`validation-error\` with \`attempts_left\`; after ${MAX_CODE_ATTEMPTS} wrong codes, or once the code expired, it is spent (429 \`rate-limited\`, 409 \`conflict\`): request a new one. Checking a verified number again answers 200.`,
    request: { params: PhoneParam, ...jsonBody(CheckCode) },
    responses: { 200: jsonResponse(VerifiedNumber, "The number is verified.") },
  }),
  async (c) => {
    const { phone } = c.req.valid("param");
    const { code } = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const now = new Date().toISOString();
    // Each check spends an attempt first, atomically: concurrent guesses cannot share the last one.
    const [spent] = await db
      .update(verifiedNumbers)
      .set({ attempts: sql`${verifiedNumbers.attempts} + 1` })
      .where(and(rowWhere(accountId, phone), eq(verifiedNumbers.status, "pending"), lt(verifiedNumbers.attempts, MAX_CODE_ATTEMPTS), gt(verifiedNumbers.codeExpiresAt, now)))
      .returning();
    if (!spent) {
      const row = await ownRow(db, accountId, phone);
      if (row.status === "verified") {
        await c.var.audit.commit([], { resource: await c.var.audit.phone(phone), detail: { already_verified: true } });
        return c.json(view(row), 200);
      }
      if (row.attempts >= MAX_CODE_ATTEMPTS) throw new ApiError("rate-limited", `${MAX_CODE_ATTEMPTS} wrong codes were typed; request a new code with POST /v1/verified-numbers`);
      throw new ApiError("conflict", "the code has expired; request a new one with POST /v1/verified-numbers");
    }
    if (!(await codeMatches(c.env.ENCRYPTION_KEY, accountId, phone, code, spent.codeHash!))) {
      const left = MAX_CODE_ATTEMPTS - spent.attempts;
      throw new ApiError("validation-error", left > 0 ? `the code is not the one texted to ${phone}; ${left} attempts left` : "the code is not the one texted; no attempts are left, request a new code", {
        errors: [{ path: "code", message: "wrong code" }],
        attempts_left: left,
      });
    }
    // A concurrent right guess may have verified it first: the row is verified either way.
    const [[row]] = await c.var.audit.commit(
      [db.update(verifiedNumbers).set({ status: "verified", codeHash: null, codeExpiresAt: null, verifiedAt: sql`coalesce(${verifiedNumbers.verifiedAt}, ${now})` }).where(rowWhere(accountId, phone)).returning()],
      { resource: await c.var.audit.phone(phone) },
    );
    if (!row) throw notFound("verified number");
    return c.json(view(row), 200);
  },
);

verifiedNumbersApi.openapi(
  securedRoute("consent:read", {
    method: "get",
    path: "/verified-numbers",
    tags: ["Verified numbers"],
    summary: "List the account's verified and pending callee numbers, newest first",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(VerifiedNumber, "VerifiedNumberPage"), "A page of numbers.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(verifiedNumbers)
      .where(and(eq(verifiedNumbers.accountId, c.get("principal").accountId), afterCursor(cursor, verifiedNumbers.createdAt, verifiedNumbers.phone)))
      .orderBy(...pageOrder(verifiedNumbers.createdAt, verifiedNumbers.phone))
      .limit(limit + 1)
      .all();
    // The phone is the row's key within the account, so it is the cursor's tie-breaker.
    return c.json(toPage(rows.map((r) => ({ ...r, id: r.phone })), limit, view), 200);
  },
);

verifiedNumbersApi.openapi(
  securedRoute("consent:write", {
    method: "delete",
    path: "/verified-numbers/{phone}",
    tags: ["Verified numbers"],
    summary: "Forget a verified (or pending) number: an account on trial can no longer call it",
    request: { params: PhoneParam },
    responses: { 204: { description: "Removed." } },
  }),
  async (c) => {
    const { phone } = c.req.valid("param");
    const db = database(c.env.DB);
    const [[removed]] = await c.var.audit.commit([db.delete(verifiedNumbers).where(rowWhere(c.get("principal").accountId, phone)).returning()], {
      resource: await c.var.audit.phone(phone),
      ifChanged: true,
    });
    if (!removed) throw notFound("verified number");
    return c.body(null, 204);
  },
);
