import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { settleAudit } from "../../../test/workers/audit-fixtures.ts";
import { auditEntries } from "../../../test/workers/billing-fixtures.ts";
import { BASE, registerWithTwilio, telephonyTenant, twilioPost, type TelephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import type { TrustHubRegistration } from "../../../shared/pg/schema.ts";
import { applyStatus } from "./registration-steps.ts";
import { resumeTrustHubRegistrations } from "./resume-job.ts";
import type { TrustHubBusiness } from "./trust-hub-business.ts";
import { resubmitTrustHub, runTrustHub, startTrustHub, trustHubStatus, TRUST_HUB_CALLBACK_PATH } from "./trust-hub.ts";

const BUSINESS: TrustHubBusiness = {
  legalName: "Acme Dental LLC",
  notificationEmail: "compliance@aybiza.test",
  website: "https://acme-dental.test",
  businessType: "Limited Liability Corporation",
  industry: "HEALTHCARE",
  registrationIdentifier: "EIN",
  registrationNumber: "12-3456789",
  regionsOfOperation: ["USA_AND_CANADA"],
  address: { street: "1 Main St", city: "Springfield", region: "IL", postalCode: "62701", isoCountry: "US" },
  representative: { firstName: "Ada", lastName: "Lovelace", email: "ada@acme-dental.test", phoneNumber: "+14155550177", title: "Owner", position: "CEO" },
};

const control = async (path: string, body?: unknown) => {
  const res = await fetch(`${env.TWILIO_API_BASE_URL}/__control/${path}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
};

interface TrustHubTenant extends TelephonyTenant {
  numberSid: string;
}

/** A tenant whose Twilio account the simulator knows, with one Twilio number imported through the API. */
async function trustHubTenant(): Promise<TrustHubTenant> {
  const t = await telephonyTenant();
  await registerWithTwilio(t);
  const e164 = `+1628555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
  const number = await control("numbers", { accountSid: t.accountSid, phoneNumber: e164 });
  const imported = await api(t.key).post("/v1/phone-numbers", { e164, source: "twilio", agent_id: t.agentId });
  if (imported.status !== 201) throw new Error(`number import failed: ${imported.text}`);
  return { ...t, numberSid: String(number.sid) };
}

const resources = async (t: TelephonyTenant) => control(`trust-hub/resources?accountSid=${t.accountSid}`);

/** The Address the account's `customer_profile_address` document names, as Twilio answers it. */
async function documentAddress(t: TelephonyTenant): Promise<Record<string, string | null>> {
  const auth = { authorization: `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}` };
  const docs = await (await fetch(`${env.TWILIO_TRUSTHUB_BASE_URL}/v1/SupportingDocuments`, { headers: auth })).json<{ results: { attributes: { address_sids: string | string[] } }[] }>();
  expect(docs.results).toHaveLength(1);
  const [sid] = [docs.results[0]!.attributes.address_sids].flat();
  return (await fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/Addresses/${sid}.json`, { headers: auth })).json();
}

/** An Address of the tenant's Twilio account, as Twilio answers a fetch of it. */
const twilioAddress = (t: TelephonyTenant, sid: string) =>
  fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/Addresses/${sid}.json`, { headers: { authorization: `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}` } });

/** Twilio's reviewers decide; the signed callbacks the simulator made are handed to the Worker as Twilio would post them. */
async function review(sid: string, status: string, opts: { forward?: boolean; failureReason?: string } = {}) {
  const decided = (await control(`trust-hub/bundles/${sid}/review`, { status, deliver: false, ...(opts.failureReason && { failureReason: opts.failureReason }) })) as { callbacks: { url: string; params: Record<string, string>; signature: string }[] };
  if (opts.forward === false) return;
  for (const cb of decided.callbacks) {
    expect(cb.url).toBe(`${BASE}${TRUST_HUB_CALLBACK_PATH}`);
    const res = await exports.default.fetch(
      new Request(cb.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": cb.signature }, body: new URLSearchParams(cb.params).toString() }),
    );
    expect(res.status).toBe(204);
  }
}

const start = (t: TelephonyTenant, fetcher?: typeof fetch) => startTrustHub(env, t.accountId, { business: BUSINESS, publicBaseUrl: BASE }, fetcher ? { fetcher } : {});

describe("Twilio Trust Hub registration", () => {
  it("registers the profile, and once Twilio approves it, the SHAKEN/STIR product with the account's numbers", async () => {
    const t = await trustHubTenant();
    const started = await start(t);
    expect(started).toMatchObject({ step: "awaiting_profile_review", customer_profile: { status: "pending-review" }, trust_product: null, last_error: null });
    // Starting again changes nothing: the registration exists and waits on Twilio.
    expect(await start(t)).toEqual(started);

    await review(started.customer_profile!.sid, "twilio-approved");
    const afterProfile = await trustHubStatus(env, t.accountId);
    expect(afterProfile).toMatchObject({ step: "awaiting_product_review", customer_profile: { status: "twilio-approved" }, trust_product: { status: "pending-review" }, assigned_numbers: 1 });

    await review(afterProfile!.trust_product!.sid, "twilio-approved");
    expect(await trustHubStatus(env, t.accountId)).toMatchObject({ step: "done", trust_product: { status: "twilio-approved" } });

    const auth = `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}`;
    const assigned = await fetch(`${env.TWILIO_TRUSTHUB_BASE_URL}/v1/TrustProducts/${afterProfile!.trust_product!.sid}/ChannelEndpointAssignments`, { headers: { authorization: auth } });
    expect(((await assigned.json()) as { results: { channel_endpoint_sid: string }[] }).results.map((r) => r.channel_endpoint_sid)).toEqual([t.numberSid]);
    expect(await resources(t)).toMatchObject({ customerProfiles: 1, trustProducts: 1, endUsers: 2, supportingDocuments: 1, addresses: 1, entityAssignments: 4, channelEndpointAssignments: 2 });
    // Some 30 requests to Twilio and Postgres: more than the default 5 s on a loaded 2-core machine.
  }, 30_000);

  it("a rejected profile ends the registration with Twilio's reason and no trust product", async () => {
    const t = await trustHubTenant();
    const started = await start(t);
    await review(started.customer_profile!.sid, "twilio-rejected", { failureReason: "Business name does not match the EIN" });
    expect(await trustHubStatus(env, t.accountId)).toMatchObject({ step: "rejected", customer_profile: { status: "twilio-rejected" }, trust_product: null, failure_reason: "Business name does not match the EIN" });
    expect(await resources(t)).toMatchObject({ trustProducts: 0 });
  });

  it("a profile resubmitted with a fixed address updates its Address at Twilio, or makes a new one in another country", async () => {
    const t = await trustHubTenant();
    const profileSid = (await start(t)).customer_profile!.sid;
    const first = await documentAddress(t);
    expect(first).toMatchObject({ street: "1 Main St", city: "Springfield", iso_country: "US" });

    await review(profileSid, "twilio-rejected", { failureReason: "Address mismatch" });
    const fixed = { ...BUSINESS, address: { street: "200 Capitol Ave", streetSecondary: "Suite 5", city: "Chicago", region: "IL", postalCode: "60601", isoCountry: "US" } };
    expect(await resubmitTrustHub(env, t.accountId, fixed)).toMatchObject({ step: "awaiting_profile_review", customer_profile: { sid: profileSid, status: "pending-review" }, last_error: null });
    // The same Address, fixed in place: the document still names it.
    expect(await documentAddress(t)).toMatchObject({ sid: first.sid, customer_name: "Acme Dental LLC", street: "200 Capitol Ave", street_secondary: "Suite 5", city: "Chicago", region: "IL", postal_code: "60601", iso_country: "US" });

    // Twilio keeps an Address's country: an address abroad is a new Address, and the document points at it.
    await review(profileSid, "twilio-rejected", { failureReason: "The business is registered in Canada" });
    const abroad = { ...BUSINESS, address: { street: "1 Front St W", city: "Toronto", region: "ON", postalCode: "M5J 2X5", isoCountry: "CA" } };
    expect(await resubmitTrustHub(env, t.accountId, abroad)).toMatchObject({ step: "awaiting_profile_review", customer_profile: { sid: profileSid, status: "pending-review" }, last_error: null });
    const moved = await documentAddress(t);
    expect(moved.sid).not.toBe(first.sid);
    expect(moved).toMatchObject({ street: "1 Front St W", street_secondary: null, city: "Toronto", region: "ON", postal_code: "M5J 2X5", iso_country: "CA" });
    // The US Address, which the document no longer names, is deleted at Twilio.
    expect(await resources(t)).toMatchObject({ customerProfiles: 1, endUsers: 2, supportingDocuments: 1, addresses: 1, entityAssignments: 3 });
    expect((await twilioAddress(t, String(first.sid))).status).toBe(404);
  }, 30_000);

  it("an old Address Twilio refuses to delete (a number's emergency address) is left with an audit note, and the resubmission goes on", async () => {
    const t = await trustHubTenant();
    const profileSid = (await start(t)).customer_profile!.sid;
    const first = await documentAddress(t);
    const auth = { authorization: `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}`, "content-type": "application/x-www-form-urlencoded" };
    const numberUrl = `${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers/${t.numberSid}.json`;
    expect((await fetch(numberUrl, { method: "POST", headers: auth, body: new URLSearchParams({ EmergencyAddressSid: String(first.sid) }) })).status).toBe(200);

    await review(profileSid, "twilio-rejected", { failureReason: "The business is registered in Canada" });
    const abroad = { ...BUSINESS, address: { street: "1 Front St W", city: "Toronto", region: "ON", postalCode: "M5J 2X5", isoCountry: "CA" } };
    expect(await resubmitTrustHub(env, t.accountId, abroad)).toMatchObject({ step: "awaiting_profile_review", customer_profile: { status: "pending-review" }, last_error: null });
    expect((await documentAddress(t)).iso_country).toBe("CA");
    expect(await resources(t)).toMatchObject({ addresses: 2 });
    expect((await twilioAddress(t, String(first.sid))).status).toBe(200);
    await settleAudit(t.accountId);
    const kept = (await auditEntries(t.accountId)).filter((e) => e.action === "trust_hub.address_kept");
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ actor: "platform", resource: first.sid });
    expect(JSON.parse(kept[0]!.detail!)).toMatchObject({ iso_country: "US", twilio_code: 21625 });
  }, 30_000);

  it("a run that dies after each create resumes without making anything twice", async () => {
    const t = await trustHubTenant();
    // Each run's first write is carried out by Twilio, and the run dies before it stores what Twilio answered.
    const dyingAfterFirstPost = (): typeof fetch => {
      let died = false;
      return async (input, init) => {
        const res = await fetch(input, init);
        if (init?.method !== "POST" || died) return res;
        died = true;
        await res.text();
        throw new Error("worker died");
      };
    };
    const first = await start(t, dyingAfterFirstPost());
    expect(first).toMatchObject({ step: "profile", customer_profile: null, last_error: "Error: worker died" });
    let runs = 1;
    while ((await trustHubStatus(env, t.accountId))!.step !== "awaiting_profile_review" && runs < 30) {
      await runTrustHub(env, t.accountId, { fetcher: dyingAfterFirstPost() });
      runs++;
    }
    // Every create (profile, 2 end users, address, document, 3 assignments) cost a death; the evaluation, safe to
    // repeat, is retried within its run.
    expect(runs).toBe(9);
    expect(await trustHubStatus(env, t.accountId)).toMatchObject({ step: "awaiting_profile_review", customer_profile: { status: "pending-review" } });
    expect(await resources(t)).toMatchObject({ customerProfiles: 1, endUsers: 2, supportingDocuments: 1, addresses: 1, entityAssignments: 3 });
  });

  it("the retry job continues a failed run and asks Twilio for a status whose callback was lost", async () => {
    const t = await trustHubTenant();
    // Twilio throttles every attempt of the run's first request: the run gives up, and nothing moved.
    await control("rest-faults", { accountSid: t.accountSid, status: 429, count: 3 });
    const failed = await start(t);
    expect(failed).toMatchObject({ step: "profile", customer_profile: null });
    expect(failed.last_error).toMatch(/^TwilioApiError: Too Many Requests/);

    await resumeTrustHubRegistrations(env, new Date());
    const resumed = await trustHubStatus(env, t.accountId);
    expect(resumed).toMatchObject({ step: "awaiting_profile_review", last_error: null });
    expect(await resources(t)).toMatchObject({ customerProfiles: 1 });

    await review(resumed!.customer_profile!.sid, "twilio-approved", { forward: false });
    await resumeTrustHubRegistrations(env, new Date());
    expect(await trustHubStatus(env, t.accountId)).toMatchObject({ step: "awaiting_product_review", customer_profile: { status: "twilio-approved" }, assigned_numbers: 1 });
  });

  it("statuses only move forward, whatever order the callbacks and polls report them in", () => {
    const row = { step: "awaiting_profile_review", customerProfileSid: "BU1", profileStatus: "pending-review", trustProductSid: null, trustProductStatus: null } as TrustHubRegistration;
    expect(applyStatus(row, "BU1", "in-review", null)).toEqual({ profileStatus: "in-review" });
    expect(applyStatus(row, "BU1", "twilio-approved", null)).toEqual({ profileStatus: "twilio-approved", step: "trust_product" });
    const approved = { ...row, step: "trust_product", profileStatus: "twilio-approved" } as TrustHubRegistration;
    expect(applyStatus(approved, "BU1", "in-review", null)).toEqual({});
    // A poll that finds what a callback already stored still moves a waiting registration on.
    expect(applyStatus({ ...row, profileStatus: "twilio-approved" }, "BU1", "twilio-approved", null)).toEqual({ step: "trust_product" });
    expect(applyStatus(row, "BU1", "twilio-rejected", "Address mismatch")).toEqual({ profileStatus: "twilio-rejected", step: "rejected", failureReason: "Address mismatch" });
  });

  it("refuses a forged status callback and changes nothing", async () => {
    const t = await trustHubTenant();
    const started = await start(t);
    const params = { AccountSid: t.accountSid, BundleSid: started.customer_profile!.sid, Status: "twilio-approved" };
    expect((await twilioPost(TRUST_HUB_CALLBACK_PATH, params, "not-the-auth-token")).status).toBe(403);
    // Signed over another URL: replayed from elsewhere.
    expect((await twilioPost(TRUST_HUB_CALLBACK_PATH, params, t.authToken, { signedUrl: `${BASE}/twilio/status` })).status).toBe(403);
    // Another tenant's genuine token does not make it this account's callback.
    const other = await trustHubTenant();
    expect((await twilioPost(TRUST_HUB_CALLBACK_PATH, { ...params, AccountSid: other.accountSid }, other.authToken)).status).toBe(204);
    expect(await trustHubStatus(env, t.accountId)).toMatchObject({ step: "awaiting_profile_review", customer_profile: { status: "pending-review" }, trust_product: null });
    expect((await twilioPost(TRUST_HUB_CALLBACK_PATH, { ...params, Status: "approved" }, t.authToken)).status).toBe(400);
  });
});
