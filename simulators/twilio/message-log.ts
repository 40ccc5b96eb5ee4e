import { BackgroundWork } from "./background-work.ts";
import { newSid } from "./sids.ts";
import { rfc2822, rfc2822OrNull } from "./twilio-dates.ts";
import type { HttpMethod } from "./twiml.ts";
import { sendWebhook } from "./webhook-client.ts";

/** Where an outbound message is in Twilio's lifecycle; the simulator delivers every message it accepts. */
export type MessageStatus = "accepted" | "queued" | "sending" | "sent" | "delivered";

export interface SimulatedMessage {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  body: string;
  messagingServiceSid: string | null;
  status: MessageStatus;
  statusCallback: { url: string; method: HttpMethod } | null;
  createdAt: Date;
  sentAt: Date | null;
}

export type NewMessage = Pick<SimulatedMessage, "accountSid" | "from" | "to" | "body" | "messagingServiceSid" | "statusCallback">;

/** GSM-7 segments hold 160 characters (153 when concatenated); anything else is UCS-2 (70, 67 concatenated). */
function segments(body: string): number {
  const gsm = /^[\n\r\x20-\x7e£¥èéùìòÇØøÅå_ÆæßÉ¡ÄÖÑÜ§¿äöñüà]*$/.test(body);
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  const length = [...body].length;
  return length <= single ? 1 : Math.ceil(length / multi);
}

/** The Message resource's JSON, as the 2010-04-01 API returns it. */
export function messageResource(m: SimulatedMessage): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`;
  return {
    sid: m.sid,
    account_sid: m.accountSid,
    api_version: "2010-04-01",
    body: m.body,
    date_created: rfc2822(m.createdAt),
    date_updated: rfc2822(m.sentAt ?? m.createdAt),
    date_sent: rfc2822OrNull(m.sentAt),
    direction: "outbound-api",
    error_code: null,
    error_message: null,
    from: m.from,
    to: m.to,
    messaging_service_sid: m.messagingServiceSid,
    num_media: "0",
    num_segments: String(segments(m.body)),
    price: null,
    price_unit: "USD",
    status: m.status,
    subresource_uris: { media: uri.replace(/\.json$/, "/Media.json") },
    uri,
  };
}

/**
 * Every message sent through the simulated account system, oldest first. Delivery is immediate: the message moves
 * to `sent` then `delivered`, and each step is reported to its `StatusCallback`, signed with the account's token.
 */
export class MessageLog {
  readonly #messages: SimulatedMessage[] = [];
  readonly #callbacks = new BackgroundWork();

  all(): readonly SimulatedMessage[] {
    return this.#messages;
  }

  get(accountSid: string, sid: string): SimulatedMessage | undefined {
    return this.#messages.find((m) => m.sid === sid && m.accountSid === accountSid);
  }

  send(message: NewMessage, authToken: string, now = new Date()): SimulatedMessage {
    const created: SimulatedMessage = { ...message, sid: newSid("SM"), status: message.messagingServiceSid ? "accepted" : "queued", createdAt: now, sentAt: null };
    this.#messages.push(created);
    const answer = { ...created };
    // The REST answer shows the message as created; delivery happens after it, as on Twilio.
    queueMicrotask(() => this.#deliver(created, authToken));
    return answer;
  }

  /** Resolves once every status callback sent so far has been answered (or failed). */
  settle(timeoutMs = 5_000): Promise<void> {
    return this.#callbacks.settle(timeoutMs);
  }

  #deliver(message: SimulatedMessage, authToken: string): void {
    message.sentAt = new Date();
    const report = async () => {
      for (const status of ["sent", "delivered"] as const) {
        message.status = status;
        if (!message.statusCallback) continue;
        const { url, method } = message.statusCallback;
        await sendWebhook(url, method, { MessageSid: message.sid, SmsSid: message.sid, SmsStatus: status, MessageStatus: status, AccountSid: message.accountSid, From: message.from, To: message.to, ApiVersion: "2010-04-01" }, authToken);
      }
    };
    this.#callbacks.track(report());
  }
}
