import { readTwilioBody, twilioFailure, TwilioApiError } from "../../../shared/twilio/twilio-api-error.ts";
import { DEFAULT_RETRY_POLICY, withTwilioRetry, type RetrySafety } from "../../../shared/twilio/twilio-retry.ts";

/**
 * Twilio Trust Hub (`{TWILIO_TRUSTHUB_BASE_URL}/v1`) and the one api.twilio.com resource it needs (Addresses), with the
 * tenant's Account SID and auth token. Reads are retried on 429/5xx; creates only on 429, since Twilio has no
 * idempotency key: a create that may have happened is found by its friendly name on the next run instead.
 */
export type BundleCollection = "CustomerProfiles" | "TrustProducts";

export interface Bundle {
  sid: string;
  status: "draft" | "pending-review" | "in-review" | "twilio-rejected" | "twilio-approved";
  friendly_name: string;
  errors?: { code: number; message: string }[] | null;
}

interface Named {
  sid: string;
  friendly_name: string;
}

export interface TrustHubItem extends Named {
  attributes: Record<string, unknown>;
}

interface Page<T> {
  results: T[];
}

type Form = Record<string, string | undefined>;

/** An Address as Twilio answers it (api.twilio.com, 2010-04-01). */
export interface TwilioAddress extends Named {
  customer_name: string;
  street: string;
  street_secondary: string | null;
  city: string;
  region: string;
  postal_code: string;
  iso_country: string;
}

export interface AddressFields {
  customerName: string;
  street: string;
  streetSecondary?: string | undefined;
  city: string;
  region: string;
  postalCode: string;
  isoCountry: string;
}

const addressForm = (a: AddressFields): Form => ({ CustomerName: a.customerName, Street: a.street, StreetSecondary: a.streetSecondary, City: a.city, Region: a.region, PostalCode: a.postalCode });

/** Every list is read as one page of this size: an account holds a handful of Trust Hub resources. */
const PAGE_SIZE = 1000;

export interface TrustHubClientConfig {
  trustHubBaseUrl: string;
  apiBaseUrl: string;
  accountSid: string;
  authToken: string;
  /** Replaced in tests (a crash after Twilio acted). */
  fetcher?: typeof fetch;
}

export class TrustHubClient {
  readonly #trustHub: string;
  readonly #api: string;
  readonly #auth: string;
  readonly #fetch: typeof fetch;

  constructor(config: TrustHubClientConfig) {
    this.#trustHub = `${config.trustHubBaseUrl.replace(/\/+$/, "")}/v1`;
    this.#api = `${config.apiBaseUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${config.accountSid}`;
    this.#auth = `Basic ${btoa(`${config.accountSid}:${config.authToken}`)}`;
    // Wrapped: a bare `fetch` called as a method is an illegal invocation in workerd.
    this.#fetch = config.fetcher ?? ((input, init) => fetch(input, init));
  }

  async findBundle(collection: BundleCollection, friendlyName: string): Promise<Bundle | undefined> {
    const page = await this.#request<Page<Bundle>>("GET", `${this.#trustHub}/${collection}?${new URLSearchParams({ FriendlyName: friendlyName, PageSize: String(PAGE_SIZE) })}`, "idempotent");
    return page.results[0];
  }

  createBundle(collection: BundleCollection, form: { friendlyName: string; email: string; policySid: string; statusCallback: string }): Promise<Bundle> {
    return this.#request("POST", `${this.#trustHub}/${collection}`, "refused-only", { FriendlyName: form.friendlyName, Email: form.email, PolicySid: form.policySid, StatusCallback: form.statusCallback });
  }

  fetchBundle(collection: BundleCollection, sid: string): Promise<Bundle> {
    return this.#request("GET", `${this.#trustHub}/${collection}/${sid}`, "idempotent");
  }

  /** Submits for review. Repeating it is refused (the bundle is no longer a draft), never doubled. */
  submitBundle(collection: BundleCollection, sid: string): Promise<Bundle> {
    return this.#request("POST", `${this.#trustHub}/${collection}/${sid}`, "refused-only", { Status: "pending-review" });
  }

  async findItem(collection: "EndUsers" | "SupportingDocuments", friendlyName: string): Promise<TrustHubItem | undefined> {
    const page = await this.#request<Page<TrustHubItem>>("GET", `${this.#trustHub}/${collection}?PageSize=${PAGE_SIZE}`, "idempotent");
    return page.results.find((item) => item.friendly_name === friendlyName);
  }

  createItem(collection: "EndUsers" | "SupportingDocuments", form: { friendlyName: string; type: string; attributes: Record<string, unknown> }): Promise<Named> {
    return this.#request("POST", `${this.#trustHub}/${collection}`, "refused-only", { FriendlyName: form.friendlyName, Type: form.type, Attributes: JSON.stringify(form.attributes) });
  }

