/**
 * Which Bedrock failures are worth another attempt. Throttling, unavailability, server errors and model stream
 * errors are transient (429, 408 and 5xx); validation, access and not-found errors are final (other 4xx). A failure
 * without an HTTP status (a dropped connection, a stream that ended early) is treated as transient.
 */
export interface BedrockFailure {
  retryable: boolean;
  name: string;
  message: string;
  status?: number;
}

const TRANSIENT = new Set([
  "ThrottlingException",
  "ServiceUnavailableException",
  "InternalServerException",
  "ModelStreamErrorException",
  "ModelNotReadyException",
  "ModelTimeoutException",
  "IncompleteStreamError",
]);

const FINAL = new Set([
  "ValidationException",
  "AccessDeniedException",
  "ResourceNotFoundException",
  "ServiceQuotaExceededException",
  "ModelErrorException",
  "UnrecognizedClientException",
  "ConflictException",
]);

export function classifyBedrockError(error: unknown): BedrockFailure {
  const e = (typeof error === "object" && error !== null ? error : {}) as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof e.name === "string" ? e.name : "Error";
  const message = typeof e.message === "string" ? e.message : String(error);
  const httpStatus = e.$metadata?.httpStatusCode;
  // Mid-stream exceptions ride on an HTTP 200: only a failing status says something.
  const status = httpStatus !== undefined && httpStatus >= 400 ? httpStatus : undefined;
  if (TRANSIENT.has(name)) return { retryable: true, name, message, status };
  if (FINAL.has(name)) return { retryable: false, name, message, status };
  if (status !== undefined) return { retryable: status === 408 || status === 429 || status >= 500, name, message, status };
  return { retryable: true, name, message };
}

/** The stream ended without `messageStop` (a dropped connection the transport did not report). */
export class IncompleteStreamError extends Error {
  override name = "IncompleteStreamError";
}

export function isAbortError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "name" in error && (error.name === "AbortError" || error.name === "TimeoutError");
}
