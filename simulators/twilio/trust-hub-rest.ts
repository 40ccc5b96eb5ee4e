import { Router, type IRequest } from "itty-router";
import { FormFields } from "./form-fields.ts";
import type { RestFault } from "./rest-faults.ts";
import { authenticate, faultResponse, type RestRequest, type RestResponse } from "./rest-router.ts";
import { newSid } from "./sids.ts";
import type { TwilioState } from "./simulator-state.ts";
import { bundleJson, channelEndpointJson, documentAddressSids, entityAssignmentJson, evaluationJson, itemJson, trustHubPage } from "./trust-hub-resources.ts";
import { changeStatus, deliver } from "./trust-hub-review.ts";
import { BUNDLE_STATUSES, isPolicySid, POLICIES, type Bundle, type BundleKind, type BundleStatus, type TrustHubItem } from "./trust-hub-state.ts";
import { TwilioApiError } from "./twilio-api-error.ts";

/**
 * Trust Hub REST (`/v1/…` on trusthub.twilio.com; the simulator serves it under `/trusthub`, so its base URL is
 * `<simulator>/trusthub`). HTTP Basic as on api.twilio.com, with no account in the path: the credentials name it.
 * Paths, parameters and shapes follow twilio-oai's twilio_trusthub_v1 spec.
 */
export const TRUSTHUB_PREFIX = "/trusthub";

interface TrustHubRequest extends IRequest {
  rest: RestRequest;
  accountSid: string;
  faultAfter?: RestFault;
  form: FormFields;
}

type Route = (req: TrustHubRequest, state: TwilioState) => RestResponse | Promise<RestResponse> | undefined;

const required = (form: FormFields, name: string): string => {
  const value = form.string(name);
  if (value === undefined || value === "") throw new TwilioApiError(20001, `Missing required parameter ${name} in the post body`);
  return value;
};

function attributes(form: FormFields): Record<string, unknown> {
  const raw = form.string("Attributes");
  if (raw === undefined || raw === "") return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new TwilioApiError(20001, "Attributes must be a JSON object");
}

const authorize: Route = (req, state) => {
  const decoded = Buffer.from(/^Basic\s+(\S+)$/i.exec(req.rest.authorization ?? "")?.[1] ?? "", "base64").toString("utf8");
  const accountSid = decoded.slice(0, Math.max(decoded.indexOf(":"), 0));
  authenticate(state, req.rest.authorization, accountSid);
  req.accountSid = accountSid;
  const fault = state.restFaults.take(accountSid);
  if (fault?.when === "after") req.faultAfter = fault;
  else if (fault) return faultResponse(fault);
  return undefined;
};

/** Only a draft (or a rejected bundle being fixed) may change what is assigned to it. */
function assertEditable(bundle: Bundle): void {
  if (bundle.status !== "draft" && bundle.status !== "twilio-rejected") throw new TwilioApiError(20001, `Bundle ${bundle.sid} is ${bundle.status}: its assignments cannot change until the review ends`);
}

function createBundle(kind: BundleKind, accountSid: string, form: FormFields, state: TwilioState): RestResponse {
  const friendlyName = required(form, "FriendlyName");
  const email = required(form, "Email");
  const policySid = required(form, "PolicySid");
  if (!isPolicySid(policySid) || POLICIES[policySid].kind !== kind) throw new TwilioApiError(20001, `PolicySid ${policySid} is not a ${kind} policy`);
  const statusCallback = form.url("StatusCallback", 21609) ?? null;
  return { status: 201, body: bundleJson(state.trustHub.createBundle(kind, accountSid, { policySid, friendlyName, email, statusCallback })) };
}

/** `Status=pending-review` submits a compliant draft; anything else about status is Twilio's to decide. */
async function updateBundle(bundle: Bundle, form: FormFields, state: TwilioState): Promise<RestResponse> {
  const status = form.string("Status");
  if (status !== undefined) {
    if (["FriendlyName", "Email", "StatusCallback"].some((f) => form.has(f))) throw new TwilioApiError(22204);
    if (!BUNDLE_STATUSES.includes(status as BundleStatus)) throw new TwilioApiError(22203, `Unable to parse bundle status '${status}'`);
    if (status !== "pending-review" || (bundle.status !== "draft" && bundle.status !== "twilio-rejected")) {
      throw new TwilioApiError(20001, `Invalid status transition from ${bundle.status} to ${status}`);
    }
    const evaluation = state.trustHub.evaluate(bundle);
    if (evaluation.status !== "compliant") throw new TwilioApiError(20001, `Bundle ${bundle.sid} is not compliant: ${evaluation.results.filter((r) => !r.passed).map((r) => r.failure_reason).join("; ")}`);
    const callback = await changeStatus(state, bundle, "pending-review");
    // Twilio posts the callback after answering; its delivery does not hold up the update (a failed delivery is
    // kept in the callback's result: sendWebhook does not reject).
    if (callback) void deliver(state, callback, bundle.accountSid);
    return { status: 200, body: bundleJson(bundle) };
  }
  const friendlyName = form.string("FriendlyName");
  if (friendlyName !== undefined) bundle.friendlyName = friendlyName;
  const email = form.string("Email");
  if (email !== undefined) bundle.email = email;
  if (form.has("StatusCallback")) bundle.statusCallback = form.url("StatusCallback", 21609) ?? null;
  bundle.dateUpdated = new Date();
  return { status: 200, body: bundleJson(bundle) };
}

