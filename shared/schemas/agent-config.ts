import { z } from "@hono/zod-openapi";
import { BEDROCK_MODEL_IDS } from "../llm/bedrock-models.ts";
import { AnalysisConfig } from "./agent-analysis-config.ts";
import { QualityConfig } from "./agent-quality-config.ts";
import { AURA2_VOICES } from "../voice/aura2-voices.ts";
import { FLUX_EOT_LIMITS, FLUX_STT_MODELS, isFluxModel, NOVA_STT_MODELS } from "../voice/deepgram-stt-models.ts";
import { boundedJson, JSON_FIELD_MAX_BYTES, JSON_FIELD_MAX_DEPTH } from "./bounded-json.ts";
import { displayName } from "./text-fields.ts";
import { PiiRedaction } from "../compliance/pii-kinds.ts";
import { DEEPGRAM_REDACT_VALUES, deepgramRedactIssue } from "../compliance/deepgram-redact.ts";
import { findAction } from "../integrations/registry.ts";

/**
 * The configuration of an agent: what an agent version freezes when published, and what the call's Durable
 * Object runs. One schema: API validation, OpenAPI, the stored JSON and the runtime type.
 */
const toolName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/, "letters, digits, _ and -, starting with a letter (max 64)");

/** A header value: plain, or a secret that is encrypted at rest and never returned by the API. */
export const ToolHeaderValue = z.union([
  z.object({ value: z.string().max(4096) }).strict(),
  z.object({ secret: z.string().min(1).max(4096) }).strict().openapi({ description: "Encrypted at rest; reads return `{secret_set: true}`." }),
  z.object({ secret_set: z.literal(true) }).strict().openapi({ description: "Keeps the secret already stored for this header." }),
]);

/** JSON Schema for a tool's parameters: an object schema, as Bedrock's toolSpec.inputSchema.json requires. */
export const ToolParameters = boundedJson(
  z
    .object({ type: z.literal("object"), properties: z.record(z.string(), z.unknown()).optional(), required: z.array(z.string()).optional() })
    .passthrough()
    .openapi({ description: `A JSON Schema object, at most ${JSON_FIELD_MAX_DEPTH} levels deep and ${JSON_FIELD_MAX_BYTES / 1024} KiB as JSON.` }),
);

export const HttpTool = z
  .object({
    type: z.literal("http"),
    name: toolName,
    description: z.string().min(1).max(1024),
    parameters: ToolParameters.default({ type: "object", properties: {} }),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .openapi({
        description:
          "HTTPS on port 443 to a public host: private, loopback, link-local and metadata addresses, internal names and credentials in the URL are refused when the agent is saved, and a name is resolved before each call (and redirect) and refused if it points at such an address. Hosts in `TOOL_HOST_ALLOWLIST` (local development) are exempt.",
      }),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("POST"),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), ToolHeaderValue).default({}),
    timeout_ms: z.number().int().min(100).max(30_000).default(5_000),
    pci: z
      .boolean()
      .optional()
      .openapi({ description: "The tool handles payment card data: the call's recording is paused while it runs (then resumed)." }),
  })
  .strict()
  .openapi("HttpTool");

export const EndCallTool = z.object({ type: z.literal("end_call"), description: z.string().max(1024).optional() }).strict();
export const TransferCallTool = z
  .object({
    type: z.literal("transfer_call"),
    description: z.string().max(1024).optional(),
    destinations: z.array(z.object({ name: displayName(64), number: z.string().regex(/^\+[1-9]\d{6,14}$/) })).min(1).max(20),
    mode: z.enum(["cold", "warm"]).default("cold"),
  })
  .strict();
export const SendDtmfTool = z.object({ type: z.literal("send_dtmf"), description: z.string().max(1024).optional() }).strict();

