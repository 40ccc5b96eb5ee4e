import { NonRetryableError } from "cloudflare:workflows";
import { actionContext } from "../../shared/integrations/connection-credentials.ts";
import { IntegrationError } from "../../shared/integrations/integration.ts";
import { findAction } from "../../shared/integrations/registry.ts";
import { addToCampaign, placeOutboundCall, type CallStepContext } from "./call-steps.ts";
import { lookup, renderValue } from "./template-language.ts";
import { E164_PATTERN } from "../../shared/phone/e164.ts";
import { trialTextRefusal } from "../../shared/compliance/trial-gates.ts";
import { database } from "../../shared/db/client.ts";
import { sendSms } from "../../shared/twilio/send-sms.ts";
import { TwilioApiError } from "../../shared/twilio/twilio-client.ts";
import type { ConditionStep } from "./workflow-schemas.ts";
import type { WorkflowStep } from "./workflow-schemas.ts";
import type { z } from "@hono/zod-openapi";

/** What templates read during a run. */
export interface RunData {
  event: Record<string, unknown>;
  event_type: string;
  workflow: { id: string; name: string };
  run: { id: string };
  steps: Record<string, unknown>;
}

/** The integration action a step runs, with its rendered input: an HTTP step is the generic HTTP action. */
function actionOf(step: Extract<WorkflowStep, { type: "http" | "action" }>, data: RunData): { integration: string; action: string; input: unknown } {
  if (step.type === "http") return { integration: "http", action: "request", input: renderValue({ url: step.url, method: step.method, headers: step.headers, body: step.body }, data) };
  return { integration: step.integration, action: step.action, input: renderValue(step.input, data) };
}

/** Steps that run as one `step.do` (a condition and a delay are the engine's own). */
export type ExecutedStep = Exclude<WorkflowStep, { type: "condition" | "delay" }>;

/** Runs one step that does something: a call, a campaign contact, a text, or an integration action (HTTP included). */
export function executeStep(ctx: CallStepContext, step: ExecutedStep, data: RunData): Promise<unknown> {
  if (step.type === "outbound_call") return placeOutboundCall(ctx, step, data);
  if (step.type === "add_to_campaign") return addToCampaign(ctx, step, data);
  if (step.type === "sms") return textStep(ctx.env, ctx.accountId, step, data);
  return executeAction(ctx.env, ctx.accountId, step, data);
}

/**
 * Runs one HTTP or action step. A failure that cannot heal by retrying (a 4xx, a refused URL, input the action
 * refuses) is a NonRetryableError, so the engine fails the step at once; anything else is retried by the engine.
 */
async function executeAction(env: Env, accountId: string, step: Extract<WorkflowStep, { type: "http" | "action" }>, data: RunData): Promise<unknown> {
  const { integration, action, input } = actionOf(step, data);
  const found = findAction(integration, action);
  if (!found) throw new NonRetryableError(`the integration "${integration}" has no action "${action}"`);
  const parsed = found.action.input.safeParse(input);
  if (!parsed.success) throw new NonRetryableError(`the rendered input is not valid for ${integration}.${action}: ${issuesText(parsed.error)}`);
  try {
    const output = await found.action.run(parsed.data, await actionContext(env, accountId, found.integration));
    return found.action.output.parse(output);
  } catch (error) {
    if (error instanceof IntegrationError && !error.retryable) throw new NonRetryableError(error.message);
    throw error;
  }
}

/** An SMS step: Twilio's 4xx (a bad number, a body too long) and an account that cannot text are final. */
async function textStep(env: Env, accountId: string, step: Extract<WorkflowStep, { type: "sms" }>, data: RunData): Promise<{ message_sid: string; from: string }> {
  const to = String(renderValue(step.to, data)).trim();
  const body = String(renderValue(step.body, data));
  if (!E164_PATTERN.test(to)) throw new NonRetryableError(`the step's "to" rendered to "${to}", not an E.164 number`);
  if (body === "" || [...body].length > 1600) throw new NonRetryableError("the step's body rendered empty or over 1600 characters");
  const refusal = await trialTextRefusal(database(env.DB), accountId, to);
  if (refusal) throw new NonRetryableError(refusal);
  try {
    const sent = await sendSms(env, accountId, { to, body });
    if (sent.kind === "rejected") throw new NonRetryableError(sent.detail);
    return { message_sid: sent.sid, from: sent.from };
  } catch (error) {
    if (error instanceof TwilioApiError && error.status < 500 && error.status !== 429) throw new NonRetryableError(`Twilio refused the text (${error.code}): ${error.message}`);
    throw error;
  }
}

const issuesText = (error: z.ZodError) => error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");

export function conditionHolds(step: ConditionStep, data: RunData): boolean {
  const value = lookup(data, step.field.split("."));
  const wanted = step.value;
  switch (step.op) {
    case "exists":
      return value !== undefined && value !== null;
    case "not_exists":
      return value === undefined || value === null;
    case "eq":
      return value === wanted;
    case "ne":
      return value !== wanted;
    case "contains":
      return (typeof value === "string" && typeof wanted === "string" && value.includes(wanted)) || (Array.isArray(value) && value.includes(wanted));
    default: {
      if (typeof value !== "number" || typeof wanted !== "number") return false;
      return step.op === "gt" ? value > wanted : step.op === "gte" ? value >= wanted : step.op === "lt" ? value < wanted : value <= wanted;
    }
  }
}
