import { BedrockRuntimeClient, ConverseCommand, type Message } from "@aws-sdk/client-bedrock-runtime";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import { ANALYSIS_TOOL_NAME } from "../../shared/analysis/analysis-request.ts";

/**
 * Claude on Bedrock for post-call analysis: Converse (not streaming: nobody is listening), with the analysis tool
 * forced, so the answer is always that tool's input. Same endpoint and credentials as the call path's client.
 */
export interface ToolAnswer {
  /** The forced tool's input, or undefined when the model answered without it (cut at max tokens, say). */
  input: unknown;
  toolUseId: string | undefined;
  stopReason: string | undefined;
  inputTokens: number;
  outputTokens: number;
}

/** A failure worth retrying later (throttling, a 5xx, the network), as opposed to a request Bedrock refuses. */
export class TransientModelError extends Error {
  override readonly name = "TransientModelError";
}

const TRANSIENT = new Set(["ThrottlingException", "ServiceUnavailableException", "InternalServerException", "ModelNotReadyException", "ModelTimeoutException", "ModelStreamErrorException"]);
const MAX_OUTPUT_TOKENS = 4_096;

export class AnalysisModel {
  readonly #client: BedrockRuntimeClient;

  constructor(env: Pick<Env, "BEDROCK_REGION" | "BEDROCK_ENDPOINT" | "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY">) {
    this.#client = new BedrockRuntimeClient({
      region: env.BEDROCK_REGION,
      ...(env.BEDROCK_ENDPOINT ? { endpoint: env.BEDROCK_ENDPOINT } : {}),
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      // The queue retries with its own backoff; the SDK's default handler on Workers is a WebSocket one.
      maxAttempts: 1,
      requestHandler: new FetchHttpHandler(),
    });
  }

  /** One Converse request; a refusal (4xx other than throttling) is thrown as is, a transient failure as TransientModelError. */
  async answer(modelId: string, system: string, messages: Message[], inputSchema: Record<string, unknown>): Promise<ToolAnswer> {
    let response;
    try {
      response = await this.#client.send(
        new ConverseCommand({
          modelId,
          system: [{ text: system }],
          messages,
          toolConfig: {
            tools: [{ toolSpec: { name: ANALYSIS_TOOL_NAME, description: "Records the analysis of the call.", inputSchema: { json: inputSchema as never } } }],
            toolChoice: { tool: { name: ANALYSIS_TOOL_NAME } },
          },
          inferenceConfig: { maxTokens: MAX_OUTPUT_TOKENS, temperature: 0 },
        }),
      );
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      if (TRANSIENT.has(e.name ?? "") || status === undefined || status === 408 || status === 429 || status >= 500) {
        throw new TransientModelError(`${e.name ?? "Error"}: ${String((error as Error).message ?? error)}`, { cause: error });
      }
      throw error;
    }
    const toolUse = response.output?.message?.content?.find((b) => b.toolUse?.name === ANALYSIS_TOOL_NAME)?.toolUse;
    return {
      input: toolUse?.input,
      toolUseId: toolUse?.toolUseId,
      stopReason: response.stopReason,
      inputTokens: response.usage?.inputTokens ?? 0,
      outputTokens: response.usage?.outputTokens ?? 0,
    };
  }
}
