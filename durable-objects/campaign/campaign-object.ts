import { DurableObject } from "cloudflare:workers";
import type { CampaignContact, CampaignState, ContactState } from "../../shared/campaigns/campaign-schemas.ts";
import type { CampaignProgress, ContactView, TransitionResult } from "../../shared/campaigns/campaign-rpc.ts";
import { twilioClient, twilioCredentialsForAccount } from "../../shared/twilio/twilio-credentials.ts";
import { emitWebhookEvent } from "../../shared/webhooks/emit-webhook-event.ts";
import { CallSettler } from "./call-settler.ts";
import { CampaignDialer } from "./campaign-dialer.ts";
import { MetaStore, type CampaignMeta } from "./campaign-meta.ts";
import { ContactOutcomes } from "./contact-outcomes.ts";
import { ContactStore } from "./contact-store.ts";

/** How often calls in flight are read from Twilio. */
const POLL_MS = 5_000;
const EDITABLE: ReadonlySet<CampaignState> = new Set(["draft", "paused"]);
const ACTIVE: ReadonlySet<CampaignState> = new Set(["scheduled", "running"]);

/**
 * One object per campaign: it owns the contacts, their dials and the campaign's state, and is driven by its alarm
 * (and by the Worker's cron as a backstop). Every entry point that depends on time takes `now`, so a restart, the
 * cron and the tests run the same steps; ticks never overlap. All progress is in SQLite storage: a restarted object
 * goes on where it stopped, and a dial that was under way when it stopped is reconciled (./call-settler.ts).
 */
