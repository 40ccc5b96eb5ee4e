import type { Assignment, Bundle, ChannelEndpointAssignment, Evaluation, TrustHubItem } from "./trust-hub-state.ts";

/** The Addresses an address document names: its `address_sids`, one SID, a comma-separated list or an array. */
export function documentAddressSids(attributes: Record<string, unknown>): unknown[] {
  const raw = attributes.address_sids;
  return Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",").map((s) => s.trim()) : [];
}

/** Trust Hub resources as Twilio renders them (snake_case JSON, ISO 8601 dates, absolute URLs on trusthub.twilio.com). */
export const TRUSTHUB_ORIGIN = "https://trusthub.twilio.com";

export const collectionOf = (bundle: Pick<Bundle, "kind">) => (bundle.kind === "customer-profile" ? "CustomerProfiles" : "TrustProducts");
const parentKey = (bundle: Pick<Bundle, "kind">) => (bundle.kind === "customer-profile" ? "customer_profile_sid" : "trust_product_sid");

export function bundleJson(bundle: Bundle) {
  const url = `${TRUSTHUB_ORIGIN}/v1/${collectionOf(bundle)}/${bundle.sid}`;
  const links: Record<string, string> = {
    entity_assignments: `${url}/EntityAssignments`,
    evaluations: `${url}/Evaluations`,
    channel_endpoint_assignment: `${url}/ChannelEndpointAssignments`,
  };
  return {
    sid: bundle.sid,
    account_sid: bundle.accountSid,
    policy_sid: bundle.policySid,
    friendly_name: bundle.friendlyName,
    status: bundle.status,
    valid_until: null,
    email: bundle.email,
    status_callback: bundle.statusCallback,
    date_created: bundle.dateCreated.toISOString(),
    date_updated: bundle.dateUpdated.toISOString(),
    url,
    links,
    errors: bundle.errors.length > 0 ? bundle.errors : null,
  };
}

export function itemJson(collection: "EndUsers" | "SupportingDocuments", item: TrustHubItem) {
  return {
    sid: item.sid,
    account_sid: item.accountSid,
    friendly_name: item.friendlyName,
    type: item.type,
    attributes: item.attributes,
    ...(collection === "SupportingDocuments" ? { mime_type: null, status: "DRAFT" } : {}),
    date_created: item.dateCreated.toISOString(),
    date_updated: item.dateUpdated.toISOString(),
    url: `${TRUSTHUB_ORIGIN}/v1/${collection}/${item.sid}`,
  };
}

export const entityAssignmentJson = (bundle: Bundle, a: Assignment) => ({
  sid: a.sid,
  [parentKey(bundle)]: bundle.sid,
  account_sid: bundle.accountSid,
  object_sid: a.objectSid,
  date_created: a.dateCreated.toISOString(),
  url: `${TRUSTHUB_ORIGIN}/v1/${collectionOf(bundle)}/${bundle.sid}/EntityAssignments/${a.sid}`,
});

export const channelEndpointJson = (bundle: Bundle, a: ChannelEndpointAssignment) => ({
  sid: a.sid,
  [parentKey(bundle)]: bundle.sid,
  account_sid: bundle.accountSid,
  channel_endpoint_type: a.channelEndpointType,
  channel_endpoint_sid: a.channelEndpointSid,
  date_created: a.dateCreated.toISOString(),
  url: `${TRUSTHUB_ORIGIN}/v1/${collectionOf(bundle)}/${bundle.sid}/ChannelEndpointAssignments/${a.sid}`,
});

export const evaluationJson = (bundle: Bundle, e: Evaluation) => ({
  sid: e.sid,
  account_sid: bundle.accountSid,
  policy_sid: e.policySid,
  [parentKey(bundle)]: bundle.sid,
  status: e.status,
  results: e.results,
  date_created: e.dateCreated.toISOString(),
  url: `${TRUSTHUB_ORIGIN}/v1/${collectionOf(bundle)}/${bundle.sid}/Evaluations/${e.sid}`,
});

/** Trust Hub's page shape: `meta` names the list's key (`results`), as the helper libraries expect. */
export function trustHubPage(items: unknown[], path: string, query: URLSearchParams) {
  const pageSize = Math.min(Math.max(Number(query.get("PageSize") ?? 50) || 50, 1), 1000);
  const page = Math.max(Number(query.get("Page") ?? 0) || 0, 0);
  const start = page * pageSize;
  const url = (p: number) => `${TRUSTHUB_ORIGIN}${path}?PageSize=${pageSize}&Page=${p}`;
  return {
    status: 200,
    body: {
      results: items.slice(start, start + pageSize),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: url(0),
        previous_page_url: page > 0 ? url(page - 1) : null,
        url: url(page),
        next_page_url: start + pageSize < items.length ? url(page + 1) : null,
        key: "results",
      },
    },
  };
}
