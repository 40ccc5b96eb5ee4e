import { NonRetryableError } from "cloudflare:workflows";
import { recordPlacedCall } from "../../shared/calls/call-records.ts";
import { dialOutbound } from "../../shared/calls/outbound-dial.ts";
import { campaignObject } from "../../shared/campaigns/campaign-rpc.ts";
import { CampaignContact } from "../../shared/campaigns/campaign-schemas.ts";
import { zE164 } from "../../shared/phone/e164.ts";
import { settleRecordedDial, stepDialIntents, type StepKey } from "./step-dial-intents.ts";
import { renderTemplate, renderValue } from "./template-language.ts";
import type { AddToCampaignStep, OutboundCallStep } from "./workflow-schemas.ts";

/** What the steps that reach callees need beside the run's data. */
export interface CallStepContext {
  env: Env;
  accountId: string;
  /** Where Twilio reaches the platform: PUBLIC_BASE_URL, else the URL the workflow was saved through. */
  publicBaseUrl: string | null;
  waitUntil: (p: Promise<unknown>) => void;
  /** The run's step being executed: a dial is recorded under it before Twilio is asked. */
  step: StepKey;
}

/** Rendered variables as the strings a prompt (or a contact) holds. */
const asStrings = (values: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v)]));

const renderedText = (template: string, data: unknown): string => {
  const value = renderTemplate(template, data);
  return value === null || value === undefined ? "" : String(value);
};

/**
 * Places the call through the shared outbound dial, so a workflow's call passes every check `POST /v1/calls` does.
 * Errors name reasons, never the number (a run's error is listed with it). A full account (concurrency) and an
 * unreachable Twilio are retried by the engine; any other refusal fails the step at once. The dial is recorded
 * under the step before Twilio is asked, so an attempt that follows one cut off after it finds that call instead
 * of dialling again (./step-dial-intents.ts).
 */
export async function placeOutboundCall(ctx: CallStepContext, step: OutboundCallStep, data: unknown): Promise<{ call_id: string; status: "placed" }> {
  const intents = stepDialIntents(ctx.env.DB);
  const recorded = await intents.find(ctx.step);
  if (recorded) return { call_id: await settleRecordedDial({ ...ctx, consentType: step.consent_type }, ctx.step, recorded), status: "placed" };
  const to = zE164.safeParse(renderedText(step.to, data));
  if (!to.success) throw new NonRetryableError("the rendered `to` is not an E.164 number");
  const base = ctx.env.PUBLIC_BASE_URL || ctx.publicBaseUrl;
  if (!base) throw new NonRetryableError("no public URL for Twilio to reach the platform: set PUBLIC_BASE_URL, or save the workflow again");
  let intentCallId: string | null = null;
  const dial = dialOutbound(ctx.env, ctx.waitUntil, {
    accountId: ctx.accountId,
    agentId: step.agent_id,
    to: to.data,
    from: step.from,
    consentType: step.consent_type,
    variables: asStrings(renderValue(step.variables, data)),
    machineDetection: step.machine_detection,
    publicBaseUrl: base.replace(/\/+$/, ""),
    requestId: null,
    keepUnconfirmed: true,
    beforeTwilio: async (callId) => {
      await intents.record(ctx.step, callId, Date.now());
      intentCallId = callId;
    },
  });
  const result = await dial.catch(async (error: unknown) => {
    // Failed before Twilio was asked (the dial gave the call back): the next attempt dials afresh.
    if (intentCallId) await intents.drop(ctx.step);
    throw error;
  });
  switch (result.kind) {
    case "placed":
      await intents.placed(ctx.step, result.callSid);
      await recordPlacedCall(ctx.env, ctx.waitUntil, ctx.accountId, { id: result.callId, callSid: result.callSid }, { to: to.data, direction: "outbound", consent_type: step.consent_type, agent_version: result.agentVersion });
      return { call_id: result.callId, status: "placed" };
    case "refused":
      if (result.reason === "concurrency_limit") throw new Error("refused: concurrency_limit (the account is at its concurrent-call limit)");
      throw new NonRetryableError(`refused: ${result.reason}`);
    case "rejected":
      throw new NonRetryableError(`${result.field}: ${result.detail}`);
    case "provider_failed":
      // Kept unconfirmed: the retry settles the recorded dial (found, or `dial_unconfirmed`), never dials again.
      if (result.unconfirmed) throw new Error(`Twilio's answer for call ${result.callId} was lost (${result.reason}); the retry looks the call up at Twilio`);
      // Otherwise Twilio refused it (4xx): no call exists, so a retry of the run may dial.
      await intents.drop(ctx.step);
      throw new NonRetryableError(`Twilio refused call ${result.callId}: ${result.reason}`);
  }
}

/** Appends the rendered contact to the account's campaign; a campaign that has ended refuses it for good. */
export async function addToCampaign(ctx: CallStepContext, step: AddToCampaignStep, data: unknown): Promise<{ campaign_id: string; added: boolean }> {
  const timezone = step.timezone === undefined ? "" : renderedText(step.timezone, data);
  const contact = CampaignContact.safeParse({ phone: renderedText(step.phone, data), ...(timezone ? { timezone } : {}), variables: asStrings(renderValue(step.variables, data)) });
  if (!contact.success) throw new NonRetryableError(`the rendered contact is not valid: ${contact.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const owned = await ctx.env.DB.prepare("SELECT 1 FROM campaigns WHERE id = ? AND account_id = ?").bind(step.campaign_id, ctx.accountId).first();
  if (!owned) throw new NonRetryableError(`the campaign ${step.campaign_id} does not exist`);
  const result = await campaignObject(ctx.env, step.campaign_id).appendContact(contact.data, Date.now());
  if (!result.ok) throw new NonRetryableError(result.conflict);
  return { campaign_id: step.campaign_id, added: result.value.added };
}