  /** Replaces an item's attributes: repeating it changes nothing more. */
  updateItem(collection: "EndUsers" | "SupportingDocuments", sid: string, attributes: Record<string, unknown>): Promise<TrustHubItem> {
    return this.#request("POST", `${this.#trustHub}/${collection}/${sid}`, "idempotent", { Attributes: JSON.stringify(attributes) });
  }

  async assignedObjects(collection: BundleCollection, sid: string): Promise<string[]> {
    const page = await this.#request<Page<{ object_sid: string }>>("GET", `${this.#trustHub}/${collection}/${sid}/EntityAssignments?PageSize=${PAGE_SIZE}`, "idempotent");
    return page.results.map((a) => a.object_sid);
  }

  assignObject(collection: BundleCollection, sid: string, objectSid: string): Promise<unknown> {
    return this.#request("POST", `${this.#trustHub}/${collection}/${sid}/EntityAssignments`, "refused-only", { ObjectSid: objectSid });
  }

  async assignedNumbers(collection: BundleCollection, sid: string): Promise<string[]> {
    const page = await this.#request<Page<{ channel_endpoint_sid: string }>>("GET", `${this.#trustHub}/${collection}/${sid}/ChannelEndpointAssignments?PageSize=${PAGE_SIZE}`, "idempotent");
    return page.results.map((a) => a.channel_endpoint_sid);
  }

  assignNumber(collection: BundleCollection, sid: string, numberSid: string): Promise<unknown> {
    return this.#request("POST", `${this.#trustHub}/${collection}/${sid}/ChannelEndpointAssignments`, "refused-only", { ChannelEndpointType: "phone-number", ChannelEndpointSid: numberSid });
  }

  /** Evaluating creates a record at Twilio but changes nothing else, so it is safe to repeat. */
  evaluate(collection: BundleCollection, sid: string, policySid: string): Promise<{ status: "compliant" | "noncompliant"; results: { passed: boolean; failure_reason: string }[] }> {
    return this.#request("POST", `${this.#trustHub}/${collection}/${sid}/Evaluations`, "idempotent", { PolicySid: policySid });
  }

  /** The Address of this name in this country: Twilio never moves an Address to another country. */
  async findAddress(friendlyName: string, isoCountry: string): Promise<TwilioAddress | undefined> {
    const page = await this.#request<{ addresses: TwilioAddress[] }>("GET", `${this.#api}/Addresses.json?${new URLSearchParams({ FriendlyName: friendlyName, IsoCountry: isoCountry, PageSize: "50" })}`, "idempotent");
    return page.addresses[0];
  }

  createAddress(friendlyName: string, address: AddressFields): Promise<TwilioAddress> {
    return this.#request("POST", `${this.#api}/Addresses.json`, "refused-only", { FriendlyName: friendlyName, ...addressForm(address), IsoCountry: address.isoCountry });
  }

  /**
   * Sets every field but the country, which Twilio keeps (an empty StreetSecondary clears a second line the fixed
   * address no longer has). Repeating it changes nothing more.
   */
  updateAddress(sid: string, address: AddressFields): Promise<TwilioAddress> {
    return this.#request("POST", `${this.#api}/Addresses/${sid}.json`, "idempotent", { ...addressForm(address), StreetSecondary: address.streetSecondary ?? "" });
  }

  /** Every Address of this name, whatever its country (an address moved abroad leaves one per country). */
  async addressesNamed(friendlyName: string): Promise<TwilioAddress[]> {
    const page = await this.#request<{ addresses: TwilioAddress[] }>("GET", `${this.#api}/Addresses.json?${new URLSearchParams({ FriendlyName: friendlyName, PageSize: "50" })}`, "idempotent");
    return page.addresses;
  }

  /**
   * Deletes an Address: null once it is gone (a 404 is a delete whose answer was lost), or Twilio's refusal (a 400:
   * the Address is still in use, by a number's emergency address or a document), for the caller to record and leave.
   */
  async deleteAddress(sid: string): Promise<TwilioApiError | null> {
    try {
      await this.#request("DELETE", `${this.#api}/Addresses/${sid}.json`, "idempotent");
      return null;
    } catch (error) {
      if (!(error instanceof TwilioApiError) || (error.status !== 400 && error.status !== 404)) throw error;
      return error.status === 400 ? error : null;
    }
  }

  #request<T>(method: "GET" | "POST" | "DELETE", url: string, safety: RetrySafety, form?: Form): Promise<T> {
    return withTwilioRetry(() => this.#attempt<T>(method, url, form), safety, DEFAULT_RETRY_POLICY);
  }

  async #attempt<T>(method: "GET" | "POST" | "DELETE", url: string, form?: Form): Promise<T> {
    const headers: Record<string, string> = { authorization: this.#auth, accept: "application/json" };
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(form)) if (value !== undefined) params.append(name, value);
      body = params.toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
    const res = await this.#fetch(url, { method, headers, body });
    const read = await readTwilioBody(res);
    if (!res.ok) throw twilioFailure(res, read, Date.now());
    return read.json as T;
  }
}
