import type { TrustHubRegistration, TrustHubStatus, TrustHubStep } from "../../../shared/pg/schema.ts";
import type { RegistrationPatch } from "./registration-store.ts";
import { authorizedRepresentative, businessInformation, type TrustHubBusiness } from "./trust-hub-business.ts";
import type { AddressFields, BundleCollection, TrustHubClient, TwilioAddress } from "./trust-hub-client.ts";

/** Twilio's policies (the same SIDs in every account). */
export const SECONDARY_CUSTOMER_PROFILE_POLICY = "RNdfbf3fae0e1107f8aded0e7cead80bf5";
export const SHAKEN_STIR_POLICY = "RN7a97559effdf62d00f4298208492a5ea";

export interface StepContext {
  client: TrustHubClient;
  row: TrustHubRegistration;
  business: TrustHubBusiness;
  /** The account's Twilio numbers (PN…) to put under SHAKEN/STIR. */
  numberSids(): Promise<string[]>;
  /** Records what a step chose to leave as it was (an audit entry of the account). */
  note(entry: { action: string; resource: string; detail: Record<string, unknown> }): Promise<void>;
}

/** What a step did: the fields it learnt and the step that follows, or nothing to do until Twilio's review moves. */
export type StepOutcome = (RegistrationPatch & { step: TrustHubStep }) | "wait";

export class TrustHubStepError extends Error {
  override name = "TrustHubStepError";
}

/**
 * Deterministic names: a create whose answer was lost (a crash, a 5xx after Twilio acted) is found by its name on the
 * next run rather than made twice. The account id keeps tenants that share one Twilio account apart.
 */
const nameOf = (row: TrustHubRegistration, what: string) => `aybiza ${row.accountId} ${what}`;

/** Attributes are flat strings (end users, documents): equal when every key holds the same value. */
const sameAttributes = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => JSON.stringify(b[key]) === JSON.stringify(value));

async function ensureItem(ctx: StepContext, collection: "EndUsers" | "SupportingDocuments", what: string, type: string, attributes: Record<string, unknown>): Promise<string> {
  const friendlyName = nameOf(ctx.row, what);
  const found = await ctx.client.findItem(collection, friendlyName);
  if (!found) return (await ctx.client.createItem(collection, { friendlyName, type, attributes })).sid;
  // A resubmission after Twilio's rejection carries fixed details: the item made the first time takes them.
  if (!sameAttributes(found.attributes ?? {}, attributes)) await ctx.client.updateItem(collection, found.sid, attributes);
  return found.sid;
}

const sameAddress = (found: TwilioAddress, a: AddressFields) =>
  found.customer_name === a.customerName &&
  found.street === a.street &&
  (found.street_secondary ?? undefined) === a.streetSecondary &&
  found.city === a.city &&
  found.region === a.region &&
  found.postal_code === a.postalCode;

/**
 * The business's Address. A resubmission after Twilio's rejection may carry a fixed address: the Address made the
 * first time takes it in place. Twilio keeps an Address's country, so an address moved abroad is a new Address (found
 * by name in its country on a resumed run), which the document step then points at.
 */
async function ensureAddress(ctx: StepContext): Promise<string> {
  const friendlyName = nameOf(ctx.row, "address");
  const wanted: AddressFields = { customerName: ctx.business.legalName, ...ctx.business.address };
  const found = await ctx.client.findAddress(friendlyName, wanted.isoCountry);
  if (!found) return (await ctx.client.createAddress(friendlyName, wanted)).sid;
  if (!sameAddress(found, wanted)) await ctx.client.updateAddress(found.sid, wanted);
  return found.sid;
}

/**
 * Once the document names the business's Address, an Address made for it in another country (before the address
 * moved abroad) serves nothing of ours: it is deleted. Twilio refuses to delete an Address still in use (a number's
 * emergency address, say): that one is left where it is, with an audit note, and the registration goes on.
 */
async function retireOtherAddresses(ctx: StepContext, keptSid: string): Promise<void> {
  for (const other of await ctx.client.addressesNamed(nameOf(ctx.row, "address"))) {
    if (other.sid === keptSid) continue;
    const refusal = await ctx.client.deleteAddress(other.sid);
    if (refusal) await ctx.note({ action: "trust_hub.address_kept", resource: other.sid, detail: { iso_country: other.iso_country, twilio_code: refusal.code, twilio_message: refusal.message } });
  }
}

