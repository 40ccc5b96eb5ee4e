import { describe, expect, it } from "vitest";
import { LIVE_TICKET_TTL_MS, LiveTickets } from "./live-tickets.ts";

function tickets() {
  const stored = new Map<string, unknown>();
  const clock = { now: 1_000_000 };
  const store = { get: <T>(key: string) => stored.get(key) as T | undefined, put: (key: string, value: unknown) => void stored.set(key, value) };
  return { live: new LiveTickets(store, () => clock.now), clock, stored };
}

describe("live tickets", () => {
  it("redeems a ticket once, for the account it was issued to", () => {
    const { live } = tickets();
    const { ticket, expiresAt } = live.issue("ACC-1");
    expect(expiresAt).toBe(1_000_000 + LIVE_TICKET_TTL_MS);
    expect(live.redeem(ticket)).toEqual({ ok: true, accountId: "ACC-1" });
    expect(live.redeem(ticket)).toEqual({ ok: false, reason: "unknown" });
    expect(live.redeem("lt_made-up")).toEqual({ ok: false, reason: "unknown" });
    expect(live.redeem("__proto__")).toEqual({ ok: false, reason: "unknown" });
  });

  it("refuses a ticket once its minute is over, and drops expired ones as new ones are issued", () => {
    const { live, clock, stored } = tickets();
    const stale = live.issue("ACC-1").ticket;
    const other = live.issue("ACC-1").ticket;
    clock.now += LIVE_TICKET_TTL_MS;
    expect(live.redeem(stale)).toEqual({ ok: false, reason: "expired" });
    live.issue("ACC-1");
    expect(Object.keys(stored.get("liveTickets") as object)).not.toContain(other);
    expect(Object.keys(stored.get("liveTickets") as object)).toHaveLength(1);
  });
});
