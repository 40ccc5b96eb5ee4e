import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordSecurityEvent, SECURITY_EVENT_FLUSH_MS, SECURITY_EVENT_MAX_KEYS, SECURITY_EVENT_SAMPLES_PER_MINUTE } from "./security-events.ts";

const stored = (source: string, minute: string) =>
  env.DB.prepare("SELECT count FROM security_event_counts WHERE kind = 'stream_before_start' AND source = ? AND minute = ?").bind(source, minute).first<number>("count");
const samples = (ip: string) => env.DB.prepare("SELECT count(*) AS n FROM security_events WHERE ip = ?").bind(ip).first<number>("n");
const event = (ip: string) => ({ kind: "stream_before_start" as const, path: "/test", ip });

describe("recordSecurityEvent's counter", () => {
  it("writes a key's first event at once, then its accumulated delta no sooner than the flush interval, and the rest when the minute passes", async () => {
    const ip = "192.0.2.10";
    const t0 = Date.UTC(2031, 0, 1, 0, 0, 0);
    await recordSecurityEvent(env, event(ip), undefined, t0);
    expect(await stored(ip, "2031-01-01T00:00")).toBe(1);

    for (let i = 1; i < 30; i++) await recordSecurityEvent(env, event(ip), undefined, t0 + (i * (SECURITY_EVENT_FLUSH_MS - 1)) / 30);
    expect(await stored(ip, "2031-01-01T00:00")).toBe(1);

    await recordSecurityEvent(env, event(ip), undefined, t0 + SECURITY_EVENT_FLUSH_MS);
    expect(await stored(ip, "2031-01-01T00:00")).toBe(31);
    for (let i = 0; i < 9; i++) await recordSecurityEvent(env, event(ip), undefined, t0 + SECURITY_EVENT_FLUSH_MS + 1);
    expect(await stored(ip, "2031-01-01T00:00")).toBe(31);
    expect(await samples(ip)).toBe(SECURITY_EVENT_SAMPLES_PER_MINUTE);

    // The next minute's first event (any source) writes the 9 the old minute still held, and starts its own key.
    await recordSecurityEvent(env, event("192.0.2.11"), undefined, t0 + 60_000);
    expect(await stored(ip, "2031-01-01T00:00")).toBe(40);
    expect(await stored("192.0.2.11", "2031-01-01T00:01")).toBe(1);
  });

  it("hands its writes to waitUntil when given a context, and leaves the sample budget other isolates used", async () => {
    const ip = "192.0.2.20";
    const t0 = Date.UTC(2031, 0, 1, 0, 30, 0);
    // Another isolate already counted 8 events of this key.
    await env.DB.prepare("INSERT INTO security_event_counts (kind, source, minute, count) VALUES ('stream_before_start', ?, '2031-01-01T00:30', 8)").bind(ip).run();
    const deferred: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void deferred.push(p) };
    for (let i = 0; i < 5; i++) {
      await recordSecurityEvent(env, event(ip), ctx, t0 + i);
      await Promise.all(deferred);
    }
    expect(deferred).toHaveLength(5);
    expect(await stored(ip, "2031-01-01T00:30")).toBe(9);
    expect(await samples(ip)).toBe(SECURITY_EVENT_SAMPLES_PER_MINUTE - 8);
  });

  it("tracks at most SECURITY_EVENT_MAX_KEYS sources per minute, counts the others into `overflow`, and frees them when the minute passes", async () => {
    const t0 = Date.UTC(2031, 0, 1, 1, 0, 0);
    const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i < SECURITY_EVENT_MAX_KEYS + 5; i++) await recordSecurityEvent(env, event(ip(i)), undefined, t0);
    expect(await stored(ip(SECURITY_EVENT_MAX_KEYS - 1), "2031-01-01T01:00")).toBe(1);
    expect(await stored(ip(SECURITY_EVENT_MAX_KEYS), "2031-01-01T01:00")).toBeNull();
    expect(await stored("overflow", "2031-01-01T01:00")).toBe(1);

    // Within the flush interval the overflow bucket only accumulates; the minute's end writes it.
    await recordSecurityEvent(env, event(ip(SECURITY_EVENT_MAX_KEYS + 6)), undefined, t0 + 60_000);
    expect(await stored("overflow", "2031-01-01T01:00")).toBe(5);
    expect(await stored(ip(SECURITY_EVENT_MAX_KEYS + 6), "2031-01-01T01:01")).toBe(1);
  }, 60_000);
});