export const IntegrationTool = z
  .object({
    type: z.literal("integration"),
    name: toolName,
    integration: z.string().max(40).openapi({ example: "calcom" }),
    action: z.string().max(60).openapi({ example: "book" }),
    description: z.string().min(1).max(1024).optional().openapi({ description: "What the model is told; default the action's own description." }),
    defaults: z
      .record(z.string().max(64), z.union([z.string().max(1000), z.number(), z.boolean()]))
      .default({})
      .openapi({ description: "Inputs the tenant fixes (e.g. `event_type_id`): hidden from the model, always sent." }),
  })
  .strict()
  .superRefine((tool, ctx) => {
    if (!findAction(tool.integration, tool.action)) ctx.addIssue({ code: "custom", path: ["action"], message: `the integration "${tool.integration}" has no action "${tool.action}" (GET /v1/integrations lists them)` });
  })
  .openapi("IntegrationTool", { description: "An integration action the agent can call during a call (the same action workflows run); the account must have connected the integration." });

export const AgentTool = z.discriminatedUnion("type", [HttpTool, EndCallTool, TransferCallTool, SendDtmfTool, IntegrationTool]).openapi("AgentTool");

export const AgentConfig = z
  .object({
    system_prompt: z.string().min(1).max(50_000),
    first_message: z.string().max(2_000).default(""),
    voice: z.enum(AURA2_VOICES).default("aura-2-thalia-en").openapi({ description: "Deepgram Aura-2 voice model." }),
    stt: z
      .object({
        model: z
          .enum([...NOVA_STT_MODELS, ...FLUX_STT_MODELS])
          .default("nova-3")
          .openapi({ description: "Deepgram model. Flux (`flux-…`) detects turns itself: `endpointing_ms` and `utterance_end_ms` do not apply, the `eot_…` settings do." }),
        language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$|^multi$/).default("en"),
        keyterms: z.array(z.string().min(1).max(100)).max(100).default([]),
        endpointing_ms: z.number().int().min(10).max(5_000).default(300),
        utterance_end_ms: z.number().int().min(1_000).max(5_000).default(1_000),
        eot_threshold: z
          .number()
          .min(FLUX_EOT_LIMITS.eotThreshold.min)
          .max(FLUX_EOT_LIMITS.eotThreshold.max)
          .optional()
          .openapi({ description: "Flux only: end-of-turn confidence that ends the caller's turn (Deepgram's default 0.7); higher waits longer." }),
        eager_eot_threshold: z
          .number()
          .min(FLUX_EOT_LIMITS.eagerEotThreshold.min)
          .max(FLUX_EOT_LIMITS.eagerEotThreshold.max)
          .optional()
          .openapi({ description: "Flux only, at most `eot_threshold`: enables EagerEndOfTurn, on which the reply starts speculatively (unset: off)." }),
        eot_timeout_ms: z
          .number()
          .int()
          .min(FLUX_EOT_LIMITS.eotTimeoutMs.min)
          .max(FLUX_EOT_LIMITS.eotTimeoutMs.max)
          .optional()
          .openapi({ description: "Flux only: silence after speech that ends a turn whatever the confidence (Deepgram's default 5000)." }),
        redact: z
          .array(z.enum(DEEPGRAM_REDACT_VALUES))
          .min(1)
          .max(3)
          .optional()
          .openapi({
            description:
              "Opt-in: Deepgram redacts these from the transcript itself, so the live model never hears them either (a card number the agent must take is lost). Nova: `pci`, `ssn`, `numbers`; Flux: one of `numbers`, `aggressive_numbers`. `pii_redaction` is the platform's own redaction of what is stored.",
          }),
      })
      .strict()
      .default({ model: "nova-3", language: "en", keyterms: [], endpointing_ms: 300, utterance_end_ms: 1_000 }),
    llm: z
      .object({
        model: z.enum(BEDROCK_MODEL_IDS as [string, ...string[]]).openapi({ description: "Bedrock model id or inference profile." }),
        fallback_model: z.enum(BEDROCK_MODEL_IDS as [string, ...string[]]).optional(),
        model_policy: z
          .enum(["fixed", "auto"])
          .default("fixed")
          .openapi({ description: "`auto` picks a thinking-capable, tool-strong or fastest model per the agent's needs." }),
        latency: z
          .enum(["tight", "balanced"])
          .optional()
          .openapi({ description: "With `model_policy: auto`: `tight` always picks the fastest model; `balanced` (the default) a tool-strong one for agents with several tools." }),
        temperature: z.number().min(0).max(1).default(0.6),
        max_tokens: z.number().int().min(16).max(8_192).default(400),
        thinking_budget_tokens: z.number().int().min(1_024).max(32_000).optional(),
        prompt_caching: z.boolean().default(true),
      })
      .strict(),
    tools: z.array(AgentTool).max(32).default([]),
    max_call_duration_s: z.number().int().min(30).max(4 * 3600).default(1_800),
    silence_timeout_s: z.number().int().min(3).max(120).default(12),
    silence_reprompts: z.number().int().min(0).max(3).default(1),
    interruption_sensitivity: z
      .enum(["low", "medium", "high"])
      .default("medium")
      .openapi({ description: "How readily the caller's speech interrupts the agent: high = any word, low = a full phrase." }),
    early_start: z.boolean().default(false).openapi({ description: "Start the model on a stable interim transcript." }),
    duck_on_speech_start: z
      .boolean()
      .default(true)
      .openapi({ description: "Pause the agent the moment the caller's voice starts over it; the first words then interrupt it, or it resumes where it paused (a backchannel, a cough)." }),
    closing_message: z.string().max(1_000).default("Thank you for calling. Goodbye!"),
    voicemail: z
      .object({ action: z.enum(["hang_up", "leave_message"]).default("hang_up"), message: z.string().max(2_000).optional() })
      .strict()
      .refine((v) => v.action !== "leave_message" || !!v.message, { message: "leave_message needs a message", path: ["message"] })
      .default({ action: "hang_up" }),
    recording: z
      .object({ enabled: z.boolean().default(false), disclosure: z.string().max(1_000).default("This call may be recorded.") })
      .strict()
      .default({ enabled: false, disclosure: "This call may be recorded." }),
    pii_redaction: PiiRedaction.optional(),
    analysis: AnalysisConfig.optional().openapi({ description: "Post-call analysis: summary, structured data, success, sentiment, disposition. Unset: a summary only (`analysis.summary: false` turns it off)." }),
    quality: QualityConfig.optional().openapi({ description: "Quality management: a weighted scorecard and compliance checks, evaluated with the post-call analysis. Unset: none." }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const stt = cfg.stt;
    const redactIssue = stt.redact ? deepgramRedactIssue(isFluxModel(stt.model), stt.redact) : null;
    if (redactIssue) ctx.addIssue({ code: "custom", path: ["stt", "redact"], message: redactIssue });
    if (!isFluxModel(stt.model)) {
      for (const key of ["eot_threshold", "eager_eot_threshold", "eot_timeout_ms"] as const) {
        if (stt[key] !== undefined) ctx.addIssue({ code: "custom", path: ["stt", key], message: `${key} applies to Flux models only (${FLUX_STT_MODELS.join(", ")})` });
      }
    } else {
      if (stt.eager_eot_threshold !== undefined && stt.eager_eot_threshold > (stt.eot_threshold ?? FLUX_EOT_LIMITS.eotThreshold.default)) {
        ctx.addIssue({ code: "custom", path: ["stt", "eager_eot_threshold"], message: "must be at most eot_threshold (0.7 when unset)" });
      }
      if (stt.model === "flux-general-en" && !/^en(-|$)/.test(stt.language)) {
        ctx.addIssue({ code: "custom", path: ["stt", "language"], message: "flux-general-en is English only; use flux-general-multi for other languages" });
      }
    }
    const names = new Set<string>();
    for (const [i, tool] of cfg.tools.entries()) {
      const name = tool.type === "http" || tool.type === "integration" ? tool.name : tool.type;
      if (names.has(name)) ctx.addIssue({ code: "custom", path: ["tools", i], message: `duplicate tool name "${name}"` });
      names.add(name);
    }
  })
  .openapi("AgentConfig");

export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;
export type AgentTool = z.infer<typeof AgentTool>;
