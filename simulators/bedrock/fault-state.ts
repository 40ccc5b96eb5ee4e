import { AwsError, type RequestErrorType } from "./aws-error.ts";
import type { StreamFault } from "./converse-stream-writer.ts";

/** One-shot faults armed through the control API or the library: fail the next N requests, fail the next stream. */
export interface RequestFault {
  remaining: number;
  type: RequestErrorType;
  message: string;
}

const DEFAULT_MESSAGES: Partial<Record<RequestErrorType, string>> = {
  ThrottlingException: "Too many requests, please wait before trying again.",
  ServiceUnavailableException: "Bedrock is unable to process your request.",
  ModelNotReadyException: "Model is not ready for inference. Wait and try your request again.",
  ModelTimeoutException: "Model has timed out in processing the request. Try your request again.",
  ServiceQuotaExceededException: "Your request exceeds the service quota for your account.",
  InternalServerException: "The system encountered an unexpected error during processing. Try your request again.",
};

export class FaultState {
  #request: RequestFault | undefined;
  #streamFaults: StreamFault[] = [];

  /** The next `count` model requests fail before their stream starts with `type` (restJson1, §5.6). */
  failNextRequests(count: number, type: RequestErrorType, message?: string): void {
    this.#request = count > 0 ? { remaining: count, type, message: message ?? DEFAULT_MESSAGES[type] ?? `${type} (simulated)` } : undefined;
  }

  throttleNext(count: number, message?: string): void {
    this.failNextRequests(count, "ThrottlingException", message);
  }

  /** The error this request answers with, if it is one of the failed ones. */
  takeRequestFault(): AwsError | undefined {
    const fault = this.#request;
    if (fault === undefined) return undefined;
    if (--fault.remaining <= 0) this.#request = undefined;
    // ModelErrorException carries the model's own status and the resource it came from (§5.6).
    const extra = fault.type === "ModelErrorException" ? { originalStatusCode: 500, resourceName: "simulated-model" } : {};
    return new AwsError(fault.type, fault.message, extra);
  }

  /** Arms a failure for the next stream (queued: one per call). */
  failNextStream(fault: StreamFault): void {
    this.#streamFaults.push(fault);
  }

  takeStreamFault(): StreamFault | undefined {
    return this.#streamFaults.shift();
  }

  snapshot(): { throttleRemaining: number; failingRequests: { type: RequestErrorType; remaining: number } | null; pendingStreamFaults: StreamFault[] } {
    const request = this.#request;
    return {
      throttleRemaining: request?.type === "ThrottlingException" ? request.remaining : 0,
      failingRequests: request ? { type: request.type, remaining: request.remaining } : null,
      pendingStreamFaults: [...this.#streamFaults],
    };
  }

  clear(): void {
    this.#request = undefined;
    this.#streamFaults = [];
  }
}
