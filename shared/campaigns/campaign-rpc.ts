import type { CallOutcome, CampaignState, ContactState } from "./campaign-schemas.ts";

/** What the campaign object's RPC methods return: the Worker and the object share these shapes. */
export type TransitionResult<T> = { ok: true; value: T } | { ok: false; conflict: string };

export interface CampaignProgress {
  state: CampaignState;
  paused_reason: string | null;
  counts: Record<ContactState, number>;
  in_flight: number;
  peak_in_flight: number;
}

export interface AttemptView {
  call_id: string;
  attempt: number;
  from: string;
  /** `intent`: written before Twilio was asked; `placed`; `ended`; `uncertain`: never confirmed at Twilio. */
  status: string;
  outcome: CallOutcome | null;
  dialed_at: string;
}

export interface ContactView {
  seq: number;
  phone: string;
  timezone: string | null;
  variables: Record<string, string>;
  state: ContactState;
  reason: string | null;
  outcome: CallOutcome | null;
  attempts: AttemptView[];
  next_attempt_at: string | null;
}

/** The campaign's Durable Object, by campaign id. */
export const campaignObject = (env: Env, campaignId: string) => env.CAMPAIGN.get(env.CAMPAIGN.idFromName(campaignId));
