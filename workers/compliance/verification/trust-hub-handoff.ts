/**
 * Approval hands the business to Twilio's Trust Hub: the case's details, with its `trust_hub` part, become the
 * registration's input. A case without that part is approved all the same and registers nothing.
 */
import type { TrustHubBusiness } from "../trust-hub/trust-hub-business.ts";
import { startTrustHub } from "../trust-hub/trust-hub.ts";
import type { VerificationDetails } from "./verification-schemas.ts";

/** "Eleanor Mary Whitcombe" → first "Eleanor Mary", last "Whitcombe" (Trust Hub asks for the two apart). */
function splitName(name: string): { firstName: string; lastName: string } {
  const parts = name.trim().split(/\s+/);
  const lastName = parts.pop()!;
  return { firstName: parts.join(" ") || lastName, lastName };
}

/** Trust Hub's view of the business, or null when the case does not carry the `trust_hub` part. */
export function trustHubBusinessOf(details: VerificationDetails): TrustHubBusiness | null {
  const extra = details.trust_hub;
  if (!extra) return null;
  const { address, representative } = details;
  return {
    legalName: details.legal_name,
    // Twilio writes to this address about the profile's review: the representative is who can act on it.
    notificationEmail: representative.email,
    website: details.website,
    businessType: extra.business_type,
    industry: extra.industry_code,
    registrationIdentifier: extra.registration_identifier,
    registrationNumber: details.registration.number,
    regionsOfOperation: extra.regions_of_operation,
    // Trust Hub requires a region; where the country has none (a UK address), the city stands in.
    address: { street: address.line1, ...(address.line2 && { streetSecondary: address.line2 }), city: address.city, region: address.region ?? address.city, postalCode: address.postal_code, isoCountry: address.country },
    representative: { ...splitName(representative.name), email: representative.email, phoneNumber: extra.representative_phone, title: representative.title, position: extra.representative_position },
  };
}

/**
 * Starts the account's registration after approval, off the operator's request: a Twilio failure stays on the
 * registration (`last_error`) for the hourly job, so it is logged here and never fails the approval.
 */
export function registerApprovedAccount(env: Env, waitUntil: (p: Promise<unknown>) => void, accountId: string, details: VerificationDetails | null, publicBaseUrl: string): void {
  const business = details && trustHubBusinessOf(details);
  if (!business) return;
  waitUntil(
    startTrustHub(env, accountId, { business, publicBaseUrl }).catch((error: unknown) =>
      console.error(JSON.stringify({ level: "error", message: "trust hub registration did not start", account_id: accountId, error: String(error) })),
    ),
  );
}
