import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import type { TwilioState } from "./simulator-state.ts";
import type { Bundle, BundleStatus } from "./trust-hub-state.ts";
import { sendWebhook, type WebhookParams, type WebhookResult } from "./webhook-client.ts";

/**
 * A bundle's status changes and the status callback Twilio posts for each: form-encoded `AccountSid`, `BundleSid`,
 * `Status` and, on rejection, `FailureReason` (the shape of Twilio's regulatory bundle callbacks), signed with
 * `X-Twilio-Signature` by the account's auth token like every other Twilio webhook.
 */
export interface TrustHubCallback {
  bundleSid: string;
  url: string;
  params: WebhookParams;
  signature: string;
  /** Undefined until delivered (or when the review asked for no delivery). */
  result?: WebhookResult;
}

/** Who may move a bundle where: the customer submits; Twilio's reviewers (the control API) do the rest. */
const REVIEW_MOVES: Record<BundleStatus, readonly BundleStatus[]> = {
  draft: [],
  "pending-review": ["in-review", "twilio-approved", "twilio-rejected"],
  "in-review": ["twilio-approved", "twilio-rejected"],
  "twilio-approved": [],
  "twilio-rejected": [],
};

export const reviewMoveAllowed = (from: BundleStatus, to: BundleStatus) => REVIEW_MOVES[from].includes(to);

export async function changeStatus(state: TwilioState, bundle: Bundle, status: BundleStatus, failureReason?: string): Promise<TrustHubCallback | undefined> {
  bundle.status = status;
  bundle.dateUpdated = new Date();
  bundle.errors = status === "twilio-rejected" ? [{ code: 22215, message: failureReason ?? "The information provided could not be verified" }] : [];
  if (!bundle.statusCallback) return undefined;
  const params: WebhookParams = { AccountSid: bundle.accountSid, BundleSid: bundle.sid, Status: status };
  if (status === "twilio-rejected") params.FailureReason = failureReason ?? "The information provided could not be verified";
  const authToken = state.accounts.get(bundle.accountSid)!.authToken;
  const callback: TrustHubCallback = { bundleSid: bundle.sid, url: bundle.statusCallback, params, signature: await computeTwilioSignature(authToken, bundle.statusCallback, params) };
  state.trustHub.callbacks.push(callback);
  return callback;
}

export async function deliver(state: TwilioState, callback: TrustHubCallback, accountSid: string): Promise<void> {
  const authToken = state.accounts.get(accountSid)!.authToken;
  callback.result = await sendWebhook(callback.url, "POST", callback.params, authToken, 0, state.options.network.webhookTimeoutMs);
}

export class ReviewRefused extends Error {
  readonly status: 404 | 409;
  constructor(status: 404 | 409, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Twilio's reviewers decide: moves a submitted bundle on (`pending-review` → `in-review` → `twilio-approved` |
 * `twilio-rejected`; a decision on a bundle still pending passes through `in-review`, with a callback for each step).
 * `deliver: false` only records the signed callbacks, for a caller that hands them to the application itself.
 */
export async function reviewBundle(state: TwilioState, sid: string, decision: { status: BundleStatus; failureReason?: string | undefined; deliver?: boolean | undefined }) {
  const bundle = state.trustHub.bundles.get(sid);
  if (!bundle) throw new ReviewRefused(404, `bundle ${sid} not found`);
  const steps: BundleStatus[] = bundle.status === "pending-review" && decision.status !== "in-review" ? ["in-review", decision.status] : [decision.status];
  if (!reviewMoveAllowed(bundle.status, steps[0]!) || (steps.length > 1 && !reviewMoveAllowed(steps[0]!, steps[1]!))) {
    throw new ReviewRefused(409, `bundle ${sid} is ${bundle.status}: it cannot move to ${decision.status}`);
  }
  const callbacks: TrustHubCallback[] = [];
  for (const status of steps) {
    const callback = await changeStatus(state, bundle, status, decision.failureReason);
    if (!callback) continue;
    callbacks.push(callback);
    if (decision.deliver !== false) await deliver(state, callback, bundle.accountSid);
  }
  return { sid, status: bundle.status, callbacks };
}
