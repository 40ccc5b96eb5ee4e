import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventSource, SECURITY_EVENT_SAMPLES_PER_MINUTE } from "../../shared/db/security-events.ts";
import { BASE, inboundParams, telephonyTenant } from "../../test/workers/telephony-fixtures.ts";

describe("a flood of forged Twilio webhooks", () => {
  it("writes at most 10 security-event rows per source and minute, and counts every request", async () => {
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
    for (let i = 0; i < 50; i++) expect((await forged()).status).toBe(403);

    // Grouped by minute: the 50 requests may straddle a minute boundary, each minute keeps its own budget.
    const rows = await env.DB.prepare("SELECT substr(at, 1, 16) AS minute, count(*) AS n FROM security_events WHERE ip = ? GROUP BY minute").bind(ip).all<{ minute: string; n: number }>();
    for (const { n } of rows.results) expect(n).toBeLessThanOrEqual(SECURITY_EVENT_SAMPLES_PER_MINUTE);
    expect(rows.results.reduce((sum, r) => sum + r.n, 0)).toBeGreaterThanOrEqual(SECURITY_EVENT_SAMPLES_PER_MINUTE);
    const counted = await env.DB.prepare("SELECT sum(count) AS n FROM security_event_counts WHERE kind = 'twilio_signature_invalid' AND source = ?").bind(ip).first<{ n: number }>();
    expect(counted?.n).toBe(50);
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
