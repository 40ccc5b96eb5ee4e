import type { Context } from "hono";
import type { AppEnv } from "../../api/app-env.ts";
import { accountSidCandidates, authenticateTwilioRequest, forbidden, readTwilioForm } from "../../twilio/webhook-auth.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { TRUST_HUB_STATUSES, type TrustHubStatus } from "../../../shared/pg/schema.ts";
import { registrationByBundle, updateRegistration } from "./registration-store.ts";
import { applyStatus } from "./registration-steps.ts";
import { runRegistration } from "./trust-hub.ts";

const isStatus = (value: string | null): value is TrustHubStatus => TRUST_HUB_STATUSES.includes(value as TrustHubStatus);

/**
 * `POST /twilio/trust-hub/status`: Twilio reports a customer profile's or trust product's new status
 * (`AccountSid`, `BundleSid`, `Status`, `FailureReason`), signed with the tenant's auth token. The status is stored
 * and the registration runs on at once (an approved profile gets its SHAKEN/STIR product). A run that fails leaves
 * the registration where it was for the retry job; Twilio is answered 204 either way, since the callback was taken.
 */
export async function trustHubStatusCallback(c: Context<AppEnv>): Promise<Response> {
  const params = await readTwilioForm(c.req.raw);
  const verified = await authenticateTwilioRequest(c.env, c.req.raw, params, await accountSidCandidates(c.env, params), c.executionCtx);
  if (verified.length === 0) return forbidden();
  const status = params.get("Status");
  if (!isStatus(status)) return c.text(`unknown Status '${status ?? ""}'`, 400);
  const bundleSid = params.get("BundleSid") ?? "";
  await withPostgres(c.env, async (db) => {
    const row = await registrationByBundle(db, verified.map((v) => v.accountId), bundleSid);
    // A bundle the platform did not make (the tenant's own, in the same Twilio account) is nothing to act on.
    if (!row) return;
    const patch = applyStatus(row, bundleSid, status, params.get("FailureReason"));
    if (Object.keys(patch).length > 0) await updateRegistration(db, row.accountId, patch);
    await runRegistration(c.env, db, row.accountId);
  });
  return c.body(null, 204);
}
