import { z } from "zod";

/**
 * Structural schema of the Converse / ConverseStream request body (SDK `models_0.d.ts`). Every Smithy union must set
 * exactly one member; `exactlyOne` enforces that before parsing the member, so the error names the union and path.
 * Members this simulator never interprets (images, documents, guard content, …) are only checked to be objects.
 */
type UnionOf<T extends Record<string, z.ZodType>> = { [K in keyof T]: { [P in K]: z.output<T[P]> } }[keyof T];

function exactlyOne<T extends Record<string, z.ZodType>>(unionName: string, members: T): z.ZodType<UnionOf<T>> {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined && value[k] !== null);
    if (keys.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `${unionName} must set exactly one member, but ${keys.length === 0 ? "none was set" : `${keys.length} were set (${keys.join(", ")})`}`,
      });
      return;
    }
    const key = keys[0]!;
    const member = members[key];
    if (member === undefined) {
      ctx.addIssue({ code: "custom", message: `'${key}' is not a member of ${unionName}; expected one of ${Object.keys(members).join(", ")}` });
      return;
    }
    const result = member.safeParse(value[key]);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: [key, ...issue.path] });
    }
  }) as unknown as z.ZodType<UnionOf<T>>;
}

const opaque = z.record(z.string(), z.unknown());

const ToolResultContentBlock = exactlyOne("ToolResultContentBlock", {
  json: z.unknown(),
  text: z.string(),
  image: opaque,
  document: opaque,
  video: opaque,
  searchResult: opaque,
});

const CachePoint = z.object({ type: z.literal("default"), ttl: z.enum(["5m", "1h"]).optional() });

const ReasoningContentBlock = exactlyOne("ReasoningContentBlock", {
  reasoningText: z.object({ text: z.string(), signature: z.string().optional() }),
  redactedContent: z.string(),
});

const ContentBlock = exactlyOne("ContentBlock", {
  text: z.string(),
  image: opaque,
  document: opaque,
  video: opaque,
  audio: opaque,
  toolUse: z.object({ toolUseId: z.string().min(1).max(64), name: z.string().min(1), input: z.unknown(), type: z.string().optional() }),
  toolResult: z.object({
    toolUseId: z.string().min(1).max(64),
    content: z.array(ToolResultContentBlock),
    status: z.enum(["success", "error"]).optional(),
    type: z.string().optional(),
  }),
  guardContent: opaque,
  cachePoint: CachePoint,
  reasoningContent: ReasoningContentBlock,
  citationsContent: opaque,
  searchResult: opaque,
});

const Message = z.object({ role: z.string(), content: z.array(ContentBlock) });

const SystemContentBlock = exactlyOne("SystemContentBlock", { text: z.string(), guardContent: opaque, cachePoint: CachePoint });

const ToolSpec = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  inputSchema: exactlyOne("ToolInputSchema", { json: z.unknown() }).optional(),
  strict: z.boolean().optional(),
});

const Tool = exactlyOne("Tool", { toolSpec: ToolSpec, cachePoint: CachePoint, systemTool: opaque });

const ToolChoice = exactlyOne("ToolChoice", {
  auto: z.object({}),
  any: z.object({}),
  tool: z.object({ name: z.string().min(1) }),
});

export const ConverseRequestSchema = z.object({
  messages: z.array(Message).optional(),
  system: z.array(SystemContentBlock).optional(),
  inferenceConfig: z
    .object({
      maxTokens: z.number().int().optional(),
      temperature: z.number().optional(),
      topP: z.number().optional(),
      stopSequences: z.array(z.string()).optional(),
    })
    .optional(),
  toolConfig: z.object({ tools: z.array(Tool), toolChoice: ToolChoice.optional() }).optional(),
  guardrailConfig: opaque.optional(),
  additionalModelRequestFields: opaque.optional(),
  promptVariables: opaque.optional(),
  additionalModelResponseFieldPaths: z.array(z.string()).optional(),
  requestMetadata: z.record(z.string(), z.string()).optional(),
  performanceConfig: z.object({ latency: z.enum(["standard", "optimized"]) }).optional(),
  serviceTier: opaque.optional(),
  outputConfig: opaque.optional(),
});

export type ConverseRequest = z.output<typeof ConverseRequestSchema>;
export type ConverseMessage = z.output<typeof Message>;
export type ContentBlockInput = z.output<typeof ContentBlock>;
export type ToolResultContent = z.output<typeof ToolResultContentBlock>;

/** Bedrock-style message for the first structural problem, e.g. `… at 'messages.0.content.1': …`. */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join(".");
  const count = error.issues.length;
  return `${count} validation error${count === 1 ? "" : "s"} detected: Value at '${path || "body"}' failed to satisfy constraint: ${issue.message}`;
}
