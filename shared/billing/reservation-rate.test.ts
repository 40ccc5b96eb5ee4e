import { describe, expect, it } from "vitest";
import { reservePerMinuteMinor } from "./reservation-rate.ts";

describe("reservePerMinuteMinor", () => {
  it("prices the documented minute at each component's highest rate, rounding up once", () => {
    const rates = [
      { component: "telephony_inbound_minute", microsPerUnit: 8_500 },
      { component: "telephony_outbound_minute", microsPerUnit: 14_000 },
      { component: "platform_minute", microsPerUnit: 50_000 },
      { component: "recording_minute", microsPerUnit: 2_500 },
      { component: "stt_second", microsPerUnit: 130 },
      { component: "tts_character", microsPerUnit: 30 },
      // Token rates are per 1,000 tokens: Sonnet's $3 / $3.75 / $15 per million.
      { component: "llm_input_token", microsPerUnit: 3_000 },
      { component: "llm_cache_write_token", microsPerUnit: 3_750 },
      { component: "llm_cache_read_token", microsPerUnit: 9_000 }, // never dearer in practice; reads are not what a minute reserves
      { component: "llm_output_token", microsPerUnit: 15_000 },
      { component: "llm_input_token", microsPerUnit: 1_000 }, // a cheaper model
      { component: "llm_output_token", microsPerUnit: 5_000 },
    ] as const;
    // 14,000 + 50,000 + 2,500 + 60 × 130 + 900 × 30 + 16 × 3,750 + 0.4 × 15,000 = 167,300 micros = 16.73 cents
    expect(reservePerMinuteMinor(rates)).toBe(17);
  });

  it("is exact when the micros make whole minor units, and 0 for an empty rate card", () => {
    expect(reservePerMinuteMinor([{ component: "platform_minute", microsPerUnit: 1_000_000 }])).toBe(100);
    expect(reservePerMinuteMinor([])).toBe(0);
  });
});
