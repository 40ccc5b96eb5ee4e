import type { CallDirection, CallStatus } from "./call-recording.ts";
import type { WebhookParams } from "./webhook-client.ts";

interface CallIdentity {
  sid: string;
  accountSid: string;
  direction: CallDirection;
  from: string;
  to: string;
  status: CallStatus;
}

/** Geographic fields Twilio adds for phone numbers (empty where the simulator has no data; none for SIP/client). */
function geo(prefix: "From" | "To" | "Caller" | "Called", address: string): WebhookParams {
  if (!address.startsWith("+")) return {};
  const country = address.startsWith("+1") ? "US" : "";
  return { [`${prefix}City`]: "", [`${prefix}State`]: "", [`${prefix}Zip`]: "", [`${prefix}Country`]: country };
}

/** The parameters Twilio sends with every voice request about a call (voice URL, actions, status callbacks). */
export function callParams(call: CallIdentity): WebhookParams {
  return {
    AccountSid: call.accountSid,
    ApiVersion: "2010-04-01",
    CallSid: call.sid,
    CallStatus: call.status,
    Direction: call.direction,
    From: call.from,
    To: call.to,
    Caller: call.from,
    Called: call.to,
    ...geo("From", call.from),
    ...geo("To", call.to),
    ...geo("Caller", call.from),
    ...geo("Called", call.to),
  };
}
