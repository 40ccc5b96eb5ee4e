import { describe, expect, it } from "vitest";
import { LATENCY_PROFILE_NAMES, LatencySampler, latencyProfiles, type Distribution, type LatencyProfile } from "./latency-profile.ts";

const DRAWS = 20_000;

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function drawMany(sampler: LatencySampler, d: Distribution, n = DRAWS): number[] {
  return Array.from({ length: n }, () => sampler.draw(d)).sort((a, b) => a - b);
}

/** Every finite, non-zero distribution of a profile, by path. */
function distributionsOf(profile: LatencyProfile): [string, Distribution][] {
  const out: [string, Distribution][] = [];
  const visit = (path: string, value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    if ("p50Ms" in value && "p95Ms" in value) {
      const d = value as Distribution;
      if (d.p50Ms > 0 && Number.isFinite(d.p50Ms)) out.push([path, d]);
      return;
    }
    for (const [key, inner] of Object.entries(value)) visit(path ? `${path}.${key}` : key, inner);
  };
  visit("", profile);
  return out;
}

describe("LatencySampler", () => {
  const cases = LATENCY_PROFILE_NAMES.flatMap((name) => distributionsOf(latencyProfiles[name]).map(([path, d]) => [`${name}.${path}`, d] as const));

  it.each(cases)("%s: the median and p95 of 20k draws are within 5%% of the profile's, and draws vary", (_label, d) => {
    const draws = drawMany(new LatencySampler("instant", 42), d);
    expect(quantile(draws, 0.5)).toBeGreaterThanOrEqual(d.p50Ms * 0.95);
    expect(quantile(draws, 0.5)).toBeLessThanOrEqual(d.p50Ms * 1.05);
    expect(quantile(draws, 0.95)).toBeGreaterThanOrEqual(d.p95Ms * 0.95);
    expect(quantile(draws, 0.95)).toBeLessThanOrEqual(d.p95Ms * 1.05);
    if (d.p95Ms > d.p50Ms) expect(draws.at(-1)! - draws[0]!).toBeGreaterThan((d.p95Ms - d.p50Ms) / 2);
  });

  it("has a right tail: the p99 lies beyond the p95", () => {
    const d = latencyProfiles.realistic.llmFirstToken.sonnet;
    const draws = drawMany(new LatencySampler("instant", 3), d);
    expect(quantile(draws, 0.99)).toBeGreaterThan(d.p95Ms * 1.05);
  });

  it("repeats the same sequence for the same seed and another for another seed", () => {
    const d = latencyProfiles.realistic.sttFinal;
    const sequence = (seed: number) => {
      const sampler = new LatencySampler("realistic", seed);
      return Array.from({ length: 50 }, () => sampler.draw(d));
    };
    expect(sequence(7)).toEqual(sequence(7));
    expect(sequence(7)).not.toEqual(sequence(8));
  });

  it("answers zero for zero distributions and Infinity for unlimited rates (the instant profile)", () => {
    const sampler = new LatencySampler("instant", 1);
    const p = latencyProfiles.instant;
    for (const d of [p.sttFinal, p.llmFirstToken.haiku, p.llmFirstToken.sonnet, p.ttsFirstByteCold, p.ttsFirstByteWarm, p.connectHandshake, p.twilioWebhook, p.twilioMediaTransit]) {
      expect(sampler.draw(d)).toBe(0);
    }
    expect(sampler.draw(p.llmTokensPerSecond.haiku)).toBe(Infinity);
    expect(sampler.withTail(0)).toBe(0);
    expect(sampler.shouldDropSocket()).toBe(false);
  });

  it("jittery: about 5% of responses become multi-second stragglers and about 10% of sockets drop", () => {
    const sampler = new LatencySampler("jittery", 11);
    const tails = Array.from({ length: DRAWS }, () => sampler.withTail(100));
    const stragglers = tails.filter((ms) => ms > 100);
    expect(stragglers.length / DRAWS).toBeGreaterThan(0.04);
    expect(stragglers.length / DRAWS).toBeLessThan(0.06);
    expect(Math.min(...stragglers)).toBeGreaterThan(1000);
    const sortedExtra = stragglers.map((ms) => ms - 100).sort((a, b) => a - b);
    expect(quantile(sortedExtra, 0.5)).toBeGreaterThan(latencyProfiles.jittery.stragglerMs.p50Ms * 0.9);
    expect(quantile(sortedExtra, 0.5)).toBeLessThan(latencyProfiles.jittery.stragglerMs.p50Ms * 1.1);
    const drops = Array.from({ length: DRAWS }, () => sampler.shouldDropSocket()).filter(Boolean).length;
    expect(drops / DRAWS).toBeGreaterThan(0.09);
    expect(drops / DRAWS).toBeLessThan(0.11);
  });
});

