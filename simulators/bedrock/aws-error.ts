/**
 * A restJson1 error as Bedrock Runtime sends it before a stream starts: a status, a JSON body `{"message":…}` and an
 * `x-amzn-ErrorType` header, from which the SDK takes the code (the part before `:`).
 */
export type AwsErrorType =
  | "AccessDeniedException"
  | "IncompleteSignatureException"
  | "InvalidSignatureException"
  | "MissingAuthenticationTokenException"
  | "UnrecognizedClientException"
  | "ValidationException"
  | "ResourceNotFoundException"
  | "ThrottlingException"
  | "ServiceQuotaExceededException"
  | "ModelNotReadyException"
  | "ModelErrorException"
  | "ModelTimeoutException"
  | "InternalServerException"
  | "ServiceUnavailableException"
  | "UnknownOperationException";

const STATUS: Record<AwsErrorType, number> = {
  AccessDeniedException: 403,
  IncompleteSignatureException: 403,
  InvalidSignatureException: 403,
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  ValidationException: 400,
  ResourceNotFoundException: 404,
  ThrottlingException: 429,
  ServiceQuotaExceededException: 400,
  ModelNotReadyException: 429,
  ModelErrorException: 424,
  ModelTimeoutException: 408,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
  UnknownOperationException: 404,
};

export class AwsError extends Error {
  override name = "AwsError";
  readonly type: AwsErrorType;
  readonly status: number;
  readonly extra: Record<string, unknown>;

  constructor(type: AwsErrorType, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.type = type;
    this.status = STATUS[type];
    this.extra = extra;
  }

  get headerValue(): string {
    return `${this.type}:http://internal.amazon.com/coral/com.amazon.bedrock/`;
  }

  body(): string {
    return JSON.stringify({ message: this.message, ...this.extra });
  }
}

/**
 * The errors protocol notes §5.6 lists for ConverseStream before its stream starts; the control API can answer the
 * next requests with any of them.
 */
export const REQUEST_ERRORS = [
  "AccessDeniedException",
  "ResourceNotFoundException",
  "ValidationException",
  "ServiceQuotaExceededException",
  "ModelTimeoutException",
  "ModelErrorException",
  "ThrottlingException",
  "ModelNotReadyException",
  "InternalServerException",
  "ServiceUnavailableException",
] as const satisfies readonly AwsErrorType[];
export type RequestErrorType = (typeof REQUEST_ERRORS)[number];

export const validationError = (message: string): AwsError => new AwsError("ValidationException", message);
