import type { CallOutcome, ContactState, RetryableOutcome } from "../../shared/campaigns/campaign-schemas.ts";
import { nextWindowOpening } from "../../shared/campaigns/calling-window.ts";
import { decideAfterOutcome } from "../../shared/campaigns/retry-decision.ts";
import { retrySchedule } from "../../shared/campaigns/retry-window.ts";
import { emitWebhookEvent } from "../../shared/webhooks/emit-webhook-event.ts";
import type { MetaStore } from "./campaign-meta.ts";
import type { ContactRow, ContactStore } from "./contact-store.ts";

type FinalState = Extract<ContactState, "done" | "skipped" | "failed" | "uncertain">;

/** Moves contacts to their next state after a dial's outcome, and tells the tenant when a contact is finished. */
export class ContactOutcomes {
  constructor(
    private readonly env: Env,
    private readonly contacts: ContactStore,
    private readonly meta: MetaStore,
    private readonly waitUntil: (p: Promise<unknown>) => void,
  ) {}

  /** After a call ended with `outcome`: the retry policy decides, and a retry waits for the callee's next window (at the rule's time of day, if it names one). */
  afterCall(seq: number, outcome: CallOutcome, now: number): void {
    const { config, state } = this.meta.require();
    const contact = this.contacts.get(seq);
    const decision = decideAfterOutcome(config.retry, config.voicemail_action, outcome, contact.attempts, now);
    if (decision.state !== "retry_scheduled") return this.finish(contact, decision.state, now, { outcome });
    // A call that was in flight when the campaign was cancelled, or its callee erased, gets no retry.
    if (state === "cancelled") return this.finish(contact, "skipped", now, { outcome, reason: "cancelled" });
    if (contact.reason === "erased") return this.finish(contact, "skipped", now, { outcome, reason: "erased" });
    const at = nextWindowOpening(retrySchedule(config.schedule, config.retry[outcome as RetryableOutcome]), JSON.parse(contact.zones) as string[], decision.retryAfter);
    if (at === null) return this.finish(contact, "failed", now, { outcome, reason: "schedule_ended" });
    this.contacts.update(seq, { state: "retry_scheduled", outcome, due_at: at }, now);
  }

  finish(contact: ContactRow, state: FinalState, now: number, detail: { outcome?: CallOutcome | null; reason?: string | null }): void {
    const outcome = detail.outcome === undefined ? contact.outcome : detail.outcome;
    this.contacts.update(contact.seq, { state, outcome, reason: detail.reason ?? null }, now);
    const { campaignId, accountId } = this.meta.require();
    const callIds = this.contacts.attemptsOf([contact.seq]).map((a) => a.call_id);
    emitWebhookEvent(
      this.env,
      {
        // Stable per contact, so an event re-emitted after a restart is delivered once.
        id: `evt_${campaignId}_${contact.seq}_completed`,
        type: "campaign.contact_completed",
        accountId,
        data: { campaign_id: campaignId, phone: contact.phone, state, outcome: outcome ?? null, reason: detail.reason ?? null, attempts: contact.attempts, call_ids: callIds },
      },
      this.waitUntil,
    );
  }
}