/** An end user, a supporting document, or (for a trust product) a customer profile of the same account. */
function assignable(state: TwilioState, bundle: Bundle, objectSid: string): boolean {
  const owned = (o: TrustHubItem | Bundle | undefined) => o !== undefined && o.accountSid === bundle.accountSid;
  const profile = state.trustHub.bundles.get(objectSid);
  return owned(state.trustHub.endUsers.get(objectSid)) || owned(state.trustHub.supportingDocuments.get(objectSid)) || (bundle.kind === "trust-product" && profile?.kind === "customer-profile" && owned(profile));
}

function onAssignedProfile(state: TwilioState, product: Bundle, numberSid: string): boolean {
  return product.entityAssignments.some((a) => state.trustHub.bundles.get(a.objectSid)?.channelEndpointAssignments.some((c) => c.channelEndpointSid === numberSid));
}

function bundleRoutes(router: ReturnType<typeof Router<TrustHubRequest, [TwilioState], RestResponse>>, collection: "CustomerProfiles" | "TrustProducts", kind: BundleKind) {
  const bundle = (req: TrustHubRequest, state: TwilioState) => state.trustHub.bundleOf(req.accountSid, kind, req.params.sid!);
  router
    .post(`/${collection}`, ({ accountSid, form }, state) => createBundle(kind, accountSid, form, state))
    .get(`/${collection}`, ({ accountSid, rest }, state) => {
      const q = rest.query;
      const matches = (b: Bundle) => (["Status", "FriendlyName", "PolicySid"] as const).every((f) => !q.has(f) || q.get(f) === { Status: b.status, FriendlyName: b.friendlyName, PolicySid: b.policySid }[f]);
      return trustHubPage(state.trustHub.bundlesOf(accountSid, kind).filter(matches).map(bundleJson), rest.path.slice(TRUSTHUB_PREFIX.length), q);
    })
    .get(`/${collection}/:sid`, (req, state) => ({ status: 200, body: bundleJson(bundle(req, state)) }))
    .post(`/${collection}/:sid`, (req, state) => updateBundle(bundle(req, state), req.form, state))
    .post(`/${collection}/:sid/EntityAssignments`, (req, state) => {
      const b = bundle(req, state);
      const objectSid = required(req.form, "ObjectSid");
      if (!assignable(state, b, objectSid)) throw new TwilioApiError(20404, `ObjectSid ${objectSid} was not found`);
      assertEditable(b);
      if (b.entityAssignments.some((a) => a.objectSid === objectSid)) throw new TwilioApiError(20001, `${objectSid} is already assigned to ${b.sid}`);
      const assignment = { sid: newSid("BV"), objectSid, dateCreated: new Date() };
      b.entityAssignments.push(assignment);
      return { status: 201, body: entityAssignmentJson(b, assignment) };
    })
    .get(`/${collection}/:sid/EntityAssignments`, (req, state) => {
      const b = bundle(req, state);
      return trustHubPage(b.entityAssignments.map((a) => entityAssignmentJson(b, a)), req.rest.path.slice(TRUSTHUB_PREFIX.length), req.rest.query);
    })
    .post(`/${collection}/:sid/ChannelEndpointAssignments`, (req, state) => {
      const b = bundle(req, state);
      const channelEndpointType = required(req.form, "ChannelEndpointType");
      const channelEndpointSid = required(req.form, "ChannelEndpointSid");
      if (channelEndpointType !== "phone-number") throw new TwilioApiError(20001, `ChannelEndpointType '${channelEndpointType}' is not supported`);
      const number = state.numbers.get(channelEndpointSid);
      if (!number || number.accountSid !== b.accountSid) throw new TwilioApiError(20404, `ChannelEndpointSid ${channelEndpointSid} was not found`);
      // Twilio's SHAKEN/STIR onboarding: a number joins a trust product only once it is on the product's customer profile.
      if (b.kind === "trust-product" && !onAssignedProfile(state, b, channelEndpointSid)) throw new TwilioApiError(20001, `${channelEndpointSid} must first be assigned to the trust product's customer profile`);
      if (b.channelEndpointAssignments.some((a) => a.channelEndpointSid === channelEndpointSid)) throw new TwilioApiError(20001, `${channelEndpointSid} is already assigned to ${b.sid}`);
      const assignment = { sid: newSid("RA"), channelEndpointType, channelEndpointSid, dateCreated: new Date() };
      b.channelEndpointAssignments.push(assignment);
      return { status: 201, body: channelEndpointJson(b, assignment) };
    })
    .get(`/${collection}/:sid/ChannelEndpointAssignments`, (req, state) => {
      const b = bundle(req, state);
      const only = req.rest.query.get("ChannelEndpointSid");
      const items = b.channelEndpointAssignments.filter((a) => only === null || a.channelEndpointSid === only);
      return trustHubPage(items.map((a) => channelEndpointJson(b, a)), req.rest.path.slice(TRUSTHUB_PREFIX.length), req.rest.query);
    })
    .post(`/${collection}/:sid/Evaluations`, (req, state) => {
      const b = bundle(req, state);
      const policySid = required(req.form, "PolicySid");
      if (policySid !== b.policySid) throw new TwilioApiError(20001, `PolicySid ${policySid} is not the bundle's policy`);
      const evaluation = state.trustHub.evaluate(b);
      b.evaluations.push(evaluation);
      return { status: 201, body: evaluationJson(b, evaluation) };
    })
    .get(`/${collection}/:sid/Evaluations`, (req, state) => {
      const b = bundle(req, state);
      return trustHubPage(b.evaluations.map((e) => evaluationJson(b, e)), req.rest.path.slice(TRUSTHUB_PREFIX.length), req.rest.query);
    });
}

