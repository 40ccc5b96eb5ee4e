import { z } from "@hono/zod-openapi";
import { findAction } from "../../shared/integrations/registry.ts";
import { WEBHOOK_EVENTS } from "../../shared/webhooks/event-catalogue.ts";
import { placeholdersOf, TemplateError, templateStrings } from "./template-language.ts";
import type { WorkflowStep, WorkflowTrigger } from "./workflow-schemas.ts";

export interface TemplateIssue {
  path: string;
  message: string;
  code: "unknown_field" | "template_syntax" | "unknown_action";
}

type ZodDef = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; options?: z.ZodType[] };
const defOf = (schema: z.ZodType): ZodDef => (schema as unknown as { def: ZodDef }).def;

/** True when `path` names a field `schema` can hold; records, unknowns and unions are open below them. */
function schemaHas(schema: z.ZodType, path: readonly string[]): boolean {
  const def = defOf(schema);
  if (["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"].includes(def.type) && def.innerType) return schemaHas(def.innerType, path);
  if (path.length === 0) return true;
  if (def.type === "object") {
    const next = def.shape?.[path[0]!];
    return next !== undefined && Object.hasOwn(def.shape!, path[0]!) && schemaHas(next, path.slice(1));
  }
  if (def.type === "array") return /^\d+$/.test(path[0]!) && def.element !== undefined && schemaHas(def.element, path.slice(1));
  return ["record", "unknown", "any", "union", "intersection", "pipe"].includes(def.type);
}

/** What a template can read: the triggering event, the run, and the outputs of the steps before it. */
function contextSchema(trigger: WorkflowTrigger, earlier: readonly WorkflowStep[]): z.ZodType {
  const event =
    trigger.type === "manual"
      ? z.record(z.string(), z.unknown())
      : trigger.type === "schedule"
        ? z.object({ scheduled_at: z.string() })
        : trigger.type === "campaign.completed"
          ? WEBHOOK_EVENTS[trigger.type].data
          : // event-dispatch.ts adds the person's number to call events.
            WEBHOOK_EVENTS[trigger.type].data.extend({ phone: z.string() });
  const steps: Record<string, z.ZodType> = {};
  for (const step of earlier) {
    if (step.type === "action") {
      const found = findAction(step.integration, step.action);
      if (found) steps[step.id] = found.action.output;
    } else if (step.type === "http") steps[step.id] = z.object({ ok: z.boolean() });
    else if (step.type === "outbound_call") steps[step.id] = z.object({ call_id: z.string(), status: z.string() });
    else if (step.type === "add_to_campaign") steps[step.id] = z.object({ campaign_id: z.string(), added: z.boolean() });
  }
  return z.object({
    event,
    event_type: z.string(),
    workflow: z.object({ id: z.string(), name: z.string() }),
    run: z.object({ id: z.string() }),
    steps: z.object(steps),
  });
}

/** The parts of a step that are templates, by their names in the body. */
function templatedParts(step: WorkflowStep): Record<string, unknown> {
  switch (step.type) {
    case "http":
      return { url: step.url, headers: step.headers, body: step.body };
    case "action":
      return { input: step.input };
    case "outbound_call":
      return { to: step.to, variables: step.variables };
    case "add_to_campaign":
      return { phone: step.phone, timezone: step.timezone, variables: step.variables };
    default:
      return {};
  }
}

/** Templates (and condition fields) that refer to fields the run will not have, each pointed at its place in the body. */
export function templateIssues(trigger: WorkflowTrigger, steps: readonly WorkflowStep[]): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  steps.forEach((step, index) => {
    const context = contextSchema(trigger, steps.slice(0, index));
    const base = `steps.${index}`;
    if (step.type === "action" && !findAction(step.integration, step.action)) {
      issues.push({ path: `${base}.action`, message: `the integration "${step.integration}" has no action "${step.action}"`, code: "unknown_action" });
    }
    if (step.type === "condition" && !schemaHas(context, step.field.split("."))) {
      issues.push({ path: `${base}.field`, message: `\`${step.field}\` is not a field this workflow's runs have`, code: "unknown_field" });
    }
    const templated = templatedParts(step);
    for (const { path, text } of templateStrings(templated, base)) {
      try {
        for (const placeholder of placeholdersOf(text)) {
          if (!schemaHas(context, placeholder.path)) issues.push({ path, message: `\`${placeholder.path.join(".")}\` is not a field this workflow's runs have`, code: "unknown_field" });
        }
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        issues.push({ path, message: error.message, code: "template_syntax" });
      }
    }
  });
  return issues;
}
