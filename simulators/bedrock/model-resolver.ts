import { findBedrockModel, isInferenceProfileId, type BedrockModel } from "../../shared/llm/bedrock-models.ts";
import { AwsError, validationError } from "./aws-error.ts";

/**
 * Resolves the `{modelId}` path label. The catalog decides what exists; on top of it the service's invocation rules:
 * Claude models are served on demand only through cross-Region inference profiles (a base id gets the "on-demand
 * throughput isn't supported" error), and a geographic profile is only callable from a source Region in its geography.
 */
export interface ResolvedModel {
  model: BedrockModel;
  /** The id as sent (decoded), profile or base or ARN. */
  requestedId: string;
}

const GEO_REGION_PREFIX: Record<string, string> = { us: "us-", eu: "eu-", apac: "ap-", jp: "ap-northeast-" };

export function resolveModel(requestedId: string, region: string, allowBaseModelIds: boolean): ResolvedModel {
  const model = findBedrockModel(requestedId);
  if (model === undefined) throw validationError("The provided model identifier is invalid.");
  const arnRegion = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+):/.exec(requestedId)?.[1];
  if (arnRegion !== undefined && arnRegion !== region) throw validationError("The provided model identifier is invalid.");
  if (!isInferenceProfileId(requestedId)) {
    if (!allowBaseModelIds) {
      throw validationError(
        `Invocation of model ID ${model.id} with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
      );
    }
    return { model, requestedId };
  }
  const profileId = requestedId.slice(requestedId.lastIndexOf("/") + 1);
  const geo = profileId.slice(0, profileId.indexOf("."));
  const prefix = GEO_REGION_PREFIX[geo];
  if (prefix !== undefined && !region.startsWith(prefix)) throw validationError("The provided model identifier is invalid.");
  return { model, requestedId };
}

/** Decodes the path label; a malformed escape is a 404 like any unknown route. */
export function decodeModelLabel(label: string): string {
  try {
    return decodeURIComponent(label);
  } catch {
    throw new AwsError("UnknownOperationException", "Unknown operation");
  }
}
