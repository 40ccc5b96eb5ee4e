import type { FormFields } from "./form-fields.ts";
import { documentAddressSids } from "./trust-hub-resources.ts";
import { newSid } from "./sids.ts";
import type { TwilioState } from "./simulator-state.ts";
import { rfc2822 } from "./twilio-dates.ts";
import { TwilioApiError } from "./twilio-api-error.ts";

/** An account's postal address (`AD…`): Trust Hub's `customer_profile_address` document points at one. */
export interface Address {
  sid: string;
  accountSid: string;
  friendlyName: string;
  customerName: string;
  street: string;
  streetSecondary: string | null;
  city: string;
  region: string;
  postalCode: string;
  isoCountry: string;
  dateCreated: Date;
  dateUpdated: Date;
}

const REQUIRED = ["CustomerName", "Street", "City", "Region", "PostalCode", "IsoCountry"] as const;

export const addressJson = (a: Address) => ({
  sid: a.sid,
  account_sid: a.accountSid,
  friendly_name: a.friendlyName,
  customer_name: a.customerName,
  street: a.street,
  street_secondary: a.streetSecondary,
  city: a.city,
  region: a.region,
  postal_code: a.postalCode,
  iso_country: a.isoCountry,
  emergency_enabled: false,
  validated: false,
  verified: false,
  date_created: rfc2822(a.dateCreated),
  date_updated: rfc2822(a.dateUpdated),
  uri: `/2010-04-01/Accounts/${a.accountSid}/Addresses/${a.sid}.json`,
});

export function createAddress(state: TwilioState, accountSid: string, form: FormFields) {
  const value = (name: (typeof REQUIRED)[number]) => {
    const v = form.string(name);
    if (v === undefined || v === "") throw new TwilioApiError(20001, `Missing required parameter ${name} in the post body`);
    return v;
  };
  const isoCountry = value("IsoCountry");
  if (!/^[A-Z]{2}$/.test(isoCountry)) throw new TwilioApiError(20001, `IsoCountry '${isoCountry}' is not an ISO 3166-1 alpha-2 code`);
  const address: Address = {
    sid: newSid("AD"),
    accountSid,
    customerName: value("CustomerName"),
    street: value("Street"),
    streetSecondary: form.string("StreetSecondary") ?? null,
    city: value("City"),
    region: value("Region"),
    postalCode: value("PostalCode"),
    isoCountry,
    friendlyName: form.string("FriendlyName") ?? "",
    dateCreated: new Date(),
    dateUpdated: new Date(),
  };
  state.addresses.set(address.sid, address);
  return { status: 201, body: addressJson(address) };
}

export function listAddresses(state: TwilioState, accountSid: string, query: FormFields) {
  const filters = { customerName: query.string("CustomerName"), friendlyName: query.string("FriendlyName"), isoCountry: query.string("IsoCountry") };
  return [...state.addresses.values()]
    .filter((a) => a.accountSid === accountSid)
    .filter((a) => (filters.customerName === undefined || a.customerName.includes(filters.customerName)) && (filters.friendlyName === undefined || a.friendlyName === filters.friendlyName) && (filters.isoCountry === undefined || a.isoCountry === filters.isoCountry))
    .map(addressJson);
}

function addressOf(state: TwilioState, accountSid: string, sid: string): Address {
  const address = state.addresses.get(sid);
  if (!address || address.accountSid !== accountSid) throw new TwilioApiError(20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Addresses/${sid}.json was not found`);
  return address;
}

export const fetchAddress = (state: TwilioState, accountSid: string, sid: string) => ({ status: 200, body: addressJson(addressOf(state, accountSid, sid)) });

/** The fields an update may change (Twilio's Address update); a required one may not be emptied. */
const UPDATABLE = [
  ["FriendlyName", "friendlyName", false],
  ["CustomerName", "customerName", true],
  ["Street", "street", true],
  ["StreetSecondary", "streetSecondary", false],
  ["City", "city", true],
  ["Region", "region", true],
  ["PostalCode", "postalCode", true],
] as const;

/**
 * Updates the fields given. IsoCountry is not among Twilio's update parameters and, like any field Twilio does not
 * know, is ignored: an address in another country is a new Address. An empty StreetSecondary clears it.
 */
export function updateAddress(state: TwilioState, accountSid: string, sid: string, form: FormFields) {
  const address = addressOf(state, accountSid, sid);
  const next = { ...address };
  for (const [name, key, required] of UPDATABLE) {
    const value = form.string(name);
    if (value === undefined) continue;
    if (required && value === "") throw new TwilioApiError(20001, `${name} may not be empty`);
    if (key === "streetSecondary") next.streetSecondary = value === "" ? null : value;
    else next[key] = value;
  }
  const updated: Address = { ...next, dateUpdated: new Date() };
  state.addresses.set(sid, updated);
  return { status: 200, body: addressJson(updated) };
}

/** What keeps an Address in use: a number's Address or emergency address, or a Trust Hub document naming it. */
function addressUser(state: TwilioState, address: Address): string | undefined {
  for (const number of state.numbersOf(address.accountSid)) {
    if (number.config.addressSid === address.sid) return `phone number ${number.sid}`;
    if (number.config.emergencyAddressSid === address.sid) return `phone number ${number.sid} as its emergency address`;
  }
  for (const doc of state.trustHub.supportingDocuments.values()) {
    if (doc.accountSid === address.accountSid && documentAddressSids(doc.attributes).includes(address.sid)) return `supporting document ${doc.sid}`;
  }
  return undefined;
}

/** Twilio refuses to delete an Address still in use (21625); the caller detaches it first. */
export function deleteAddress(state: TwilioState, accountSid: string, sid: string) {
  const address = addressOf(state, accountSid, sid);
  const user = addressUser(state, address);
  if (user) throw new TwilioApiError(21625, `Address ${sid} is in use by ${user} and cannot be deleted`);
  state.addresses.delete(sid);
  return { status: 204, body: null };
}