async function ensureBundle(ctx: StepContext, collection: BundleCollection, what: string, policySid: string) {
  const friendlyName = nameOf(ctx.row, what);
  const found = await ctx.client.findBundle(collection, friendlyName);
  return found ?? (await ctx.client.createBundle(collection, { friendlyName, email: ctx.business.notificationEmail, policySid, statusCallback: ctx.row.statusCallbackUrl }));
}

async function ensureAssigned(ctx: StepContext, collection: BundleCollection, bundleSid: string, objectSids: string[]): Promise<void> {
  const assigned = new Set(await ctx.client.assignedObjects(collection, bundleSid));
  for (const sid of objectSids) if (!assigned.has(sid)) await ctx.client.assignObject(collection, bundleSid, sid);
}

async function ensureCompliant(ctx: StepContext, collection: BundleCollection, bundleSid: string, policySid: string): Promise<void> {
  const evaluation = await ctx.client.evaluate(collection, bundleSid, policySid);
  if (evaluation.status !== "compliant") {
    throw new TrustHubStepError(`${collection} ${bundleSid} is not compliant: ${evaluation.results.filter((r) => !r.passed).map((r) => r.failure_reason).join("; ")}`);
  }
}

// Callbacks and polls may report statuses out of order; a bundle's status only moves forward.
const RANK: Record<TrustHubStatus, number> = { draft: 0, "pending-review": 1, "in-review": 2, "twilio-approved": 3, "twilio-rejected": 3 };
export const isNewer = (next: TrustHubStatus, current: TrustHubStatus | null) => current === null || RANK[next] > RANK[current];

/**
 * What a status Twilio reported for the profile or the trust product changes in the registration. The stored status
 * only moves forward; a final status moves the steps on whenever they wait for it (a poll may report what an earlier
 * callback already stored).
 */
export function applyStatus(row: TrustHubRegistration, bundleSid: string, status: TrustHubStatus, failureReason: string | null): RegistrationPatch {
  const isProfile = bundleSid === row.customerProfileSid;
  const current = isProfile ? row.profileStatus : row.trustProductStatus;
  const patch: RegistrationPatch = !isNewer(status, current) ? {} : isProfile ? { profileStatus: status } : { trustProductStatus: status };
  const waiting: TrustHubStep = isProfile ? "awaiting_profile_review" : "awaiting_product_review";
  if (status === "twilio-rejected" && row.step !== "done") return { ...patch, step: "rejected", failureReason: failureReason ?? "rejected by Twilio" };
  if (status === "twilio-approved" && row.step === waiting) return { ...patch, step: isProfile ? "trust_product" : "done" };
  return patch;
}

async function submit(ctx: StepContext, collection: BundleCollection, sid: string, next: TrustHubStep): Promise<StepOutcome> {
  // A submit whose answer was lost has already moved the bundle on: only a draft (or a rejected bundle being
  // resubmitted with its fixes) is submitted.
  const bundle = await ctx.client.fetchBundle(collection, sid);
  const submitted = bundle.status === "draft" || bundle.status === "twilio-rejected" ? await ctx.client.submitBundle(collection, sid) : bundle;
  return { step: next, ...(collection === "CustomerProfiles" ? { profileStatus: submitted.status } : { trustProductStatus: submitted.status }) };
}

async function awaitReview(ctx: StepContext, collection: BundleCollection, sid: string): Promise<StepOutcome> {
  // The callback may have been lost: the retry job asks Twilio itself.
  const bundle = await ctx.client.fetchBundle(collection, sid);
  const patch = applyStatus(ctx.row, sid, bundle.status, bundle.errors?.[0]?.message ?? null);
  return patch.step ? { ...patch, step: patch.step } : "wait";
}

type ActiveStep = Exclude<TrustHubStep, "done" | "rejected">;
const sidOf = (value: string | null, what: string): string => {
  if (!value) throw new TrustHubStepError(`the registration has no ${what} SID`);
  return value;
};

