import { pickCallerId } from "../../shared/campaigns/caller-id-pool.ts";
import { isWithinWindow, nextWindowOpening } from "../../shared/campaigns/calling-window.ts";
import { dialSchedule } from "../../shared/campaigns/retry-window.ts";
import { recordPlacedCall } from "../../shared/calls/call-records.ts";
import { dialOutbound, type DialRefusalReason, type OutboundDialResult } from "../../shared/calls/outbound-dial.ts";
import type { MetaStore } from "./campaign-meta.ts";
import type { ContactOutcomes } from "./contact-outcomes.ts";
import type { ContactRow, ContactStore } from "./contact-store.ts";

/** Refusals that concern the account, not the contact: the campaign pauses, the contact waits. */
const ACCOUNT_REFUSALS: ReadonlySet<DialRefusalReason> = new Set(["account_suspended", "billing_suspended", "insufficient_credit", "trial_minutes_exhausted"]);
const CONCURRENCY_RETRY_MS = 15_000;
const HOURS_RETRY_MS = 15 * 60_000;

type WaitUntil = (p: Promise<unknown>) => void;

/**
 * Starts the campaign's due dials: as many as pacing and `max_concurrency` allow, each only inside the callee's
 * window, each through the same checks as `POST /v1/calls` (shared/calls/outbound-dial.ts). The dial's intent is
 * written to storage before Twilio is asked (`beforeTwilio`); a refused contact is skipped with the exact reason.
 */
export class CampaignDialer {
  constructor(
    private readonly env: Env,
    private readonly contacts: ContactStore,
    private readonly meta: MetaStore,
    private readonly outcomes: ContactOutcomes,
    private readonly dialing: Set<string>,
    private readonly waitUntil: WaitUntil,
    private readonly pause: (reason: string, now: number) => Promise<void>,
  ) {}

  /** Picks and marks the contacts to dial now (synchronously, so nothing else can pick them), then dials them. */
  async dialDue(now: number): Promise<number> {
    const meta = this.meta.require();
    const { config } = meta;
    const tokens = Math.min(config.pacing_per_minute, meta.tokens + ((now - meta.tokensAt) / 60_000) * config.pacing_per_minute);
    const inFlight = this.contacts.inFlightCount();
    const budget = Math.min(Math.floor(tokens), config.max_concurrency - inFlight);
    const batch: ContactRow[] = [];
    const openings = new Map<string, number | null>();
    for (let round = 0; round < 50 && batch.length < budget; round++) {
      const due = this.contacts.due(now, (budget - batch.length) * 2 + 20);
      if (due.length === 0) break;
      for (const c of due) {
        if (batch.length >= budget) break;
        const zones = JSON.parse(c.zones) as string[];
        // A retry keeps to its outcome's time of day: one that missed it (pacing, a pause) waits for the next.
        const schedule = dialSchedule(config, c);
        if (!isWithinWindow(schedule, zones, now)) {
          const key = schedule === config.schedule ? c.zones : `${c.zones} ${c.outcome}`;
          if (!openings.has(key)) openings.set(key, nextWindowOpening(schedule, zones, now));
          const at = openings.get(key)!;
          if (at === null) this.outcomes.finish(c, c.attempts === 0 ? "skipped" : "failed", now, { reason: "schedule_ended" });
          else this.contacts.update(c.seq, { due_at: at }, now);
          continue;
        }
        this.contacts.update(c.seq, { state: "in_progress", attempts: c.attempts + 1 }, now);
        batch.push(c);
      }
    }
    this.meta.patch({ tokens: tokens - batch.length, tokensAt: now, peakInFlight: Math.max(meta.peakInFlight, inFlight + batch.length) });
    await Promise.all(batch.map((c) => this.#dial(c, now)));
    return batch.length;
  }

  async #dial(contact: ContactRow, now: number): Promise<void> {
    const meta = this.meta.require();
    const from = pickCallerId(meta.config.caller_ids, contact.phone, contact.seq);
    let callId: string | null = null;
    let result: OutboundDialResult;
    try {
      result = await dialOutbound(
        this.env,
        this.waitUntil,
        {
          accountId: meta.accountId,
          agentId: meta.config.agent_id,
          to: contact.phone,
          from,
          consentType: meta.config.consent_type,
          variables: JSON.parse(contact.variables) as Record<string, string>,
          machineDetection: true,
          publicBaseUrl: meta.publicBaseUrl,
          requestId: null,
          keepInboundReserve: true,
          beforeTwilio: async (id) => {
            callId = id;
            this.dialing.add(id);
            this.contacts.recordIntent({ call_id: id, contact_seq: contact.seq, attempt: contact.attempts + 1, from_number: from, intent_at: now });
          },
        },
        new Date(now),
      );
    } catch (err) {
      // Failed before Twilio was asked (the dial gave its slot back): the contact waits for the next tick.
      console.error(JSON.stringify({ level: "error", message: "campaign dial failed before Twilio", campaign_id: meta.campaignId, error: String(err) }));
      if (callId) this.contacts.dropIntent(callId);
      this.#putBack(contact, now + CONCURRENCY_RETRY_MS, now);
      return;
    } finally {
      if (callId) this.dialing.delete(callId);
    }
    await this.#apply(contact, result, now);
  }

  async #apply(contact: ContactRow, result: OutboundDialResult, now: number): Promise<void> {
    switch (result.kind) {
      case "placed":
        this.contacts.placed(result.callId, result.callSid);
        return this.#recordPlaced(contact, result.callId, result.callSid);
      case "provider_failed":
        this.contacts.ended(result.callId, "failed", now);
        return this.outcomes.afterCall(contact.seq, "failed", now);
      case "rejected":
        this.#putBack(contact, now, now);
        return this.pause(`${result.field}: ${result.detail}`, now);
      case "refused":
        if (result.reason === "concurrency_limit") return this.#putBack(contact, now + CONCURRENCY_RETRY_MS, now);
        if (result.reason === "calling_hours_outside_hours") return this.#putBack(contact, now + HOURS_RETRY_MS, now);
        if (ACCOUNT_REFUSALS.has(result.reason)) {
          this.#putBack(contact, now, now);
          return this.pause(result.reason, now);
        }
        // Consent, do-not-call, an unknown area code, a callee a trial account has not verified: this contact may not be called. It was never dialled.
        this.contacts.update(contact.seq, { attempts: contact.attempts }, now);
        return this.outcomes.finish(contact, "skipped", now, { reason: result.reason });
    }
  }

  /** Undoes the pick: the contact was not dialled, so it keeps its state and its attempt count. */
  #putBack(contact: ContactRow, dueAt: number, now: number): void {
    this.contacts.update(contact.seq, { state: contact.state, attempts: contact.attempts, due_at: dueAt }, now);
  }

  /** The placed call's Twilio sid on its record, with its audit entry, in one batch (as `POST /v1/calls` does). */
  async #recordPlaced(contact: ContactRow, callId: string, callSid: string): Promise<void> {
    const meta = this.meta.require();
    await recordPlacedCall(this.env, this.waitUntil, meta.accountId, { id: callId, callSid }, { to: contact.phone, direction: "outbound", campaign_id: meta.campaignId, consent_type: meta.config.consent_type });
  }
}
