import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "./simulator-state.ts";
import { startTwilioSimulator, type TwilioSimulator } from "./simulator.ts";
import { startFakePlatform, type FakePlatform } from "./testing/fake-platform.ts";
import { SimulatorRequestClient } from "./testing/simulator-request-client.ts";

const SECONDARY_PROFILE_POLICY = "RNdfbf3fae0e1107f8aded0e7cead80bf5";
const SHAKEN_STIR_POLICY = "RN7a97559effdf62d00f4298208492a5ea";

let sim: TwilioSimulator;
let platform: FakePlatform;
let account: Account;
let client: ReturnType<typeof twilio>;
let numberSid: string;

beforeAll(async () => {
  platform = await startFakePlatform();
  sim = await startTwilioSimulator();
  account = sim.addAccount();
  numberSid = String(sim.addNumber({ accountSid: account.accountSid, phoneNumber: "+14155550140" }).sid);
  client = twilio(account.accountSid, account.authToken, { httpClient: new SimulatorRequestClient(sim.url) });
});

afterAll(async () => {
  await sim.close();
  await platform.close();
});

const control = async (path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}/__control/${path}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

/** A secondary customer profile with its two end users and address document, ready to submit. */
async function compliantProfile(name: string) {
  const th = client.trusthub.v1;
  const profile = await th.customerProfiles.create({ friendlyName: name, email: "ops@acme.test", policySid: SECONDARY_PROFILE_POLICY, statusCallback: `${platform.url}/trust-hub/status` });
  const business = await th.endUsers.create({ friendlyName: `${name} business`, type: "customer_profile_business_information", attributes: { business_name: "Acme Dental LLC" } });
  const rep = await th.endUsers.create({ friendlyName: `${name} representative`, type: "authorized_representative_1", attributes: { first_name: "Ada", last_name: "Lovelace" } });
  const address = await client.addresses.create({ customerName: "Acme Dental LLC", street: "1 Main St", city: "Springfield", region: "IL", postalCode: "62701", isoCountry: "US", friendlyName: name });
  const doc = await th.supportingDocuments.create({ friendlyName: `${name} address`, type: "customer_profile_address", attributes: { address_sids: address.sid } });
  for (const sid of [business.sid, rep.sid, doc.sid]) await th.customerProfiles(profile.sid).customerProfilesEntityAssignments.create({ objectSid: sid });
  return profile;
}

