import type { BedrockModel } from "../../shared/llm/bedrock-models.ts";
import { validationError } from "./aws-error.ts";
import { ConverseRequestSchema, describeSchemaError, type ConverseMessage, type ConverseRequest } from "./converse-request-schema.ts";
import type { ReasoningSigner } from "./reasoning-signature.ts";

/**
 * The checks Bedrock applies to a Converse request beyond its shape, each answered with HTTP 400 ValidationException.
 * Messages follow the service's wording where it is known (roles, empty content, tool results, max tokens); checks the
 * service delegates to the model carry its "The model returned the following errors:" prefix.
 */
export type ToolChoice = { kind: "auto" } | { kind: "any" } | { kind: "tool"; name: string };

export interface ValidatedRequest {
  raw: ConverseRequest;
  messages: ConverseMessage[];
  toolNames: string[];
  toolChoice: ToolChoice | undefined;
  maxTokens: number;
  stopSequences: string[];
  thinking: { budgetTokens: number | undefined } | undefined;
  responseFieldPaths: string[];
}

const MODEL_ERROR = "The model returned the following errors:";
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function validateConverseRequest(body: unknown, model: BedrockModel, signer: ReasoningSigner): ValidatedRequest {
  const parsed = ConverseRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(describeSchemaError(parsed.error));
  const request = parsed.data;
  const messages = request.messages ?? [];
  if (messages.length === 0) throw validationError("A conversation must start with a user message. Try again with a conversation that starts with a user message.");

  messages.forEach((message, i) => {
    if (message.role !== "user" && message.role !== "assistant") {
      throw validationError(`1 validation error detected: Value '${message.role}' at 'messages.${i}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`);
    }
  });
  if (messages[0]!.role !== "user") throw validationError("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
  for (let i = 1; i < messages.length; i++) {
    if (messages[i]!.role === messages[i - 1]!.role) {
      throw validationError("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.");
    }
  }
  messages.forEach((message, i) => {
    if (message.content.length === 0) {
      throw validationError(`The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`);
    }
    message.content.forEach((block, j) => {
      if ("text" in block && block.text.trim() === "") {
        throw validationError(`The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`);
      }
      if ("toolUse" in block && message.role !== "assistant") throw validationError(`${MODEL_ERROR} messages.${i}.content.${j}: toolUse blocks may only appear in assistant messages.`);
      if ("toolResult" in block && message.role !== "user") throw validationError(`${MODEL_ERROR} messages.${i}.content.${j}: toolResult blocks may only appear in user messages.`);
      if ("reasoningContent" in block && "reasoningText" in block.reasoningContent) {
        const { text, signature } = block.reasoningContent.reasoningText;
        if (signature === undefined || !signer.verify(text, signature)) {
          throw validationError(`${MODEL_ERROR} messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
        }
      }
    });
  });

  const toolNames = validateTools(request);
  const usesToolBlocks = messages.some((m) => m.content.some((b) => "toolUse" in b || "toolResult" in b));
  if (usesToolBlocks && request.toolConfig === undefined) throw validationError("The toolConfig field must be defined when using toolUse and toolResult content blocks.");
  validateToolResults(messages);

  const inference = request.inferenceConfig ?? {};
  const maxTokens = inference.maxTokens ?? model.maxOutputTokens;
  if (inference.maxTokens !== undefined && inference.maxTokens < 1) throw rangeError(inference.maxTokens, "inferenceConfig.maxTokens", "greater than or equal to 1");
  if (inference.temperature !== undefined && inference.temperature < 0) throw rangeError(inference.temperature, "inferenceConfig.temperature", "greater than or equal to 0");
  if (inference.temperature !== undefined && inference.temperature > 1) throw rangeError(inference.temperature, "inferenceConfig.temperature", "less than or equal to 1");
  if (inference.topP !== undefined && (inference.topP < 0 || inference.topP > 1)) {
    throw rangeError(inference.topP, "inferenceConfig.topP", inference.topP < 0 ? "greater than or equal to 0" : "less than or equal to 1");
  }
  if (maxTokens > model.maxOutputTokens) {
    throw validationError(`The maximum tokens you requested exceeds the model limit of ${model.maxOutputTokens}. Try again with a maximum tokens value that is lower than ${model.maxOutputTokens}.`);
  }

  const toolChoice = toToolChoice(request, toolNames);
  const thinking = validateThinking(request, model, maxTokens, toolChoice);
  return {
    raw: request,
    messages,
    toolNames,
    toolChoice,
    maxTokens,
    stopSequences: inference.stopSequences ?? [],
    thinking,
    responseFieldPaths: request.additionalModelResponseFieldPaths ?? [],
  };
}

function validateTools(request: ConverseRequest): string[] {
  const names: string[] = [];
  request.toolConfig?.tools.forEach((tool, i) => {
    if (!("toolSpec" in tool)) return;
    const spec = tool.toolSpec;
    const at = `toolConfig.tools.${i + 1}.member.toolSpec`;
    if (spec.name === undefined) throw validationError(`1 validation error detected: Value null at '${at}.name' failed to satisfy constraint: Member must not be null`);
    if (!TOOL_NAME.test(spec.name)) {
      throw validationError(`1 validation error detected: Value '${spec.name}' at '${at}.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+ and have length between 1 and 64`);
    }
    if (spec.inputSchema === undefined) throw validationError(`1 validation error detected: Value null at '${at}.inputSchema' failed to satisfy constraint: Member must not be null`);
    const schema = spec.inputSchema.json;
    if (typeof schema !== "object" || schema === null || Array.isArray(schema) || (schema as { type?: unknown }).type !== "object") {
      throw validationError(`The value at toolConfig.tools.${i}.toolSpec.inputSchema.json.type must be one of the following: object.`);
    }
    if (names.includes(spec.name)) throw validationError(`${MODEL_ERROR} tools: Tool names must be unique.`);
    names.push(spec.name);
  });
  if (request.toolConfig !== undefined && request.toolConfig.tools.length === 0) {
    throw validationError("1 validation error detected: Value '[]' at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  return names;
}

/** Each user turn after an assistant turn with toolUse must answer every toolUseId, and nothing else. */
function validateToolResults(messages: readonly ConverseMessage[]): void {
  messages.forEach((message, i) => {
    if (message.role !== "user") return;
    const results = message.content.flatMap((b) => ("toolResult" in b ? [b.toolResult.toolUseId] : []));
    const previous = i > 0 ? messages[i - 1]! : undefined;
    const uses = previous?.content.flatMap((b) => ("toolUse" in b ? [b.toolUse.toolUseId] : [])) ?? [];
    if (results.length > uses.length) {
      throw validationError(`The number of toolResult blocks at messages.${i}.content exceeds the number of toolUse blocks of previous turn.`);
    }
    const unknown = results.filter((id) => !uses.includes(id));
    if (unknown.length > 0) {
      throw validationError(
        `${MODEL_ERROR} messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unknown.join(", ")}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
      );
    }
    const missing = uses.filter((id) => !results.includes(id));
    if (missing.length > 0) throw validationError(`Expected toolResult blocks at messages.${i}.content for the following Ids: ${missing.join(", ")}`);
  });
}

function toToolChoice(request: ConverseRequest, toolNames: readonly string[]): ToolChoice | undefined {
  const choice = request.toolConfig?.toolChoice;
  if (choice === undefined) return undefined;
  if ("auto" in choice) return { kind: "auto" };
  if ("any" in choice) return { kind: "any" };
  if (!toolNames.includes(choice.tool.name)) throw validationError(`${MODEL_ERROR} tool_choice: Tool '${choice.tool.name}' not found in provided tools`);
  return { kind: "tool", name: choice.tool.name };
}

function validateThinking(
  request: ConverseRequest,
  model: BedrockModel,
  maxTokens: number,
  toolChoice: ToolChoice | undefined,
): ValidatedRequest["thinking"] {
  const fields = request.additionalModelRequestFields ?? {};
  // Claude takes Anthropic's `thinking`; some Claude 3.7 samples use `reasoning_config` with the same shape.
  const key = "thinking" in fields ? "thinking" : "reasoning_config" in fields ? "reasoning_config" : undefined;
  if (key === undefined) return undefined;
  const config = fields[key] as { type?: unknown; budget_tokens?: unknown } | null;
  if (typeof config !== "object" || config === null) throw validationError(`${MODEL_ERROR} ${key}: Input should be a valid dictionary`);
  if (config.type === "disabled") return undefined;
  if (config.type !== "enabled" && config.type !== "adaptive") {
    throw validationError(`${MODEL_ERROR} ${key}.type: Input should be 'enabled', 'adaptive' or 'disabled'`);
  }
  if (!model.supportsExtendedThinking) throw validationError(`${MODEL_ERROR} ${key}: Extended thinking is not supported by ${model.name}.`);
  let budgetTokens: number | undefined;
  if (config.type === "enabled") {
    if (typeof config.budget_tokens !== "number" || !Number.isInteger(config.budget_tokens)) {
      throw validationError(`${MODEL_ERROR} ${key}.enabled.budget_tokens: Field required`);
    }
    budgetTokens = config.budget_tokens;
    if (budgetTokens < 1024) throw validationError(`${MODEL_ERROR} ${key}.enabled.budget_tokens: Input should be greater than or equal to 1024`);
    if (budgetTokens >= maxTokens) throw validationError(`${MODEL_ERROR} \`max_tokens\` must be greater than \`${key}.budget_tokens\`.`);
  }
  const temperature = request.inferenceConfig?.temperature;
  if (temperature !== undefined && temperature !== 1) throw validationError(`${MODEL_ERROR} \`temperature\` may only be set to 1 when thinking is enabled.`);
  const topP = request.inferenceConfig?.topP;
  if (topP !== undefined && topP < 0.95) throw validationError(`${MODEL_ERROR} \`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled.`);
  if ("top_k" in fields) throw validationError(`${MODEL_ERROR} \`top_k\` must be unset when thinking is enabled.`);
  if (toolChoice?.kind === "any" || toolChoice?.kind === "tool") throw validationError(`${MODEL_ERROR} Thinking may not be enabled when tool_choice forces tool use.`);
  return { budgetTokens };
}

function rangeError(value: number, path: string, constraint: string) {
  return validationError(`1 validation error detected: Value '${value}' at '${path}' failed to satisfy constraint: Member must have value ${constraint}`);
}
