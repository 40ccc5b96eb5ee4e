import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("migrations", () => {
  it("create every table on an empty database", async () => {
    const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string }>();
    const names = results.map((r) => r.name);
    for (const table of ["accounts", "users", "api_keys", "agents", "agent_versions", "phone_numbers", "calls", "call_turns", "call_events", "consent_records", "do_not_call", "audit_log", "idempotency_keys", "provider_credentials"]) {
      expect(names).toContain(table);
    }
  });
});
