import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { eventSource, recordSecurityEvent, SECURITY_EVENT_FLUSH_MS, SECURITY_EVENT_SAMPLES_PER_MINUTE } from "../../shared/db/security-events.ts";
import { BASE, inboundParams, telephonyTenant } from "../../test/workers/telephony-fixtures.ts";

const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);

describe("a flood of forged Twilio webhooks", () => {
  it("writes at most 10 security-event rows per source and minute and a bounded number of counter upserts, and counts every request", async () => {
    const t = await telephonyTenant();
    const ip = "203.0.113.77";
    const forged = () =>
      exports.default.fetch(
        new Request(`${BASE}/twilio/voice`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "Zm9yZ2VkLXNpZ25hdHVyZQ==", "cf-connecting-ip": ip },
          body: new URLSearchParams(inboundParams(t)).toString(),
        }),
      );
    // Every D1 statement of this isolate (the worker's handler included) is prepared and bound through these
    // prototypes. Other test files' leftover work shares the isolate, so only counter upserts bound with this
    // flood's source count.
    const prepare = vi.spyOn(Object.getPrototypeOf(env.DB) as D1Database, "prepare");
    const bind = vi.spyOn(Object.getPrototypeOf(env.DB.prepare("SELECT 1")) as D1PreparedStatement, "bind");
    const counterWrites = () => {
      const upserts = new Set(prepare.mock.calls.flatMap(([query], i) => (/insert into "security_event_counts"/i.test(query) ? [prepare.mock.results[i]!.value] : [])));
      return bind.mock.contexts.filter((statement, i) => upserts.has(statement) && bind.mock.calls[i]!.includes(ip)).length;
    };
    const started = Date.now();
    for (let i = 0; i < 200; i++) expect((await forged()).status).toBe(403);
    const ended = Date.now();

    // An event in a later minute writes what the flood's minute(s) still hold in memory.
    await recordSecurityEvent(env, { kind: "stream_before_start", path: "/flush", ip: "198.51.100.250" }, undefined, ended + 60_000);
    const counted = () => env.DB.prepare("SELECT sum(count) AS n FROM security_event_counts WHERE kind = 'twilio_signature_invalid' AND source = ?").bind(ip).first<{ n: number }>();
    await vi.waitFor(async () => expect((await counted())?.n).toBe(200), { timeout: 10_000, interval: 50 });

    // Grouped by minute: the requests may straddle a minute boundary, each minute keeps its own budget.
    const rows = await env.DB.prepare("SELECT substr(at, 1, 16) AS minute, count(*) AS n FROM security_events WHERE ip = ? GROUP BY minute").bind(ip).all<{ minute: string; n: number }>();
    for (const { n } of rows.results) expect(n).toBeLessThanOrEqual(SECURITY_EVENT_SAMPLES_PER_MINUTE);
    expect(rows.results.reduce((sum, r) => sum + r.n, 0)).toBeGreaterThanOrEqual(SECURITY_EVENT_SAMPLES_PER_MINUTE);
    // Per minute of the flood: its first event, one per flush interval, and the write when the minute passed.
    const minutes = new Set([minuteOf(started), minuteOf(ended)]).size;
    expect(counterWrites()).toBeGreaterThanOrEqual(2);
    expect(counterWrites()).toBeLessThanOrEqual(2 * minutes + Math.floor((ended - started) / SECURITY_EVENT_FLUSH_MS) + 1);
    prepare.mockRestore();
    bind.mockRestore();
  });
});

describe("eventSource", () => {
  it("is the IPv4 address, the /64 of an IPv6 address, else the account", () => {
    expect(eventSource("198.51.100.4", "AYB-1")).toBe("198.51.100.4");
    expect(eventSource("::ffff:198.51.100.4", null)).toBe("198.51.100.4");
    expect(eventSource("2001:db8:aa:bb:1:2:3:4", null)).toBe("2001:db8:aa:bb::/64");
    expect(eventSource("2001:db8:aa:bb::9", null)).toBe(eventSource("2001:0db8:00aa:00bb:ffff::1", null));
    expect(eventSource("2001:db8::1", null)).toBe("2001:db8:0:0::/64");
    expect(eventSource(null, "AYB-1")).toBe("account:AYB-1");
    expect(eventSource(undefined, null)).toBe("unknown");
  });
});
