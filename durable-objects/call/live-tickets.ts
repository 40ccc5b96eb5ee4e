/** How long a live-transcript ticket can wait to be used. */
export const LIVE_TICKET_TTL_MS = 60_000;

interface TicketStore {
  get<T>(key: string): T | undefined;
  put(key: string, value: unknown): void;
}

interface Ticket {
  accountId: string;
  expiresAt: number;
}

export type Redeemed = { ok: true; accountId: string } | { ok: false; reason: "unknown" | "expired" };

const KEY = "liveTickets";

/**
 * One-time tickets for the live transcript (a browser's EventSource cannot send a bearer token). Kept in the call's
 * own storage, so a ticket is bound to its call: presented to any other call, it is unknown. Redeeming deletes it.
 */
export class LiveTickets {
  constructor(
    private readonly store: TicketStore,
    private readonly now: () => number = Date.now,
  ) {}

  issue(accountId: string): { ticket: string; expiresAt: number } {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    const ticket = `lt_${btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")}`;
    const expiresAt = this.now() + LIVE_TICKET_TTL_MS;
    this.store.put(KEY, { ...this.#live(), [ticket]: { accountId, expiresAt } });
    return { ticket, expiresAt };
  }

  redeem(ticket: string): Redeemed {
    const tickets = this.store.get<Record<string, Ticket>>(KEY) ?? {};
    const found = Object.hasOwn(tickets, ticket) ? tickets[ticket] : undefined;
    if (found) {
      delete tickets[ticket];
      this.store.put(KEY, tickets);
    }
    if (!found) return { ok: false, reason: "unknown" };
    if (found.expiresAt <= this.now()) return { ok: false, reason: "expired" };
    return { ok: true, accountId: found.accountId };
  }

  /** The unexpired tickets: expired ones are dropped as new ones are issued, so the set stays small. */
  #live(): Record<string, Ticket> {
    const tickets = this.store.get<Record<string, Ticket>>(KEY) ?? {};
    return Object.fromEntries(Object.entries(tickets).filter(([, t]) => t.expiresAt > this.now()));
  }
}
