import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { registerWithTwilio, telephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import { caseDetails, loadFixtureLists, operatorRequest, TRUST_HUB } from "./verification-fixtures.ts";
import { trustHubBusinessOf } from "./trust-hub-handoff.ts";

beforeAll(loadFixtureLists, 60_000);

/** A tenant whose Twilio account the simulator knows, with its case (carrying `trust_hub` or not) approved. */
async function approvedTenant(details: ReturnType<typeof caseDetails>) {
  const t = await telephonyTenant();
  await registerWithTwilio(t);
  expect((await api(t.key).put("/v1/verification", details)).status).toBe(200);
  expect((await api(t.key).post("/v1/verification/submit")).json.state).toBe("in_review");
  const approved = await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/approve`, { reason: "registry and identity checked" });
  expect(approved.status, approved.text).toBe(200);
  return t;
}

/** Twilio's reviewers decide on a bundle; the signed callbacks the simulator made are posted to the Worker as Twilio would. */
async function twilioReviews(bundleSid: string, status: string, failureReason?: string): Promise<void> {
  const res = await fetch(`${env.TWILIO_API_BASE_URL}/__control/trust-hub/bundles/${bundleSid}/review`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status, deliver: false, ...(failureReason && { failureReason }) }),
  });
  for (const cb of (await res.json<{ callbacks: { url: string; params: Record<string, string>; signature: string }[] }>()).callbacks) {
    const posted = await exports.default.fetch(
      new Request(cb.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": cb.signature }, body: new URLSearchParams(cb.params).toString() }),
    );
    expect(posted.status).toBe(204);
  }
}

describe("approval hands the business to Twilio's Trust Hub", () => {
  it("registers the Secondary Customer Profile of an approved case that carries Trust Hub details, and the tenant follows it", async () => {
    const t = await approvedTenant(caseDetails({ trust_hub: TRUST_HUB }));
    await vi.waitFor(
      async () => expect((await api(t.key).get("/v1/verification")).json.trust_hub).toMatchObject({ step: "awaiting_profile_review", customer_profile: { status: "pending-review" }, last_error: null }),
      { timeout: 20_000, interval: 200 },
    );
    // What the simulator was given: one profile, its two end users (business and representative), the address.
    const counts = await (await fetch(`${env.TWILIO_API_BASE_URL}/__control/trust-hub/resources?accountSid=${t.accountSid}`)).json();
    expect(counts).toMatchObject({ addresses: 1 });
  });

  it("shows Twilio's rejection, and resubmits the same profile once the tenant fixes the case's Trust Hub part and address", { timeout: 60_000 }, async () => {
    const t = await approvedTenant(caseDetails({ trust_hub: TRUST_HUB }));
    const a = api(t.key);
    await vi.waitFor(async () => expect((await a.get("/v1/verification")).json.trust_hub).toMatchObject({ step: "awaiting_profile_review", last_error: null }), { timeout: 20_000, interval: 200 });
    const profileSid = (await a.get("/v1/verification")).json.trust_hub.customer_profile.sid;
    // Twilio's reviewers found the business type and the street number wrong.
    const fixed = caseDetails({ trust_hub: { ...TRUST_HUB, business_type: "Corporation" }, address: { line1: "14 Harbour Road", city: "Bristol", postal_code: "BS1 5TX", country: "GB" } });
    // An approved case is not edited while Twilio reviews.
    const early = await a.put("/v1/verification", fixed);
    expect(early.status).toBe(409);
    expect(early.json.detail).toContain("approved");

    await twilioReviews(profileSid, "twilio-rejected", "Business type does not match the registry");
    expect((await a.get("/v1/verification")).json.trust_hub).toMatchObject({ step: "rejected", customer_profile: { status: "twilio-rejected" }, failure_reason: "Business type does not match the registry" });
    // Only the Trust Hub part may change: the rest was reviewed and approved.
    const renamed = await a.put("/v1/verification", { ...fixed, legal_name: "Another Business Ltd" });
    expect(renamed.status).toBe(409);
    expect(renamed.json.detail).toContain("only the trust_hub part");

    const resubmitted = await a.put("/v1/verification", fixed);
    expect(resubmitted.status, resubmitted.text).toBe(200);
    expect(resubmitted.json).toMatchObject({
      state: "approved",
      details: { legal_name: "Brightsmile Dental Clinics Ltd", address: { line1: "14 Harbour Road" }, trust_hub: { business_type: "Corporation" } },
      trust_hub: { step: "awaiting_profile_review", customer_profile: { sid: profileSid, status: "pending-review" }, failure_reason: null, last_error: null },
    });
    // The same resources at Twilio, the business end user fixed in place.
    const auth = { authorization: `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}` };
    const endUsers = await (await fetch(`${env.TWILIO_TRUSTHUB_BASE_URL}/v1/EndUsers`, { headers: auth })).json<{ results: { type: string; attributes: Record<string, string> }[] }>();
    expect(endUsers.results.find((u) => u.type === "customer_profile_business_information")!.attributes.business_type).toBe("Corporation");
    const addresses = await (await fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/Addresses.json`, { headers: auth })).json<{ addresses: { street: string; iso_country: string }[] }>();
    expect(addresses.addresses.map((ad) => [ad.street, ad.iso_country])).toEqual([["14 Harbour Road", "GB"]]);
    const counts = await (await fetch(`${env.TWILIO_API_BASE_URL}/__control/trust-hub/resources?accountSid=${t.accountSid}`)).json();
    expect(counts).toMatchObject({ customerProfiles: 1, endUsers: 2, supportingDocuments: 1, addresses: 1 });

    // Twilio's new review counts: the approved profile moves on to the SHAKEN/STIR product.
    await twilioReviews(profileSid, "twilio-approved");
    expect((await a.get("/v1/verification")).json.trust_hub).toMatchObject({ step: "awaiting_product_review", customer_profile: { status: "twilio-approved" } });
    expect((await a.put("/v1/verification", fixed)).status).toBe(409);
  });

  it("approves a case without Trust Hub details all the same, and registers nothing", async () => {
    const t = await approvedTenant(caseDetails());
    expect((await api(t.key).get("/v1/verification")).json).toMatchObject({ state: "approved", trust_hub: null });
  });

  it("maps the case: the representative's name split, and the city standing in for a region the address lacks", () => {
    const business = trustHubBusinessOf(caseDetails({ trust_hub: TRUST_HUB }))!;
    expect(business.representative).toMatchObject({ firstName: "Eleanor", lastName: "Whitcombe", email: "eleanor@brightsmile.example", phoneNumber: "+447700900123", position: "Director", title: "Director" });
    expect(business.address).toEqual({ street: "12 Harbour Road", city: "Bristol", region: "Bristol", postalCode: "BS1 5TX", isoCountry: "GB" });
    expect(business.registrationNumber).toBe("09876543");
    expect(trustHubBusinessOf(caseDetails())).toBeNull();
  });
});