/** The published figures (see ../shared/docs/latency.md); changing a realistic figure must break this. */
describe("the realistic profile follows the issue's figures", () => {
  const p = latencyProfiles.realistic;
  const near = (value: number, target: number, tolerance: number) => {
    expect(value).toBeGreaterThanOrEqual(target * (1 - tolerance));
    expect(value).toBeLessThanOrEqual(target * (1 + tolerance));
  };

  it("Deepgram final ≈ 250 ms after the end of speech, p95 ≈ 300 ms", () => {
    near(p.sttFinal.p50Ms, 250, 0.05);
    near(p.sttFinal.p95Ms, 300, 0.05);
  });

  it("Haiku-class first token 600–800 ms at 65–100 tokens/s", () => {
    const sampler = new LatencySampler("instant", 5);
    const first = drawMany(sampler, p.llmFirstToken.haiku);
    expect(quantile(first, 0.5)).toBeGreaterThanOrEqual(600);
    expect(quantile(first, 0.5)).toBeLessThanOrEqual(800);
    expect(quantile(first, 0.05)).toBeGreaterThanOrEqual(600);
    expect(quantile(first, 0.95)).toBeLessThanOrEqual(820);
    const rate = drawMany(sampler, p.llmTokensPerSecond.haiku);
    expect(quantile(rate, 0.05)).toBeGreaterThanOrEqual(65 * 0.98);
    expect(quantile(rate, 0.95)).toBeLessThanOrEqual(100);
    expect(quantile(rate, 0.95) - quantile(rate, 0.05)).toBeGreaterThan(20);
  });

  it("Sonnet-class first token ≈ 930 ms at ≈ 53 tokens/s", () => {
    near(p.llmFirstToken.sonnet.p50Ms, 930, 0.05);
    near(p.llmTokensPerSecond.sonnet.p50Ms, 53, 0.05);
    expect(p.llmTokensPerSecond.sonnet.p95Ms).toBeGreaterThan(p.llmTokensPerSecond.sonnet.p50Ms);
  });

  it("Aura-2 first audio ≈ 310 ms on a new request, less on a warm socket", () => {
    near(p.ttsFirstByteCold.p50Ms, 310, 0.05);
    expect(p.ttsFirstByteWarm.p50Ms).toBeLessThan(p.ttsFirstByteCold.p50Ms);
    expect(p.ttsFirstByteWarm.p95Ms).toBeLessThan(p.ttsFirstByteCold.p95Ms);
  });

  it("a cold connection costs 80–200 ms extra", () => {
    const draws = drawMany(new LatencySampler("instant", 9), p.connectHandshake);
    expect(quantile(draws, 0.05)).toBeGreaterThanOrEqual(80);
    expect(quantile(draws, 0.95)).toBeLessThanOrEqual(200 * 1.02);
  });

  it("has no tail: no stragglers, no dropped sockets", () => {
    expect(p.stragglerRate).toBe(0);
    expect(p.socketDropRate).toBe(0);
  });
});
