import type { InvoiceTax } from "./objects.ts";

/** Automatic tax by the customer's address country: percent rates; countries not listed are not collected (0). */
export const TAX_RATES_PERCENT: Record<string, number> = { US: 0, GB: 20, DE: 19, FR: 20 };

/** The tax on `subtotal` (exclusive, rounded half up to the minor unit) for a customer in `country`. */
export function taxFor(country: string, subtotal: number): InvoiceTax {
  const rate = TAX_RATES_PERCENT[country] ?? 0;
  return {
    amount: Math.round((subtotal * rate) / 100),
    tax_behavior: "exclusive",
    taxability_reason: rate > 0 ? "standard_rated" : "not_collecting",
    taxable_amount: rate > 0 ? subtotal : 0,
    type: "tax_rate_details",
    tax_rate_details: { tax_rate: `txr_sim_${country.toLowerCase()}_${rate}` },
  };
}
