import { env } from "cloudflare:workers";
import type { BalanceSnapshot } from "../../shared/billing/balance-snapshot.ts";

/** The account's gate object. */
export const accountGate = (accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));

/** A ledger snapshot as `readBalanceSnapshot` makes it: a prepaid EUR account at 1 €/min of reservation unless overridden. */
export const snapshotOf = (accountId: string, overrides: Partial<BalanceSnapshot> = {}): BalanceSnapshot => ({
  accountId,
  mode: "prepaid",
  billingStatus: "active",
  currency: "EUR",
  balanceMinor: 0,
  lowBalanceThresholdMinor: null,
  reservePerMinuteMinor: 100,
  throughPostingId: 1,
  ...overrides,
});
