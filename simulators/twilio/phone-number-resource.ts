import { formatNumber } from "./phone-numbers.ts";
import { newSid } from "./sids.ts";
import { rfc2822 } from "./twilio-dates.ts";
import type { HttpMethod } from "./twiml.ts";

/** The configurable part of an IncomingPhoneNumber (what `POST …/IncomingPhoneNumbers/{Sid}.json` changes). */
export interface PhoneNumberConfig {
  friendlyName: string;
  voiceUrl: string | null;
  voiceMethod: HttpMethod;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: HttpMethod;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  /** The Address meeting the number's address requirement, and its emergency (911) address: both keep it in use. */
  addressSid: string | null;
  emergencyAddressSid: string | null;
}

/** An owned number (`PN…`). Inbound calls to it fetch its VoiceUrl. */
export class PhoneNumberResource {
  readonly sid = newSid("PN");
  readonly accountSid: string;
  readonly phoneNumber: string;
  readonly dateCreated = new Date();
  dateUpdated = this.dateCreated;
  config: PhoneNumberConfig;

  constructor(accountSid: string, phoneNumber: string, config: Partial<PhoneNumberConfig> = {}) {
    this.accountSid = accountSid;
    this.phoneNumber = phoneNumber;
    this.config = {
      friendlyName: formatNumber(phoneNumber),
      voiceUrl: null,
      voiceMethod: "POST",
      voiceFallbackUrl: null,
      voiceFallbackMethod: "POST",
      statusCallback: null,
      statusCallbackMethod: "POST",
      addressSid: null,
      emergencyAddressSid: null,
      ...config,
    };
  }

  update(change: Partial<PhoneNumberConfig>): void {
    this.config = { ...this.config, ...change };
    this.dateUpdated = new Date();
  }

  get uri(): string {
    return `/2010-04-01/Accounts/${this.accountSid}/IncomingPhoneNumbers/${this.sid}.json`;
  }

  toJSON(): Record<string, unknown> {
    const c = this.config;
    return {
      sid: this.sid,
      account_sid: this.accountSid,
      friendly_name: c.friendlyName,
      phone_number: this.phoneNumber,
      voice_url: c.voiceUrl,
      voice_method: c.voiceMethod,
      voice_fallback_url: c.voiceFallbackUrl,
      voice_fallback_method: c.voiceFallbackMethod,
      voice_caller_id_lookup: false,
      voice_application_sid: null,
      status_callback: c.statusCallback,
      status_callback_method: c.statusCallbackMethod,
      sms_url: null,
      sms_method: "POST",
      sms_fallback_url: null,
      sms_fallback_method: "POST",
      sms_application_sid: null,
      trunk_sid: null,
      address_sid: c.addressSid,
      address_requirements: "none",
      beta: false,
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      emergency_status: "Inactive",
      emergency_address_sid: c.emergencyAddressSid,
      identity_sid: null,
      bundle_sid: null,
      origin: "twilio",
      status: "in-use",
      api_version: "2010-04-01",
      date_created: rfc2822(this.dateCreated),
      date_updated: rfc2822(this.dateUpdated),
      uri: this.uri,
      subresource_uris: { assigned_add_ons: this.uri.replace(/\.json$/, "/AssignedAddOns.json") },
    };
  }
}
