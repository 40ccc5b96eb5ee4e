import { agentVersionConfig } from "../../shared/agents/live-agent.ts";
import { redactJson, redactText } from "../../shared/compliance/pii-detector.ts";
import { PII_KINDS, type PiiKind } from "../../shared/compliance/pii-kinds.ts";
import type { CallIdentity } from "../../shared/calls/call-identity.ts";
import type { TurnRole } from "./call-store.ts";

/**
 * The kinds the call's agent version redacts from what leaves the call's object (D1 rows, webhooks). The object's
 * own storage keeps the words as said while the call runs (a restarted call resumes the conversation from them)
 * and is purged once the call is delivered. A version that cannot be read redacts every kind: failing closed.
 */
export async function callRedactionKinds(env: Env, meta: CallIdentity): Promise<readonly PiiKind[]> {
  const agent = await agentVersionConfig(env, meta.accountId, meta.agentId, meta.agentVersion);
  return agent ? (agent.config.pii_redaction ?? []) : PII_KINDS;
}

/** A turn's text as stored: a tool turn is JSON (arguments and result), redacted value by value so it stays JSON. */
export function redactTurnText(role: TurnRole, text: string, kinds: readonly PiiKind[]): string {
  if (kinds.length === 0) return text;
  if (role === "tool") {
    try {
      return JSON.stringify(redactJson(JSON.parse(text), kinds));
    } catch {
      // Not JSON after all: redacted as text below.
    }
  }
  return redactText(text, kinds);
}
