import type { FormFields } from "./form-fields.ts";
import type { PhoneNumberConfig, PhoneNumberResource } from "./phone-number-resource.ts";
import { isE164, searchAvailableNumbers } from "./phone-numbers.ts";
import type { TwilioState } from "./simulator-state.ts";
import { TwilioApiError } from "./twilio-api-error.ts";

const SUPPORTED_COUNTRIES = new Set(["US", "CA"]);

function ownedSet(state: TwilioState): Set<string> {
  return new Set([...state.numbers.values()].map((n) => n.phoneNumber));
}

export function searchLocal(state: TwilioState, accountSid: string, country: string, query: FormFields) {
  if (!SUPPORTED_COUNTRIES.has(country)) throw new TwilioApiError(20404, `Country ${country} has no simulated inventory`);
  const areaCode = query.string("AreaCode");
  if (areaCode !== undefined && !/^[2-9]\d{2}$/.test(areaCode)) throw new TwilioApiError(20001, "AreaCode must be a 3-digit NANP area code");
  const contains = query.string("Contains");
  if (contains !== undefined && !/^[\d*]{2,}$/.test(contains)) throw new TwilioApiError(20001, "Contains must be at least two digits or '*'");
  const limit = query.integer("PageSize", 30, 1, 1000);
  const found = searchAvailableNumbers({ country, limit, owned: ownedSet(state), ...(areaCode ? { areaCode } : {}), ...(contains ? { contains } : {}) });
  return {
    status: 200,
    body: { uri: `/2010-04-01/Accounts/${accountSid}/AvailablePhoneNumbers/${country}/Local.json`, available_phone_numbers: found },
  };
}

/** The settable fields of an IncomingPhoneNumber, from a create or update form. */
function configFrom(form: FormFields): Partial<PhoneNumberConfig> {
  const config: Partial<PhoneNumberConfig> = {};
  const friendlyName = form.string("FriendlyName");
  if (friendlyName !== undefined) config.friendlyName = friendlyName;
  if (form.has("VoiceUrl")) config.voiceUrl = form.url("VoiceUrl", 21402) ?? null;
  if (form.has("VoiceMethod")) config.voiceMethod = form.method("VoiceMethod");
  if (form.has("VoiceFallbackUrl")) config.voiceFallbackUrl = form.url("VoiceFallbackUrl", 21402) ?? null;
  if (form.has("VoiceFallbackMethod")) config.voiceFallbackMethod = form.method("VoiceFallbackMethod");
  if (form.has("StatusCallback")) config.statusCallback = form.url("StatusCallback", 21609) ?? null;
  if (form.has("StatusCallbackMethod")) config.statusCallbackMethod = form.method("StatusCallbackMethod");
  // An empty value detaches the Address.
  if (form.has("AddressSid")) config.addressSid = form.string("AddressSid") || null;
  if (form.has("EmergencyAddressSid")) config.emergencyAddressSid = form.string("EmergencyAddressSid") || null;
  return config;
}

/** A number's Address and emergency address must be Addresses of its account. */
function withKnownAddresses(state: TwilioState, accountSid: string, config: Partial<PhoneNumberConfig>): Partial<PhoneNumberConfig> {
  for (const sid of [config.addressSid, config.emergencyAddressSid]) {
    if (sid && state.addresses.get(sid)?.accountSid !== accountSid) throw new TwilioApiError(20404, `Address ${sid} was not found`);
  }
  return config;
}

/** Buys `PhoneNumber`, or the first available number in `AreaCode`. */
export function buyNumber(state: TwilioState, accountSid: string, form: FormFields) {
  const config = withKnownAddresses(state, accountSid, configFrom(form));
  let phoneNumber = form.string("PhoneNumber")?.trim();
  if (phoneNumber === undefined || phoneNumber === "") {
    const areaCode = form.string("AreaCode");
    if (!areaCode) throw new TwilioApiError(20001, "A 'PhoneNumber' or 'AreaCode' parameter is required");
    const [first] = searchAvailableNumbers({ country: "US", areaCode, limit: 1, owned: ownedSet(state) });
    if (!first) throw new TwilioApiError(21452);
    phoneNumber = first.phone_number;
  }
  if (!isE164(phoneNumber)) throw new TwilioApiError(21421, `PhoneNumber '${phoneNumber}' is invalid`);
  const number = state.addNumber(accountSid, phoneNumber, config);
  return { status: 201, body: number.toJSON() };
}

export function numberOf(state: TwilioState, accountSid: string, sid: string): PhoneNumberResource {
  const number = state.numbers.get(sid);
  if (!number || number.accountSid !== accountSid) throw new TwilioApiError(20404, `IncomingPhoneNumber ${sid} not found`);
  return number;
}

export function listNumbers(state: TwilioState, accountSid: string, query: FormFields) {
  const phoneNumber = query.string("PhoneNumber");
  const friendlyName = query.string("FriendlyName");
  return state
    .numbersOf(accountSid)
    .filter((n) => (phoneNumber === undefined || n.phoneNumber.includes(phoneNumber)) && (friendlyName === undefined || n.config.friendlyName === friendlyName))
    .map((n) => n.toJSON());
}

export function updateNumber(state: TwilioState, accountSid: string, sid: string, form: FormFields) {
  const number = numberOf(state, accountSid, sid);
  number.update(withKnownAddresses(state, accountSid, configFrom(form)));
  return { status: 200, body: number.toJSON() };
}

export function releaseNumber(state: TwilioState, accountSid: string, sid: string) {
  numberOf(state, accountSid, sid);
  state.numbers.delete(sid);
  return { status: 204, body: null };
}
