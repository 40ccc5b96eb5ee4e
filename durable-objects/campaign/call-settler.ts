import { outcomeOfTwilioCall } from "../../shared/campaigns/retry-decision.ts";
import { callRecordsDbOf, callSession } from "../../shared/residency/residency.ts";
import type { TwilioClient } from "../../shared/twilio/twilio-client.ts";
import type { MetaStore } from "./campaign-meta.ts";
import type { ContactOutcomes } from "./contact-outcomes.ts";
import type { AttemptRow, ContactStore } from "./contact-store.ts";

/** How long an intent with no call found at Twilio waits before it is `uncertain` (a call may not have started yet). */
export const RECONCILE_GRACE_MS = 10 * 60_000;
/** Allowance between our clock and Twilio's when matching a found call to an intent. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Settles the campaign's dials. A placed call is read from Twilio until it has a final status (the same outcome the
 * status callback delivers; finalising the call's object is idempotent, so a lost callback cannot keep a slot). An
 * intent left by a crash between persisting it and Twilio's answer is looked up in Twilio's call list by `To` and
 * `StartTime`: a call found is adopted; none found within the grace is `uncertain` and never dialled again.
 */
export class CallSettler {
  constructor(
    private readonly env: Env,
    private readonly contacts: ContactStore,
    private readonly meta: MetaStore,
    private readonly outcomes: ContactOutcomes,
    /** Intents whose dial is under way in this instance: not orphans. */
    private readonly dialing: ReadonlySet<string>,
  ) {}

  async settle(twilio: TwilioClient, now: number): Promise<void> {
    const attempts = this.contacts.inFlight().filter((a) => !this.dialing.has(a.call_id));
    await Promise.all(attempts.map((a) => (a.status === "intent" ? this.#reconcile(twilio, a, now) : this.#poll(twilio, a, now)).catch((err: unknown) => this.#log(a, err))));
  }

  async #poll(twilio: TwilioClient, a: AttemptRow, now: number): Promise<void> {
    const call = await twilio.fetchCall(a.call_sid!);
    const outcome = outcomeOfTwilioCall(call.status, call.answered_by);
    if (!outcome || this.contacts.attempt(a.call_id)?.status !== "placed") return;
    this.contacts.ended(a.call_id, outcome, now);
    this.outcomes.afterCall(a.contact_seq, outcome, now);
    const duration = call.duration == null ? null : Number(call.duration);
    await callSession(this.env, a.call_id).finalize({ status: call.status as "completed", endReason: `twilio:${call.status}`, durationSeconds: Number.isFinite(duration) ? duration : null });
  }

  async #reconcile(twilio: TwilioClient, a: AttemptRow, now: number): Promise<void> {
    const contact = this.contacts.get(a.contact_seq);
    const found = await twilio.listCallsTo(contact.phone);
    const match = found.find((c) => c.from === a.from_number && !this.contacts.sidKnown(c.sid) && Date.parse(c.date_created ?? "") >= a.intent_at - CLOCK_SKEW_MS);
    if (this.contacts.attempt(a.call_id)?.status !== "intent") return;
    if (match) {
      this.contacts.placed(a.call_id, match.sid);
      await callSession(this.env, a.call_id).setCallSid(match.sid);
      await callRecordsDbOf(this.env, a.call_id).prepare("UPDATE calls SET twilio_call_sid = ? WHERE id = ? AND twilio_call_sid IS NULL").bind(match.sid, a.call_id).run();
      return;
    }
    if (now - a.intent_at < RECONCILE_GRACE_MS) return;
    this.contacts.uncertain(a.call_id);
    this.outcomes.finish(contact, "uncertain", now, { reason: "dial_unconfirmed" });
    await callSession(this.env, a.call_id).finalize({ status: "failed", endReason: "dial_unconfirmed", durationSeconds: null });
  }

  #log(a: AttemptRow, err: unknown): void {
    const { campaignId } = this.meta.require();
    console.error(JSON.stringify({ level: "error", message: "campaign call not settled; retried next tick", campaign_id: campaignId, call_id: a.call_id, error: String(err) }));
  }
}
