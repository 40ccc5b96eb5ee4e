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
      { component: "llm_input_token", microsPerUnit: 3 },
      { component: "llm_cache_write_token", microsPerUnit: 4 },
      { component: "llm_cache_read_token", microsPerUnit: 9 }, // never dearer in practice; reads are not what a minute reserves
      { component: "llm_output_token", microsPerUnit: 15 },
      { component: "llm_input_token", microsPerUnit: 1 }, // a cheaper model
      { component: "llm_output_token", microsPerUnit: 5 },
    ] as const;
    // 14,000 + 50,000 + 2,500 + 60 × 130 + 900 × 30 + 16,000 × 4 + 400 × 15 = 171,300 micros = 17.13 cents
    expect(reservePerMinuteMinor(rates)).toBe(18);
  });

  it("is exact when the micros make whole minor units, and 0 for an empty rate card", () => {
    expect(reservePerMinuteMinor([{ component: "platform_minute", microsPerUnit: 1_000_000 }])).toBe(100);
    expect(reservePerMinuteMinor([])).toBe(0);
  });
});
