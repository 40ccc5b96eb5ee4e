/**
 * A Trust Hub registration Twilio rejected is resubmitted by the tenant through the case itself: while the rejection
 * stands, the approved case takes a PUT that changes only its `trust_hub` part and its address (Twilio's reviewers
 * check the address against the business's records, and a rejection is often about it; everything else was reviewed
 * and approved, and changing the business is a new review), and the registration's rejected steps run again with it.
 */
import { ApiError } from "../../api/problem.ts";
import { readRegistration } from "../trust-hub/registration-store.ts";
import { resubmitTrustHub, trustHubStatus, type TrustHubView } from "../trust-hub/trust-hub.ts";
import type { CaseSealer } from "./case-sealing.ts";
import type { CaseDb, CaseRow } from "./case-store.ts";
import { trustHubBusinessOf } from "./trust-hub-handoff.ts";
import type { VerificationDetails } from "./verification-schemas.ts";

const withoutFixable = ({ trust_hub: _part, address: _address, ...rest }: VerificationDetails) => JSON.stringify(rest);

/**
 * Whether `details` fixes the rejected Trust Hub registration of the approved case `current`: true when the
 * registration is rejected and only the `trust_hub` part or the address changed; a 409 when the registration is
 * rejected but more changed; false (the case is simply not editable) otherwise.
 */
export async function fixesRejectedTrustHub(db: CaseDb, sealer: CaseSealer, current: CaseRow, details: VerificationDetails): Promise<boolean> {
  if (current.state !== "approved") return false;
  const registration = await readRegistration(db, current.accountId);
  if (registration?.step !== "rejected") return false;
  const approved = await sealer.openDetails(current.accountId, current.details);
  if (!details.trust_hub || withoutFixable(details) !== withoutFixable(approved)) {
    throw new ApiError("conflict", "the verification case is approved and Twilio rejected its Trust Hub registration: send the approved details with only the trust_hub part or the address fixed to resubmit it");
  }
  return true;
}

/** Runs the fixed registration's rejected steps again, back to Twilio's review; where a concurrent PUT did, its progress. */
export const resubmitFixed = async (env: Env, accountId: string, details: VerificationDetails): Promise<TrustHubView | null> =>
  (await resubmitTrustHub(env, accountId, trustHubBusinessOf(details)!)) ?? (await trustHubStatus(env, accountId));
