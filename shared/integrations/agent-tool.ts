import { z } from "zod";
import { actionContext, type IntegrationEnv } from "./connection-credentials.ts";
import { IntegrationError, type IntegrationAction } from "./integration.ts";
import { findAction } from "./registry.ts";

/** An agent tool backed by an integration action (agent-config.ts `IntegrationTool`). */
export interface IntegrationToolConfig {
  integration: string;
  action: string;
  name: string;
  description?: string;
  /** Inputs the tenant fixes (e.g. the Cal.com event type): the model neither sees nor chooses them. */
  defaults: Record<string, string | number | boolean>;
}

export interface IntegrationToolResult {
  status: "success" | "error";
  content: string;
}

function actionOf(tool: IntegrationToolConfig): IntegrationAction {
  const found = findAction(tool.integration, tool.action);
  if (!found) throw new Error(`no integration action ${tool.integration}.${tool.action}`);
  return found.action;
}

/** The model-facing input schema: the action's input as JSON Schema, without the inputs the tenant fixed. */
export function integrationToolSchema(tool: IntegrationToolConfig): Record<string, unknown> {
  const schema = z.toJSONSchema(actionOf(tool).input, { io: "input" }) as { properties?: Record<string, unknown>; required?: string[] };
  const fixed = new Set(Object.keys(tool.defaults));
  return {
    type: "object",
    properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([key]) => !fixed.has(key))),
    required: (schema.required ?? []).filter((key) => !fixed.has(key)),
  };
}

export const integrationToolDescription = (tool: IntegrationToolConfig): string => tool.description ?? actionOf(tool).description;

/**
 * Runs an integration action for the model during a call: the same action a workflow step runs, with the tenant's
 * fixed inputs over the model's. Never throws: a refused input or a vendor failure is an error result the model can
 * explain to the caller.
 */
export async function runIntegrationTool(env: IntegrationEnv, accountId: string, tool: IntegrationToolConfig, input: unknown, signal: AbortSignal): Promise<IntegrationToolResult> {
  const action = actionOf(tool);
  const parsed = action.input.safeParse({ ...(input && typeof input === "object" ? input : {}), ...tool.defaults });
  if (!parsed.success) return { status: "error", content: JSON.stringify({ error: `invalid input: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` }) };
  try {
    const output = await action.run(parsed.data, await actionContext(env, accountId, findAction(tool.integration, tool.action)!.integration, signal));
    return { status: "success", content: JSON.stringify(output) };
  } catch (error) {
    const message = error instanceof IntegrationError ? error.message : `the ${tool.name} service failed`;
    console.warn(JSON.stringify({ level: "warn", component: "integration-tool", tool: tool.name, integration: tool.integration, error: error instanceof Error ? error.name : "unknown" }));
    return { status: "error", content: JSON.stringify({ error: message }) };
  }
}
