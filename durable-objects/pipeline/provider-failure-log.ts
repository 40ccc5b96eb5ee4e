import { ProviderError } from "../providers/provider-types.ts";

/**
 * One structured line per final provider error (after the provider's own retries), with the call it belongs to.
 * `permanent`: the call cannot go on with this provider and is being ended; otherwise only a turn was lost.
 */
export function logProviderFailure(callId: string, error: ProviderError, permanent: boolean): void {
  const line = JSON.stringify({
    level: permanent ? "error" : "warn",
    event: "provider_failed",
    call_id: callId,
    provider: error.provider,
    error: error.code ?? error.name,
    status: error.status ?? null,
    retryable: error.retryable,
    attempt: error.attempts ?? null,
    permanent,
    message: error.message,
  });
  if (permanent) console.error(line);
  else console.warn(line);
}

/** A model stream's failure as a ProviderError: anything else thrown while streaming counts as a transient one. */
export function asModelError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError("bedrock", message, true, undefined, { cause: error, code: name });
}
