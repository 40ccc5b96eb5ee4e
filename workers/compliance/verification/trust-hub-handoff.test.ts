import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { registerWithTwilio, telephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import { caseDetails, loadFixtureLists, operatorRequest } from "./verification-fixtures.ts";
import { trustHubBusinessOf } from "./trust-hub-handoff.ts";
import type { VerificationDetails } from "./verification-schemas.ts";

beforeAll(loadFixtureLists, 60_000);

const TRUST_HUB: NonNullable<VerificationDetails["trust_hub"]> = {
  business_type: "Limited Liability Corporation",
  industry_code: "HEALTHCARE",
  registration_identifier: "VAT",
  regions_of_operation: ["EUROPE", "USA_AND_CANADA"],
  representative_phone: "+447700900123",
  representative_position: "Director",
};

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
