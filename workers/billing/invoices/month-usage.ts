import { and, asc, eq, gte, lt } from "drizzle-orm";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { callCharges, type Currency } from "../../../shared/pg/schema.ts";
import type { PricedLine, RateComponent } from "../pricing.ts";
import type { BillingMonth } from "./billing-month.ts";

/** One line of a month's usage: what one agent's calls consumed of one component, and its price. */
export interface UsageLine {
  /** '' for calls priced before the agent was recorded on their charge. */
  agentId: string;
  component: RateComponent;
  quantity: number;
  unit: PricedLine["unit"];
  amountMinor: number;
}

export interface MonthUsage {
  calls: number;
  /** The sum of the lines: each call's lines were rounded once when it was priced, so this is the calls' total. */
  totalMinor: number;
  lines: UsageLine[];
}

/** Quantities are summed in thousandths (pricing's own scale), so a month of tenths of seconds adds up exactly. */
const SCALE = 1_000;

/**
 * The calls of `accountId` priced in `month` (a call belongs to the month its charge was settled in: a late-settled
 * call lands in the next month, never in none), summed per agent and component, ordered by agent then component.
 */
export async function monthUsage(db: Pick<PgDatabase, "select">, accountId: string, currency: Currency, month: BillingMonth): Promise<MonthUsage> {
  const charges = await db
    .select({ agentId: callCharges.agentId, lines: callCharges.lines })
    .from(callCharges)
    .where(and(eq(callCharges.accountId, accountId), eq(callCharges.currency, currency), gte(callCharges.pricedAt, month.start), lt(callCharges.pricedAt, month.end)))
    .orderBy(asc(callCharges.pricedAt));
  const sums = new Map<string, UsageLine & { scaled: number }>();
  for (const charge of charges) {
    for (const line of charge.lines as PricedLine[]) {
      const agentId = charge.agentId ?? "";
      const key = `${agentId}\u0000${line.component}`;
      const sum = sums.get(key) ?? { agentId, component: line.component, quantity: 0, unit: line.unit, amountMinor: 0, scaled: 0 };
      sum.scaled += Math.round(line.quantity * SCALE);
      sum.amountMinor += line.amount_minor;
      sums.set(key, sum);
    }
  }
  const lines = [...sums.values()]
    .map(({ scaled, ...line }) => ({ ...line, quantity: scaled / SCALE }))
    .sort((a, b) => a.agentId.localeCompare(b.agentId) || a.component.localeCompare(b.component));
  return { calls: charges.length, totalMinor: lines.reduce((sum, l) => sum + l.amountMinor, 0), lines };
}
