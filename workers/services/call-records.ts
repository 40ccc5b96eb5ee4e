import { database, nowIso } from "../../shared/db/client.ts";
import { calls } from "../../shared/db/schema.ts";
import { appendAudit } from "./audit-log.ts";

export type CallRow = typeof calls.$inferSelect;

export interface NewCall {
  id: string;
  accountId: string;
  agentId: string;
  agentVersion: number;
  direction: "inbound" | "outbound";
  from: string;
  to: string;
  twilioCallSid: string | null;
  status: CallRow["status"];
}

export function insertCall(env: Env, call: NewCall): Promise<CallRow> {
  const now = nowIso();
  return database(env.DB)
    .insert(calls)
    .values({
      id: call.id,
      accountId: call.accountId,
      agentId: call.agentId,
      agentVersion: call.agentVersion,
      direction: call.direction,
      fromNumber: call.from,
      toNumber: call.to,
      twilioCallSid: call.twilioCallSid,
      status: call.status,
      createdAt: now,
      startedAt: call.direction === "inbound" ? now : null,
    })
    .returning()
    .get();
}

/** A call the platform declined, recorded in the account's tamper-evident audit log with the reason. */
export function auditCallRefusal(env: Env, accountId: string, detail: { reason: string; call_sid?: string | null; to?: string; from?: string; direction: string }, requestId?: string) {
  return appendAudit(database(env.DB), {
    accountId,
    actor: detail.direction === "inbound" ? "twilio" : "platform",
    action: "call.refused",
    resource: detail.call_sid ?? null,
    requestId: requestId ?? null,
    detail,
  });
}

/** An inbound call the platform took (outbound calls are audited as the `POST /v1/calls` write that placed them). */
export function auditCallAccepted(env: Env, accountId: string, detail: { call_id: string; call_sid: string | null; to: string; from: string; agent_version: number }, requestId?: string) {
  return appendAudit(database(env.DB), { accountId, actor: "twilio", action: "call.accepted", resource: detail.call_id, requestId: requestId ?? null, detail: { ...detail, direction: "inbound" } });
}
