import type { UtteranceRegistry } from "../common/utterance-registry.ts";
import type { SimulatedCall } from "./call.ts";
import { parseCallerScript, type CallerScript } from "./caller-script.ts";
import { ConferenceRegistry } from "./conference.ts";
import { MessageLog } from "./message-log.ts";
import type { TwilioNetwork } from "./network-conditions.ts";
import type { Address } from "./rest-addresses.ts";
import { RestFaults } from "./rest-faults.ts";
import { TrustHubState } from "./trust-hub-state.ts";
import { PhoneNumberResource, type PhoneNumberConfig } from "./phone-number-resource.ts";
import type { SpeechSynthesizer } from "./script-runner.ts";
import { newSid } from "./sids.ts";
import { TWILIO_ERRORS, TwilioApiError, type TwilioErrorCode } from "./twilio-api-error.ts";

export interface Account {
  accountSid: string;
  authToken: string;
}

export interface StateOptions {
  speed: number;
  /** Twilio's side of the network (webhook delay, media transit, drops) for every call of this simulator. */
  network: TwilioNetwork;
  registry?: UtteranceRegistry | undefined;
  synthesize?: SpeechSynthesizer | undefined;
}

/** Everything the simulated Twilio account system holds: accounts, owned numbers, calls, conferences, and who answers where. */
export class TwilioState {
  readonly options: StateOptions;
  readonly accounts = new Map<string, Account>();
  readonly numbers = new Map<string, PhoneNumberResource>();
  readonly calls = new Map<string, SimulatedCall>();
  readonly conferences = new ConferenceRegistry();
  readonly messages = new MessageLog();
  readonly restFaults = new RestFaults();
  readonly trustHub = new TrustHubState();
  readonly addresses = new Map<string, Address>();
  readonly #callees = new Map<string, CallerScript>();
  readonly #refused = new Map<string, TwilioErrorCode>();

  constructor(options: StateOptions) {
    this.options = options;
  }

  addAccount(account: Partial<Account> = {}): Account {
    const accountSid = account.accountSid ?? newSid("AC");
    if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) throw new RangeError(`accountSid must be AC + 32 hex digits: ${accountSid}`);
    const authToken = account.authToken ?? crypto.randomUUID().replace(/-/g, "");
    const created = { accountSid, authToken };
    this.accounts.set(accountSid, created);
    return created;
  }

  numberByPhone(phoneNumber: string): PhoneNumberResource | undefined {
    for (const number of this.numbers.values()) if (number.phoneNumber === phoneNumber) return number;
    return undefined;
  }

  numbersOf(accountSid: string): PhoneNumberResource[] {
    return [...this.numbers.values()].filter((n) => n.accountSid === accountSid);
  }

  /** Provisions `phoneNumber` on the account; 21422 if another number record already holds it. */
  addNumber(accountSid: string, phoneNumber: string, config: Partial<PhoneNumberConfig> = {}): PhoneNumberResource {
    if (!this.accounts.has(accountSid)) throw new TwilioApiError(20404, `Account ${accountSid} not found`);
    if (this.numberByPhone(phoneNumber)) throw new TwilioApiError(21422);
    const number = new PhoneNumberResource(accountSid, phoneNumber, config);
    this.numbers.set(number.sid, number);
    return number;
  }

  /** The script that answers outbound calls placed to `to` (a silent human by default). */
  setCalleeScript(to: string, script: unknown): CallerScript {
    const parsed = parseCallerScript(script);
    this.#callees.set(to, parsed);
    return parsed;
  }

  calleeScript(to: string): CallerScript {
    return this.#callees.get(to) ?? parseCallerScript({});
  }

  /** REST calls to `to` are refused with `code`, as Twilio refuses a number it will not dial (tests of error paths). */
  refuseCallsTo(to: string, code: TwilioErrorCode = 21211): void {
    this.#refused.set(to, code);
  }

  /** Throws the error Twilio answers a call to `to` with, if it refuses that number. */
  checkDestination(to: string): void {
    const code = this.#refused.get(to);
    if (code) throw new TwilioApiError(code, `${TWILIO_ERRORS[code].message}: ${to}`);
  }

  callOf(accountSid: string, callSid: string): SimulatedCall {
    const call = this.calls.get(callSid);
    if (!call || call.accountSid !== accountSid) throw new TwilioApiError(20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Calls/${callSid}.json was not found`);
    return call;
  }
}