export class Campaign extends DurableObject<Env> {
  #contacts!: ContactStore;
  #meta!: MetaStore;
  #outcomes!: ContactOutcomes;
  #settler!: CallSettler;
  #dialer!: CampaignDialer;
  readonly #dialing = new Set<string>();
  #ticks: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const waitUntil = (p: Promise<unknown>) => ctx.waitUntil(p);
    ctx.blockConcurrencyWhile(async () => {
      this.#contacts = new ContactStore(ctx.storage.sql);
      this.#meta = new MetaStore(ctx.storage.sql);
      this.#outcomes = new ContactOutcomes(env, this.#contacts, this.#meta, waitUntil);
      this.#settler = new CallSettler(env, this.#contacts, this.#meta, this.#outcomes, this.#dialing);
      this.#dialer = new CampaignDialer(env, this.#contacts, this.#meta, this.#outcomes, this.#dialing, waitUntil, (reason, now) => this.#setState("paused", now, reason));
    });
  }

  /** Sets the campaign up once (a second call with the same id changes nothing). */
  async init(meta: Omit<CampaignMeta, "state" | "pausedReason" | "tokens" | "tokensAt" | "peakInFlight">, contacts: CampaignContact[], now: number): Promise<{ added: number; duplicates: string[] }> {
    if (this.#meta.get()) return { added: 0, duplicates: [] };
    this.#meta.put({ ...meta, state: "draft", pausedReason: null, tokens: meta.config.pacing_per_minute, tokensAt: now, peakInFlight: 0 });
    return this.#contacts.add(contacts, now);
  }

  /** Adds contacts to a draft or paused campaign. */
  async addContacts(contacts: CampaignContact[], now: number): Promise<TransitionResult<{ added: number; duplicates: string[]; total: number }>> {
    const state = this.#meta.require().state;
    if (!EDITABLE.has(state)) return { ok: false, conflict: `contacts can be edited while the campaign is draft or paused; it is ${state}` };
    const added = this.#contacts.add(contacts, now);
    const total = this.#total();
    await this.#syncRow(now, { contactCount: total });
    return { ok: true, value: { ...added, total } };
  }

  /**
   * Appends one contact to a campaign that has not ended (a workflow's `add_to_campaign`): while it runs, the
   * contact is due at once and the alarm is brought forward. A phone already in the campaign is left as it is.
   */
  async appendContact(contact: CampaignContact, now: number): Promise<TransitionResult<{ added: boolean }>> {
    const state = this.#meta.require().state;
    if (state === "completed" || state === "cancelled") return { ok: false, conflict: `the campaign is ${state}; contacts can no longer be added` };
    const added = this.#contacts.add([contact], now).added > 0;
    if (added) {
      await this.#syncRow(now, { contactCount: this.#total() });
      if (ACTIVE.has(state)) await this.#scheduleAlarm(now);
    }
    return { ok: true, value: { added } };
  }

  /** Removes never-dialled contacts from a draft or paused campaign. */
  async removeContacts(phones: string[], now: number): Promise<TransitionResult<{ removed: number; total: number }>> {
    const state = this.#meta.require().state;
    if (!EDITABLE.has(state)) return { ok: false, conflict: `contacts can be edited while the campaign is draft or paused; it is ${state}` };
    const removed = this.#contacts.removePending(phones);
    const total = this.#total();
    await this.#syncRow(now, { contactCount: total });
    return { ok: true, value: { removed, total } };
  }

  /** Erasure of a person (workers/compliance/privacy/erasure.ts): their contact leaves the campaign's storage. */
  async erasePhone(phone: string, phoneHash: string, now: number): Promise<boolean> {
    const erased = this.#contacts.erase(phone, phoneHash, now);
    if (erased === "deleted") await this.#syncRow(now, { contactCount: this.#total() });
    return erased !== null;
  }

  start(now: number): Promise<TransitionResult<CampaignState>> {
    return this.#transition(["draft"], "scheduled", now);
  }

  pause(now: number): Promise<TransitionResult<CampaignState>> {
    return this.#transition(["scheduled", "running"], "paused", now);
  }

  resume(now: number): Promise<TransitionResult<CampaignState>> {
    return this.#transition(["paused"], "scheduled", now);
  }

  async cancel(now: number): Promise<TransitionResult<CampaignState>> {
    const result = await this.#transition(["draft", "scheduled", "running", "paused"], "cancelled", now);
    if (result.ok) this.#contacts.skipWaiting("cancelled", now);
    return result;
  }

  progress(): CampaignProgress {
    const meta = this.#meta.require();
    return { state: meta.state, paused_reason: meta.pausedReason, counts: this.#contacts.counts(), in_flight: this.#contacts.inFlightCount(), peak_in_flight: meta.peakInFlight };
  }

  /** A page of contacts after `after` (their position), optionally in one state, each with its dials. */
  contacts(after: number, limit: number, state?: ContactState): ContactView[] {
    const rows = this.#contacts.page(after, limit, state);
    const attempts = this.#contacts.attemptsOf(rows.map((r) => r.seq));
    return rows.map((r) => ({
      seq: r.seq,
      phone: r.phone,
      timezone: r.timezone,
      variables: JSON.parse(r.variables) as Record<string, string>,
      state: r.state,
      reason: r.reason,
      outcome: r.outcome,
      attempts: attempts.filter((a) => a.contact_seq === r.seq).map((a) => ({ call_id: a.call_id, attempt: a.attempt, from: a.from_number, status: a.status, outcome: a.outcome, dialed_at: new Date(a.intent_at).toISOString() })),
      next_attempt_at: r.state === "retry_scheduled" || r.state === "pending" ? (r.due_at > 0 ? new Date(r.due_at).toISOString() : null) : null,
    }));
  }

  /** One step: settle dials, start due ones, finish the campaign when nothing is left; ticks run one at a time. */
  tick(now: number): Promise<void> {
    const run = this.#ticks.then(() => this.#step(now));
    this.#ticks = run.catch(() => undefined);
    return run;
  }

  override async alarm(): Promise<void> {
    await this.tick(Date.now());
  }

  async #step(now: number): Promise<void> {
    const meta = this.#meta.get();
    if (!meta) return;
    const creds = await twilioCredentialsForAccount(this.env, meta.accountId);
    if (creds) await this.#settler.settle(twilioClient(this.env, creds), now);
    if (ACTIVE.has(this.#meta.require().state)) {
      const dialled = await this.#dialer.dialDue(now);
      if (dialled > 0 && this.#meta.require().state === "scheduled") await this.#started(now);
    }
    if (ACTIVE.has(this.#meta.require().state) && this.#contacts.openCount() === 0 && this.#contacts.inFlightCount() === 0) await this.#completed(now);
    await this.#scheduleAlarm(now);
  }

  async #started(now: number): Promise<void> {
    await this.#setState("running", now);
    const { campaignId, accountId, name, config } = this.#meta.require();
    emitWebhookEvent(this.env, { id: `evt_${campaignId}_started`, type: "campaign.started", accountId, data: { campaign_id: campaignId, name, agent_id: config.agent_id } }, (p) => this.ctx.waitUntil(p));
  }

  async #completed(now: number): Promise<void> {
    await this.#setState("completed", now);
    const { campaignId, accountId } = this.#meta.require();
    const { done, skipped, failed, uncertain } = this.#contacts.counts();
    emitWebhookEvent(this.env, { id: `evt_${campaignId}_completed`, type: "campaign.completed", accountId, data: { campaign_id: campaignId, counts: { done, skipped, failed, uncertain } } }, (p) => this.ctx.waitUntil(p));
  }

  /** The next wake-up: soon while calls are in flight, else when the next contact is due (if the campaign is active). */
  async #scheduleAlarm(now: number): Promise<void> {
    const { state, config } = this.#meta.require();
    const wakes: number[] = [];
    if (this.#contacts.inFlightCount() > 0) wakes.push(now + POLL_MS);
    const due = ACTIVE.has(state) ? this.#contacts.nextDue() : null;
    // Never sooner than one pacing interval: a due contact waiting for a pacing token needs no busier loop.
    if (due !== null) wakes.push(Math.max(due, now + Math.max(1_000, 60_000 / config.pacing_per_minute)));
    if (wakes.length > 0) await this.ctx.storage.setAlarm(Math.min(...wakes));
    else await this.ctx.storage.deleteAlarm();
  }

  async #transition(from: CampaignState[], to: CampaignState, now: number): Promise<TransitionResult<CampaignState>> {
    const state = this.#meta.require().state;
    if (!from.includes(state)) return { ok: false, conflict: `a ${state} campaign cannot become ${to}` };
    await this.#setState(to, now);
    if (to === "scheduled") await this.ctx.storage.setAlarm(now);
    return { ok: true, value: to };
  }

  async #setState(state: CampaignState, now: number, pausedReason: string | null = null): Promise<void> {
    this.#meta.patch({ state, pausedReason });
    await this.#syncRow(now, {});
  }

  /** The campaign's row in D1 (what the API lists) follows the object's state. */
  async #syncRow(now: number, extra: { contactCount?: number }): Promise<void> {
    const { campaignId, state, pausedReason } = this.#meta.require();
    await this.env.DB.prepare("UPDATE campaigns SET state = ?, paused_reason = ?, contact_count = coalesce(?, contact_count), updated_at = ? WHERE id = ?")
      .bind(state, pausedReason, extra.contactCount ?? null, new Date(now).toISOString(), campaignId)
      .run();
  }

  #total(): number {
    return Object.values(this.#contacts.counts()).reduce((a, b) => a + b, 0);
  }
}
