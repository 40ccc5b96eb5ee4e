import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PII_KINDS } from "../../shared/compliance/pii-kinds.ts";
import { acceptedCall, session, until } from "../../test/workers/media-stream-client.ts";
import { telephonyTenant, twilioPost } from "../../test/workers/telephony-fixtures.ts";
import { CallStore } from "./call-store.ts";
import { redactTurnText } from "./call-pii-redaction.ts";

/** One sample of each kind, as a caller says it and as a tool receives it. */
const PII = { card: "4111 1111 1111 1111", ssn: "123-45-6789", email: "jane.doe@example.com", phone: "+14155550199", dob: "03/14/1985" };
const SAID = `My card is ${PII.card}, SSN ${PII.ssn}, email ${PII.email}, call me on ${PII.phone}, born ${PII.dob}.`;
/** Each sample found in `text`, as said or as its bare digits. */
const leaks = (text: string) => Object.values(PII).filter((v) => text.includes(v) || (/^[\d +/-]+$/.test(v) && text.includes(v.replace(/\D/g, ""))));

describe("PII redaction of a call's records", () => {
  it("stores turns, tool arguments and results, and events in D1 with every listed kind redacted", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant({ agentConfig: { pii_redaction: [...PII_KINDS] } });
    const callId = (await acceptedCall(t)).params.call_id!;
    await runInDurableObject(session(callId), (_i, state) => {
      const store = new CallStore(state.storage.sql);
      store.startTurn("caller", SAID);
      store.startTurn("agent", `Thanks, I have ${PII.email} and ${PII.phone}.`);
      store.startTurn("tool", JSON.stringify({ name: "pay", input: { card: 4111111111111111, dob: PII.dob }, toolUseId: "tu_1", result: { status: "success", content: `charged ${PII.card} for ${PII.ssn}` } }));
      store.event("transfer.briefing_started", { voice: "aura-2-thalia-en", text: `Caller ${PII.phone}, ${PII.email}` });
      store.flushTurns();
    });
    await twilioPost(`/twilio/status/${callId}`, { AccountSid: t.accountSid, CallSid: "CA" + "2".repeat(32), CallStatus: "completed", CallDuration: "12" }, t.authToken);
    const turns = await until(
      () => env.DB.prepare("SELECT role, text FROM call_turns WHERE call_id = ? ORDER BY seq").bind(callId).all<{ role: string; text: string }>(),
      (r) => r.results.length === 3,
      10_000,
    );
    const events = await env.DB.prepare("SELECT data FROM call_events WHERE call_id = ?").bind(callId).all<{ data: string | null }>();
    const stored = [...turns.results.map((r) => r.text), ...events.results.map((r) => r.data ?? "")].join("\n");
    expect(leaks(stored)).toEqual([]);
    expect(turns.results[0]!.text).toBe(
      "My card is [redacted:card_number], SSN [redacted:ssn], email [redacted:email], call me on [redacted:phone_number], born [redacted:date_of_birth].",
    );
    // A tool turn stays JSON: the resumed history and the API read it back.
    expect(JSON.parse(turns.results[2]!.text)).toMatchObject({ input: { card: "[redacted:card_number]", dob: "[redacted:date_of_birth]" } });
  });

  it("leaves an agent's records as said when it lists no kinds", async () => {
    expect(redactTurnText("caller", SAID, [])).toBe(SAID);
    expect(redactTurnText("tool", "not json " + PII.email, ["email"])).toBe("not json [redacted:email]");
  });
});
