import type { FormFields } from "./form-fields.ts";
import { messageResource } from "./message-log.ts";
import { isE164 } from "./phone-numbers.ts";
import { isSid } from "./sids.ts";
import type { TwilioState } from "./simulator-state.ts";
import { TwilioApiError } from "./twilio-api-error.ts";

const MAX_BODY_CHARS = 1600;

/**
 * `POST /Accounts/{sid}/Messages.json`: `To`, `From` or `MessagingServiceSid`, `Body`, optional `StatusCallback`.
 * Checked in Twilio's order and with its codes; a Messaging Service sends from the account's first number (the
 * simulator keeps no sender pools).
 */
export function createMessage(state: TwilioState, accountSid: string, form: FormFields) {
  const to = form.string("To")?.trim();
  if (!to) throw new TwilioApiError(21604);
  if (!isE164(to)) throw new TwilioApiError(21211, `Invalid 'To' Phone Number: ${to}`);
  const serviceSid = form.string("MessagingServiceSid")?.trim() || null;
  if (serviceSid && !isSid("MG", serviceSid)) throw new TwilioApiError(21705, `The Messaging Service ${serviceSid} is invalid`);
  const from = form.string("From")?.trim() || (serviceSid ? state.numbersOf(accountSid)[0]?.phoneNumber : undefined);
  if (!from) throw new TwilioApiError(serviceSid ? 21606 : 21603);
  if (state.numberByPhone(from)?.accountSid !== accountSid) throw new TwilioApiError(21606, `The 'From' number ${from} is not a valid message-capable Twilio phone number for this account`);
  const body = form.string("Body") ?? "";
  if (body === "") throw new TwilioApiError(21602);
  if ([...body].length > MAX_BODY_CHARS) throw new TwilioApiError(21617);
  const callbackUrl = form.url("StatusCallback", 21609);
  const statusCallback = callbackUrl ? { url: callbackUrl, method: form.method("StatusCallbackMethod") } : null;
  const message = state.messages.send({ accountSid, from, to, body, messagingServiceSid: serviceSid, statusCallback }, state.accounts.get(accountSid)!.authToken);
  return { status: 201, body: messageResource(message) };
}

/** The account's messages, newest first, optionally filtered by `To` and `From`. */
export function listMessages(state: TwilioState, accountSid: string, fields: FormFields) {
  const to = fields.string("To");
  const from = fields.string("From");
  return state.messages
    .all()
    .filter((m) => m.accountSid === accountSid && (!to || m.to === to) && (!from || m.from === from))
    .reverse()
    .map(messageResource);
}

export function fetchMessage(state: TwilioState, accountSid: string, sid: string) {
  const message = state.messages.get(accountSid, sid);
  if (!message) throw new TwilioApiError(20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Messages/${sid}.json was not found`);
  return { status: 200, body: messageResource(message) };
}
