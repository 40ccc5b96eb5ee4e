import { TOKENS_PER_RATE_UNIT, type Currency, type RATE_COMPONENTS } from "../../shared/pg/schema.ts";

export type RateComponent = (typeof RATE_COMPONENTS)[number];

/** One row of a plan's rate card in one currency; `model` is '' for the card's default (and for non-model components). */
export interface Rate {
  component: RateComponent;
  model: string;
  microsPerUnit: number;
}

export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** Requests whose usage Bedrock never sent (an aborted turn): their input tokens were estimated from the request. */
  estimated_requests?: number;
}

/** What a finished call consumed, as the pricing needs it (the queue message's usage plus the call's D1 row). */
export interface MeteredCall {
  direction: "inbound" | "outbound";
  /** Twilio's billed duration (or the finalizer's estimate); null when the call was never answered. */
  billedSeconds: number | null;
  recordingSeconds: number;
  sttSeconds: number;
  ttsCharacters: number;
  llm: Record<string, ModelUsage>;
}

export const PRICED_UNITS = ["minute", "second", "character", "1k_tokens"] as const;

export interface PricedLine {
  component: RateComponent;
  /** The model a token line is for (absent on other components). */
  model?: string;
  quantity: number;
  unit: (typeof PRICED_UNITS)[number];
  micros_per_unit: number;
  amount_minor: number;
  /** The quantity is partly an estimate (a model turn aborted before Bedrock reported its usage). */
  estimated: boolean;
}

export interface PricedCall {
  currency: Currency;
  total_minor: number;
  estimated: boolean;
  lines: PricedLine[];
}

export class PricingError extends Error {
  override name = "PricingError";
}

/** USD, EUR and GBP all have two decimals: one minor unit is 10,000 millionths. */
const MICROS_PER_MINOR = 10_000;
/** Quantities may be fractional (STT seconds in tenths, tokens in thousands): they are scaled to integer thousandths first. */
const QUANTITY_SCALE = 1_000;

/**
 * The rounding rule: a line's amount is quantity × micros_per_unit, computed exactly in integers, then rounded ONCE
 * to minor units, half up (0.5 of a cent becomes a cent). Lines are never rounded twice and the total is the sum of
 * the rounded lines, so the total differs from the exact figure by at most half a minor unit per line.
 */
export function roundHalfUpToMinor(quantity: number, microsPerUnit: number): number {
  const scaled = Math.round(quantity * QUANTITY_SCALE) * microsPerUnit;
  const divisor = QUANTITY_SCALE * MICROS_PER_MINOR;
  return Math.floor((scaled + divisor / 2) / divisor);
}

const wholeMinutes = (seconds: number | null) => Math.ceil(Math.max(0, seconds ?? 0) / 60);

const LLM_LINES = [
  ["llm_input_token", "input_tokens"],
  ["llm_output_token", "output_tokens"],
  ["llm_cache_read_token", "cache_read_tokens"],
  ["llm_cache_write_token", "cache_write_tokens"],
] as const;

/**
 * Prices a call from one rate card (all rows in `currency`). Telephony, platform and recording minutes are whole
 * minutes, rounded up (Twilio bills a started minute as a minute); tokens are priced per 1,000. A model the card does not name is priced at the
 * card's default row for that component (model ''); a component with neither is a PricingError (an incomplete rate
 * card is fixed by the operator, and the usage waits). Components with a zero quantity give no line.
 */
export function priceCall(call: MeteredCall, rates: readonly Rate[], currency: Currency): PricedCall {
  const lines: PricedLine[] = [];
  const add = (component: RateComponent, quantity: number, unit: PricedLine["unit"], model?: string, estimated = false) => {
    if (quantity <= 0) return;
    const rate = rateFor(rates, component, model ?? "");
    lines.push({ component, ...(model === undefined ? {} : { model }), quantity, unit, micros_per_unit: rate, amount_minor: roundHalfUpToMinor(quantity, rate), estimated });
  };
  const callMinutes = wholeMinutes(call.billedSeconds);
  add(call.direction === "inbound" ? "telephony_inbound_minute" : "telephony_outbound_minute", callMinutes, "minute");
  add("platform_minute", callMinutes, "minute");
  add("recording_minute", wholeMinutes(call.recordingSeconds), "minute");
  add("stt_second", call.sttSeconds, "second");
  add("tts_character", call.ttsCharacters, "character");
  for (const [model, usage] of Object.entries(call.llm).sort(([a], [b]) => a.localeCompare(b))) {
    const estimated = (usage.estimated_requests ?? 0) > 0;
    for (const [component, field] of LLM_LINES) add(component, usage[field] / TOKENS_PER_RATE_UNIT, "1k_tokens", model, estimated);
  }
  return { currency, total_minor: lines.reduce((sum, l) => sum + l.amount_minor, 0), estimated: lines.some((l) => l.estimated), lines };
}

function rateFor(rates: readonly Rate[], component: RateComponent, model: string): number {
  const row = rates.find((r) => r.component === component && r.model === model) ?? rates.find((r) => r.component === component && r.model === "");
  if (!row) throw new PricingError(`the rate card has no rate for ${component}${model ? ` (model ${model}) and no default` : ""}`);
  return row.microsPerUnit;
}
