import type { CallOutcome } from "./call-finalizer.ts";
import type { CallStore } from "./call-store.ts";
import { LiveTickets, type Redeemed } from "./live-tickets.ts";
import { finishedTurns, LiveViewers, type LiveEnd } from "./live-viewers.ts";
import type { FinishedTurn } from "./transcript-recorder.ts";

export type LiveOpen = { ok: true; stream: ReadableStream<Uint8Array> } | { ok: false; reason: Extract<Redeemed, { ok: false }>["reason"] | "wrong_account" };

const endOf = (outcome: CallOutcome): LiveEnd => ({ status: outcome.status, end_reason: outcome.endReason, ended_at: outcome.endedAt });

/** The call's live transcript: tickets to open it, and its viewers, told of each finished turn and of the end. */
export class LiveTranscript {
  readonly #tickets: LiveTickets;
  readonly #viewers = new LiveViewers();

  constructor(private readonly store: CallStore) {
    this.#tickets = new LiveTickets(store);
  }

  /** Null for a call this object does not run for that account. */
  issue(accountId: string): { ticket: string; expiresAt: number } | null {
    return this.store.meta?.accountId === accountId ? this.#tickets.issue(accountId) : null;
  }

  open(ticket: string): LiveOpen {
    const redeemed = this.#tickets.redeem(ticket);
    if (!redeemed.ok) return redeemed;
    if (redeemed.accountId !== this.store.meta?.accountId) return { ok: false, reason: "wrong_account" };
    const outcome = this.store.get<CallOutcome>("outcome");
    return { ok: true, stream: this.#viewers.open(finishedTurns(this.store.turns()), outcome ? endOf(outcome) : null) };
  }

  readonly turnFinished = (turn: FinishedTurn): void => this.#viewers.turn(turn);

  ended(outcome: CallOutcome): void {
    this.#viewers.end(endOf(outcome));
  }
}
