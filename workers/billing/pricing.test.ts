import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { priceCall, PricingError, roundHalfUpToMinor, type MeteredCall, type Rate } from "./pricing.ts";

const CARD: Rate[] = [
  { component: "telephony_inbound_minute", model: "", microsPerUnit: 8_500 },
  { component: "telephony_outbound_minute", model: "", microsPerUnit: 14_000 },
  { component: "platform_minute", model: "", microsPerUnit: 20_000 },
  { component: "recording_minute", model: "", microsPerUnit: 2_500 },
  { component: "stt_second", model: "", microsPerUnit: 129 },
  { component: "tts_character", model: "", microsPerUnit: 30 },
  // Token rates are per 1,000 tokens.
  { component: "llm_input_token", model: "", microsPerUnit: 3_000 },
  { component: "llm_output_token", model: "", microsPerUnit: 15_000 },
  { component: "llm_cache_read_token", model: "", microsPerUnit: 300 },
  { component: "llm_cache_write_token", model: "", microsPerUnit: 3_750 },
  { component: "llm_input_token", model: "haiku", microsPerUnit: 1_000 },
];

const call = (over: Partial<MeteredCall> = {}): MeteredCall => ({ direction: "inbound", billedSeconds: 0, recordingSeconds: 0, sttSeconds: 0, ttsCharacters: 0, llm: {}, ...over });

describe("pricing", () => {
  it("prices each component once: whole minutes rounded up, seconds, characters, tokens per model", () => {
    const priced = priceCall(
      call({ billedSeconds: 61, recordingSeconds: 59, sttSeconds: 48.3, ttsCharacters: 1_234, llm: { haiku: { input_tokens: 5_000, output_tokens: 700, cache_read_tokens: 0, cache_write_tokens: 100 } } }),
      CARD,
      "USD",
    );
    expect(priced.lines.map((l) => [l.component, l.model, l.quantity, l.unit, l.micros_per_unit, l.amount_minor])).toEqual([
      ["telephony_inbound_minute", undefined, 2, "minute", 8_500, 2], // 17,000 µ = 1.7 → 2
      ["platform_minute", undefined, 2, "minute", 20_000, 4],
      ["recording_minute", undefined, 1, "minute", 2_500, 0], // 0.25 → 0
      ["stt_second", undefined, 48.3, "second", 129, 1], // 6,230.7 µ = 0.62 → 1
      ["tts_character", undefined, 1_234, "character", 30, 4], // 37,020 µ = 3.702 → 4
      ["llm_input_token", "haiku", 5, "1k_tokens", 1_000, 1], // the model's own row: 5,000 µ = 0.5 → 1 (half up)
      ["llm_output_token", "haiku", 0.7, "1k_tokens", 15_000, 1], // no haiku row: the default, 10,500 µ = 1.05 → 1
      ["llm_cache_write_token", "haiku", 0.1, "1k_tokens", 3_750, 0],
    ]);
    expect(priced).toMatchObject({ currency: "USD", total_minor: 13, estimated: false });
  });

  it("uses the outbound telephony rate for outbound calls and gives a never-answered call no lines", () => {
    expect(priceCall(call({ direction: "outbound", billedSeconds: 120 }), CARD, "USD").lines[0]).toMatchObject({ component: "telephony_outbound_minute", quantity: 2, amount_minor: 3 });
    expect(priceCall(call({ billedSeconds: null }), CARD, "USD")).toEqual({ currency: "USD", total_minor: 0, estimated: false, lines: [] });
  });

  it("marks a model's lines estimated when some of its requests had their usage estimated", () => {
    const priced = priceCall(call({ llm: { a: { input_tokens: 10, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, estimated_requests: 1 }, b: { input_tokens: 10, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 } } }), CARD, "USD");
    expect(priced.lines.map((l) => [l.model, l.estimated])).toEqual([["a", true], ["b", false]]);
    expect(priced.estimated).toBe(true);
  });

  it("refuses a card with no rate for a used component (the usage waits for the operator to complete it)", () => {
    expect(() => priceCall(call({ ttsCharacters: 5 }), CARD.filter((r) => r.component !== "tts_character"), "USD")).toThrow(PricingError);
  });

  it("rounds half up, once per line, from micros to minor units", () => {
    expect(roundHalfUpToMinor(1, 4_999)).toBe(0);
    expect(roundHalfUpToMinor(1, 5_000)).toBe(1);
    expect(roundHalfUpToMinor(3, 5_000)).toBe(2); // 1.5 → 2: the line is rounded, not each unit
    expect(roundHalfUpToMinor(0.1, 50_000)).toBe(1); // 0.1 × 50,000 µ is exactly half a cent, despite binary floats
    expect(roundHalfUpToMinor(12.3, 129)).toBe(0);
  });

  it("never lets the total drift from the exact amount by more than half a minor unit per line", () => {
    const count = fc.integer({ min: 0, max: 2_000_000 });
    fc.assert(
      fc.property(
        fc.record({ billed: fc.integer({ min: 0, max: 14_400 }), stt: fc.integer({ min: 0, max: 144_000 }).map((t) => t / 10), tts: count, input: count, output: count }),
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 10, maxLength: 10 }),
        ({ billed, stt, tts, input, output }, micros) => {
          const card: Rate[] = CARD.filter((r) => r.model === "").map((r, i) => ({ ...r, microsPerUnit: micros[i]! }));
          const priced = priceCall(call({ billedSeconds: billed, recordingSeconds: billed, sttSeconds: stt, ttsCharacters: tts, llm: { m: { input_tokens: input, output_tokens: output, cache_read_tokens: 0, cache_write_tokens: 0 } } }), card, "EUR");
          // Exact in integers: thousandths of a quantity × micros, against the total in the same scale.
          const exact = priced.lines.reduce((sum, l) => sum + Math.round(l.quantity * 1_000) * l.micros_per_unit, 0);
          const drift = Math.abs(priced.total_minor * 10_000_000 - exact);
          expect(drift).toBeLessThanOrEqual(priced.lines.length * 5_000_000);
        },
      ),
    );
  });
});