/** A `customer_profile_address` document names the account's addresses (`address_sids`, one SID or a list). */
function checkAddresses(state: TwilioState, accountSid: string, attrs: Record<string, unknown>): void {
  const sids = documentAddressSids(attrs);
  if (sids.length === 0) throw new TwilioApiError(20001, "Attributes.address_sids is required for a customer_profile_address document");
  for (const sid of sids) {
    const address = typeof sid === "string" ? state.addresses.get(sid) : undefined;
    if (!address || address.accountSid !== accountSid) throw new TwilioApiError(20404, `Address ${String(sid)} was not found`);
  }
}

function itemRoutes(router: ReturnType<typeof Router<TrustHubRequest, [TwilioState], RestResponse>>, collection: "EndUsers" | "SupportingDocuments") {
  const map = (state: TwilioState) => (collection === "EndUsers" ? state.trustHub.endUsers : state.trustHub.supportingDocuments);
  router
    .post(`/${collection}`, ({ accountSid, form }, state) => {
      const fields = { friendlyName: required(form, "FriendlyName"), type: required(form, "Type"), attributes: attributes(form) };
      if (collection === "SupportingDocuments" && fields.type === "customer_profile_address") checkAddresses(state, accountSid, fields.attributes);
      return { status: 201, body: itemJson(collection, state.trustHub.createItem(map(state), collection === "EndUsers" ? "IT" : "RD", accountSid, fields)) };
    })
    .get(`/${collection}`, ({ accountSid, rest }, state) => {
      const items = [...map(state).values()].filter((i) => i.accountSid === accountSid);
      return trustHubPage(items.map((i) => itemJson(collection, i)), rest.path.slice(TRUSTHUB_PREFIX.length), rest.query);
    })
    .get(`/${collection}/:sid`, ({ accountSid, params }, state) => ({ status: 200, body: itemJson(collection, state.trustHub.itemOf(map(state), accountSid, params.sid!)) }))
    // Twilio's update: a new FriendlyName and/or Attributes (replaced whole), as a rejected bundle's details are fixed.
    .post(`/${collection}/:sid`, ({ accountSid, params, form }, state) => {
      const item = state.trustHub.itemOf(map(state), accountSid, params.sid!);
      const friendlyName = form.string("FriendlyName");
      if (form.string("Attributes") !== undefined) {
        const next = attributes(form);
        if (collection === "SupportingDocuments" && item.type === "customer_profile_address") checkAddresses(state, accountSid, next);
        item.attributes = next;
      }
      if (friendlyName) item.friendlyName = friendlyName;
      item.dateUpdated = new Date();
      return { status: 200, body: itemJson(collection, item) };
    });
}

const router = Router<TrustHubRequest, [TwilioState], RestResponse>({
  base: `${TRUSTHUB_PREFIX}/v1`,
  finally: [(response: RestResponse | undefined, req: TrustHubRequest) => (req.faultAfter ? faultResponse(req.faultAfter) : response)],
});
router.all("*", authorize);
bundleRoutes(router, "CustomerProfiles", "customer-profile");
bundleRoutes(router, "TrustProducts", "trust-product");
itemRoutes(router, "EndUsers");
itemRoutes(router, "SupportingDocuments");

export async function handleTrustHubRequest(state: TwilioState, rest: RestRequest): Promise<RestResponse> {
  try {
    const request = { method: rest.method, url: `http://trusthub.twilio.test${rest.path}?${rest.query}`, rest, form: new FormFields(new URLSearchParams(rest.body)) };
    const response = await router.fetch(request, state);
    if (response) return response;
    throw new TwilioApiError(20404, `The requested resource ${rest.path.slice(TRUSTHUB_PREFIX.length)} was not found`);
  } catch (err) {
    if (err instanceof TwilioApiError) {
      const headers: Record<string, string> = err.status === 401 ? { "WWW-Authenticate": 'Basic realm="Twilio API"' } : {};
      return { status: err.status, body: err.toJSON(), headers };
    }
    throw err;
  }
}
