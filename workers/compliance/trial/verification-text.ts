import { and, count, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../../../shared/db/client.ts";
import { verificationTexts } from "../../../shared/db/verified-numbers-schema.ts";
import { sendSms } from "../../../shared/twilio/send-sms.ts";
import { TwilioApiError } from "../../../shared/twilio/twilio-client.ts";
import { ApiError } from "../../api/problem.ts";
import { CODE_TTL_MS, newCode, TEXTS_PER_HOUR } from "./verification-code.ts";

/** A code just texted. `text` is its `verification_texts` row (what the hourly limit counts), committed with the pending code. */
export interface TextedCode {
  code: string;
  nowMs: number;
  text: typeof verificationTexts.$inferInsert;
}

/** 429 once the account sent `TEXTS_PER_HOUR` codes in the last hour; Retry-After is when its oldest leaves the window. */
async function refuseOverTextLimit(db: Database, accountId: string, nowMs: number): Promise<void> {
  const since = new Date(nowMs - 3_600_000).toISOString();
  const window = await db
    .select({ n: count(), oldest: sql<string>`min(${verificationTexts.sentAt})` })
    .from(verificationTexts)
    .where(and(eq(verificationTexts.accountId, accountId), gt(verificationTexts.sentAt, since)))
    .get();
  if ((window?.n ?? 0) < TEXTS_PER_HOUR) return;
  const retryAfterS = Math.max(1, Math.ceil((Date.parse(window!.oldest) + 3_600_000 - nowMs) / 1000));
  throw new ApiError("rate-limited", `the account sent ${TEXTS_PER_HOUR} verification codes in the last hour; try again in ${Math.ceil(retryAfterS / 60)} minutes`, { headers: { "retry-after": String(retryAfterS) } });
}

/**
 * Texts a fresh 6-digit code to `phone` from the account's number, within the account's hourly limit. Twilio's
 * refusals become `provider-error` with `twilio_code`; no number or no credentials a 409 `conflict`.
 */
export async function textVerificationCode(env: Env, db: Database, accountId: string, phone: string): Promise<TextedCode> {
  const nowMs = Date.now();
  await refuseOverTextLimit(db, accountId, nowMs);
  const code = newCode();
  let sent;
  try {
    sent = await sendSms(env, accountId, { to: phone, body: `Your verification code is ${code}. It expires in ${CODE_TTL_MS / 60_000} minutes.` });
  } catch (err) {
    if (!(err instanceof TwilioApiError)) throw err;
    throw new ApiError("provider-error", `Twilio refused the text: ${err.message}`, { status: err.status >= 500 ? 502 : 422, twilio_code: err.code, more_info: err.moreInfo });
  }
  if (sent.kind === "rejected") throw new ApiError("conflict", sent.detail);
  return { code, nowMs, text: { messageSid: sent.sid, accountId, sentAt: new Date(nowMs).toISOString() } };
}