describe("Trust Hub through twilio-node", () => {
  it("creates a profile, evaluates, submits it, and posts a signed callback for each status until approved", async () => {
    const th = client.trusthub.v1;
    const empty = await th.customerProfiles.create({ friendlyName: "empty", email: "ops@acme.test", policySid: SECONDARY_PROFILE_POLICY });
    const failing = await th.customerProfiles(empty.sid).customerProfilesEvaluations.create({ policySid: SECONDARY_PROFILE_POLICY });
    expect(failing.status).toBe("noncompliant");
    expect(failing.results.filter((r: { passed: boolean }) => !r.passed)).toHaveLength(3);

    const profile = await compliantProfile("Acme");
    expect(profile.sid).toMatch(/^BU[0-9a-f]{32}$/);
    expect(profile.status).toBe("draft");
    const evaluation = await th.customerProfiles(profile.sid).customerProfilesEvaluations.create({ policySid: SECONDARY_PROFILE_POLICY });
    expect(evaluation.status).toBe("compliant");
    expect((await th.customerProfiles(profile.sid).customerProfilesEntityAssignments.list()).map((a) => a.customerProfileSid)).toEqual([profile.sid, profile.sid, profile.sid]);

    const submitted = await th.customerProfiles(profile.sid).update({ status: "pending-review" });
    expect(submitted.status).toBe("pending-review");
    await platform.waitForRequest((r) => r.params.Status === "pending-review" && r.params.BundleSid === profile.sid);
    const decided = await control(`trust-hub/bundles/${profile.sid}/review`, { status: "twilio-approved" });
    expect(decided.json).toMatchObject({ status: "twilio-approved" });
    expect((await th.customerProfiles(profile.sid).fetch()).status).toBe("twilio-approved");
    expect((await th.customerProfiles.list({ status: "twilio-approved" })).map((p) => p.sid)).toEqual([profile.sid]);

    const callbacks = await platform.waitForRequest((r) => r.params.Status === "twilio-approved" && r.params.BundleSid === profile.sid);
    const statuses = platform.requests.filter((r) => r.params.BundleSid === profile.sid).map((r) => r.params.Status);
    expect(statuses).toEqual(["pending-review", "in-review", "twilio-approved"]);
    expect(callbacks.params).toEqual({ AccountSid: account.accountSid, BundleSid: profile.sid, Status: "twilio-approved" });
    expect(twilio.validateRequest(account.authToken, callbacks.headers["x-twilio-signature"] as string, callbacks.url, callbacks.params)).toBe(true);
  });

  it("a SHAKEN/STIR trust product takes an approved profile and the account's numbers", async () => {
    const th = client.trusthub.v1;
    const profile = await compliantProfile("Shaken");
    const product = await th.trustProducts.create({ friendlyName: "Shaken STIR", email: "ops@acme.test", policySid: SHAKEN_STIR_POLICY });
    // The profile is still a draft: the product cannot be submitted.
    await th.trustProducts(product.sid).trustProductsEntityAssignments.create({ objectSid: profile.sid });
    await expect(th.trustProducts(product.sid).update({ status: "pending-review" })).rejects.toMatchObject({ status: 400, code: 20001 });
    await th.customerProfiles(profile.sid).update({ status: "pending-review" });
    await control(`trust-hub/bundles/${profile.sid}/review`, { status: "twilio-approved" });
    expect((await th.trustProducts(product.sid).trustProductsEvaluations.create({ policySid: SHAKEN_STIR_POLICY })).status).toBe("compliant");
    const assignNumber = () => th.trustProducts(product.sid).trustProductsChannelEndpointAssignment.create({ channelEndpointType: "phone-number", channelEndpointSid: numberSid });
    // The number must be on the customer profile first.
    await expect(assignNumber()).rejects.toMatchObject({ code: 20001 });
    await th.customerProfiles(profile.sid).customerProfilesChannelEndpointAssignment.create({ channelEndpointType: "phone-number", channelEndpointSid: numberSid });
    const assignment = await assignNumber();
    expect(assignment).toMatchObject({ trustProductSid: product.sid, channelEndpointSid: numberSid, channelEndpointType: "phone-number" });
    expect(await th.trustProducts(product.sid).trustProductsChannelEndpointAssignment.list()).toHaveLength(1);
    expect((await th.trustProducts(product.sid).update({ status: "pending-review" })).status).toBe("pending-review");
  });

  it("enforces the documented errors: missing parameters, bad statuses and transitions, foreign objects", async () => {
    const th = client.trusthub.v1;
    const missing = await th.customerProfiles.create({ friendlyName: "x", email: "", policySid: SECONDARY_PROFILE_POLICY }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(twilio.RestException);
    expect(missing).toMatchObject({ status: 400, code: 20001, message: "Missing required parameter Email in the post body" });
    await expect(th.endUsers.create({ friendlyName: "no type", type: "" })).rejects.toMatchObject({ code: 20001 });
    await expect(th.supportingDocuments.create({ friendlyName: "nowhere", type: "customer_profile_address", attributes: { address_sids: "AD00000000000000000000000000000000" } })).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(client.addresses.create({ customerName: "x", street: "1 Main St", city: "c", region: "r", postalCode: "1", isoCountry: "USA" })).rejects.toMatchObject({ code: 20001 });
    await expect(th.customerProfiles.create({ friendlyName: "x", email: "a@b.test", policySid: SHAKEN_STIR_POLICY })).rejects.toMatchObject({ code: 20001 });

    const profile = await compliantProfile("Errors");
    await expect(th.customerProfiles(profile.sid).update({ status: "approved" as never })).rejects.toMatchObject({ code: 22203 });
    await expect(th.customerProfiles(profile.sid).update({ status: "pending-review", friendlyName: "renamed" })).rejects.toMatchObject({ code: 22204 });
    await expect(th.customerProfiles(profile.sid).update({ status: "twilio-approved" })).rejects.toMatchObject({ code: 20001, message: "Invalid status transition from draft to twilio-approved" });
    await th.customerProfiles(profile.sid).update({ status: "pending-review" });
    await expect(th.customerProfiles(profile.sid).update({ status: "pending-review" })).rejects.toMatchObject({ code: 20001 });
    const lateUser = await th.endUsers.create({ friendlyName: "late", type: "authorized_representative_2" });
    await expect(th.customerProfiles(profile.sid).customerProfilesEntityAssignments.create({ objectSid: lateUser.sid })).rejects.toMatchObject({ code: 20001 });
    await expect(th.customerProfiles(profile.sid).customerProfilesChannelEndpointAssignment.create({ channelEndpointType: "phone-number", channelEndpointSid: "PN00000000000000000000000000000000" })).rejects.toMatchObject({ status: 404, code: 20404 });

    // Only a reviewer moves a bundle on, and only forward.
    expect((await control(`trust-hub/bundles/${profile.sid}/review`, { status: "twilio-rejected", failureReason: "Address does not match" })).json.status).toBe("twilio-rejected");
    expect((await control(`trust-hub/bundles/${profile.sid}/review`, { status: "in-review" })).status).toBe(409);
    expect((await th.customerProfiles(profile.sid).fetch()).errors).toEqual([{ code: 22215, message: "Address does not match" }]);
    const rejected = await platform.waitForRequest((r) => r.params.BundleSid === profile.sid && r.params.Status === "twilio-rejected");
    expect(rejected.params.FailureReason).toBe("Address does not match");
    // A rejected profile may be fixed (its end users updated in place) and submitted again.
    const fixedUser = await th.endUsers(lateUser.sid).update({ attributes: { first_name: "Grace", last_name: "Hopper" } });
    expect(fixedUser).toMatchObject({ sid: lateUser.sid, friendlyName: "late", attributes: { first_name: "Grace", last_name: "Hopper" } });
    expect((await th.endUsers(lateUser.sid).fetch()).attributes).toEqual({ first_name: "Grace", last_name: "Hopper" });
    await expect(th.endUsers("IT00000000000000000000000000000000").update({ attributes: {} })).rejects.toMatchObject({ status: 404, code: 20404 });
    expect((await th.customerProfiles(profile.sid).update({ status: "pending-review" })).status).toBe("pending-review");

    const other = sim.addAccount();
    const stranger = twilio(other.accountSid, other.authToken, { httpClient: new SimulatorRequestClient(sim.url) });
    await expect(stranger.trusthub.v1.customerProfiles(profile.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    const forged = twilio(account.accountSid, "wrong-token", { httpClient: new SimulatorRequestClient(sim.url) });
    await expect(forged.trusthub.v1.customerProfiles.list()).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  it("updates an Address in place (a rejected profile's address fixed), its country excepted", async () => {
    const created = await client.addresses.create({ customerName: "Acme Dental LLC", street: "1 Main St", city: "Springfield", region: "IL", postalCode: "62701", isoCountry: "US", friendlyName: "moving" });
    const updated = await client.addresses(created.sid).update({ street: "9 Oak Ave", streetSecondary: "Suite 4", city: "Chicago", postalCode: "60601" });
    expect(updated).toMatchObject({ sid: created.sid, friendlyName: "moving", customerName: "Acme Dental LLC", street: "9 Oak Ave", streetSecondary: "Suite 4", city: "Chicago", region: "IL", postalCode: "60601", isoCountry: "US" });
    expect(await client.addresses(created.sid).fetch()).toMatchObject({ street: "9 Oak Ave", city: "Chicago", postalCode: "60601" });
    expect((await client.addresses(created.sid).update({ streetSecondary: "" })).streetSecondary).toBeNull();
    await expect(client.addresses(created.sid).update({ street: "" })).rejects.toMatchObject({ status: 400, code: 20001 });
    await expect(client.addresses("AD00000000000000000000000000000000").update({ city: "Nowhere" })).rejects.toMatchObject({ status: 404, code: 20404 });
    const other = sim.addAccount();
    const stranger = twilio(other.accountSid, other.authToken, { httpClient: new SimulatorRequestClient(sim.url) });
    await expect(stranger.addresses(created.sid).update({ city: "Elsewhere" })).rejects.toMatchObject({ status: 404, code: 20404 });
    expect((await client.addresses(created.sid).fetch()).city).toBe("Chicago");
  });

  it("deletes an Address no longer in use, and refuses (21625) one a document or a number's emergency address still uses", async () => {
    const address = (friendlyName: string, isoCountry: string) =>
      client.addresses.create({ customerName: "Acme Dental LLC", street: "1 Main St", city: "Springfield", region: "IL", postalCode: "62701", isoCountry, friendlyName });
    const [old, abroad] = [await address("old", "US"), await address("abroad", "CA")];
    const doc = await client.trusthub.v1.supportingDocuments.create({ friendlyName: "deleting", type: "customer_profile_address", attributes: { address_sids: old.sid } });
    await expect(client.addresses(old.sid).remove()).rejects.toMatchObject({ status: 400, code: 21625 });
    await client.trusthub.v1.supportingDocuments(doc.sid).update({ attributes: { address_sids: abroad.sid } });
    expect(await client.addresses(old.sid).remove()).toBe(true);
    await expect(client.addresses(old.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(client.addresses(old.sid).remove()).rejects.toMatchObject({ status: 404, code: 20404 });

    const emergency = await address("emergency", "US");
    expect((await client.incomingPhoneNumbers(numberSid).update({ emergencyAddressSid: emergency.sid })).emergencyAddressSid).toBe(emergency.sid);
    await expect(client.addresses(emergency.sid).remove()).rejects.toMatchObject({ status: 400, code: 21625 });
    await client.incomingPhoneNumbers(numberSid).update({ emergencyAddressSid: "" });
    expect(await client.addresses(emergency.sid).remove()).toBe(true);
    await expect(client.incomingPhoneNumbers(numberSid).update({ addressSid: emergency.sid })).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it("counts an account's resources for tests that prove a resumed run made no duplicates", async () => {
    const fresh = sim.addAccount();
    const own = twilio(fresh.accountSid, fresh.authToken, { httpClient: new SimulatorRequestClient(sim.url) });
    await own.trusthub.v1.endUsers.create({ friendlyName: "one", type: "authorized_representative_1" });
    const counts = await control(`trust-hub/resources?accountSid=${fresh.accountSid}`);
    expect(counts.json).toEqual({ customerProfiles: 0, trustProducts: 0, endUsers: 1, supportingDocuments: 0, entityAssignments: 0, channelEndpointAssignments: 0, evaluations: 0, addresses: 0 });
  });
});