export const STEPS: Record<ActiveStep, (ctx: StepContext) => Promise<StepOutcome>> = {
  profile: async (ctx) => {
    const profile = await ensureBundle(ctx, "CustomerProfiles", "secondary customer profile", SECONDARY_CUSTOMER_PROFILE_POLICY);
    return { step: "business_end_user", customerProfileSid: profile.sid, profileStatus: profile.status };
  },
  business_end_user: async (ctx) => ({
    step: "representative_end_user",
    businessEndUserSid: await ensureItem(ctx, "EndUsers", "business information", "customer_profile_business_information", businessInformation(ctx.business)),
  }),
  representative_end_user: async (ctx) => ({
    step: "address",
    representativeEndUserSid: await ensureItem(ctx, "EndUsers", "authorized representative", "authorized_representative_1", authorizedRepresentative(ctx.business)),
  }),
  address: async (ctx) => ({ step: "supporting_document", addressSid: await ensureAddress(ctx) }),
  supporting_document: async (ctx) => {
    const addressSid = sidOf(ctx.row.addressSid, "address");
    const supportingDocumentSid = await ensureItem(ctx, "SupportingDocuments", "address document", "customer_profile_address", { address_sids: addressSid });
    await retireOtherAddresses(ctx, addressSid);
    return { step: "profile_assignments", supportingDocumentSid };
  },
  profile_assignments: async (ctx) => {
    const { row } = ctx;
    await ensureAssigned(ctx, "CustomerProfiles", sidOf(row.customerProfileSid, "profile"), [
      sidOf(row.businessEndUserSid, "business end user"),
      sidOf(row.representativeEndUserSid, "representative end user"),
      sidOf(row.supportingDocumentSid, "supporting document"),
    ]);
    return { step: "profile_evaluation" };
  },
  profile_evaluation: async (ctx) => {
    await ensureCompliant(ctx, "CustomerProfiles", sidOf(ctx.row.customerProfileSid, "profile"), SECONDARY_CUSTOMER_PROFILE_POLICY);
    return { step: "profile_submit" };
  },
  profile_submit: (ctx) => submit(ctx, "CustomerProfiles", sidOf(ctx.row.customerProfileSid, "profile"), "awaiting_profile_review"),
  awaiting_profile_review: (ctx) => awaitReview(ctx, "CustomerProfiles", sidOf(ctx.row.customerProfileSid, "profile")),
  trust_product: async (ctx) => {
    const product = await ensureBundle(ctx, "TrustProducts", "SHAKEN/STIR", SHAKEN_STIR_POLICY);
    return { step: "trust_product_assignments", trustProductSid: product.sid, trustProductStatus: product.status };
  },
  trust_product_assignments: async (ctx) => {
    await ensureAssigned(ctx, "TrustProducts", sidOf(ctx.row.trustProductSid, "trust product"), [sidOf(ctx.row.customerProfileSid, "profile")]);
    return { step: "trust_product_numbers" };
  },
  trust_product_numbers: async (ctx) => {
    // Twilio takes a number into a SHAKEN/STIR product only once it is on the product's customer profile.
    const profileSid = sidOf(ctx.row.customerProfileSid, "profile");
    const productSid = sidOf(ctx.row.trustProductSid, "trust product");
    const numbers = await ctx.numberSids();
    const onProfile = new Set(await ctx.client.assignedNumbers("CustomerProfiles", profileSid));
    const onProduct = new Set(await ctx.client.assignedNumbers("TrustProducts", productSid));
    for (const sid of numbers) {
      if (!onProfile.has(sid)) await ctx.client.assignNumber("CustomerProfiles", profileSid, sid);
      if (!onProduct.has(sid)) await ctx.client.assignNumber("TrustProducts", productSid, sid);
    }
    return { step: "trust_product_evaluation", assignedNumberSids: [...new Set([...onProduct, ...numbers])] };
  },
  trust_product_evaluation: async (ctx) => {
    await ensureCompliant(ctx, "TrustProducts", sidOf(ctx.row.trustProductSid, "trust product"), SHAKEN_STIR_POLICY);
    return { step: "trust_product_submit" };
  },
  trust_product_submit: (ctx) => submit(ctx, "TrustProducts", sidOf(ctx.row.trustProductSid, "trust product"), "awaiting_product_review"),
  awaiting_product_review: (ctx) => awaitReview(ctx, "TrustProducts", sidOf(ctx.row.trustProductSid, "trust product")),
};

export const isActive = (step: TrustHubStep): step is ActiveStep => step !== "done" && step !== "rejected";
