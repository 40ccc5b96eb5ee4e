/**
 * Twilio's REST error shape `{code, message, more_info, status}` and the debugger codes the simulator raises.
 * One exception type for every REST failure; the router renders it.
 */
export const TWILIO_ERRORS = {
  20003: { status: 401, message: "Authenticate" },
  20404: { status: 404, message: "The requested resource was not found" },
  20429: { status: 429, message: "Too Many Requests" },
  20503: { status: 503, message: "Service Unavailable" },
  20001: { status: 400, message: "Invalid parameter" },
  21201: { status: 400, message: "No 'To' number is specified" },
  21205: { status: 400, message: "Url is not a valid URL" },
  21210: { status: 400, message: "The source phone number provided, 'From', is not yet verified for your account" },
  21211: { status: 400, message: "Invalid 'To' Phone Number" },
  21212: { status: 400, message: "Invalid 'From' Phone Number" },
  21213: { status: 400, message: "No 'From' number is specified" },
  21220: { status: 400, message: "Call is not in-progress. Cannot redirect." },
  21234: { status: 400, message: "Invalid Machine Detection configuration value" },
  21402: { status: 400, message: "Invalid Url" },
  21421: { status: 400, message: "PhoneNumber is invalid" },
  21422: { status: 400, message: "PhoneNumber is not available" },
  21452: { status: 400, message: "No phone numbers found in area code" },
  21602: { status: 400, message: "Message body is required" },
  21603: { status: 400, message: "A 'From' phone number is required" },
  21604: { status: 400, message: "A 'To' phone number is required" },
  21606: { status: 400, message: "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account" },
  21609: { status: 400, message: "Invalid StatusCallback url" },
  22203: { status: 400, message: "Unable to parse bundle status" },
  22204: { status: 400, message: "Bundle status and properties cannot be updated in the same request" },
  21617: { status: 400, message: "The concatenated message body exceeds the 1600 character limit" },
  21625: { status: 400, message: "Address is in use and cannot be deleted" },
  21705: { status: 400, message: "The Messaging Service is invalid" },
} as const;

export type TwilioErrorCode = keyof typeof TWILIO_ERRORS;

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export class TwilioApiError extends Error {
  readonly code: TwilioErrorCode;
  readonly status: number;

  constructor(code: TwilioErrorCode, message?: string) {
    super(message ?? TWILIO_ERRORS[code].message);
    this.name = "TwilioApiError";
    this.code = code;
    this.status = TWILIO_ERRORS[code].status;
  }

  toJSON(): TwilioErrorBody {
    return { code: this.code, message: this.message, more_info: `https://www.twilio.com/docs/errors/${this.code}`, status: this.status };
  }
}

/** Debugger (call-time) codes the simulator records on a call; Twilio reports these in its console, not over REST. */
export const DEBUGGER_CODES = {
  httpRetrievalFailure: 11200,
  httpConnectionFailure: 11205,
  invalidUrl: 11100,
  documentParseFailure: 12100,
  schemaValidationWarning: 12200,
  invalidContentType: 12300,
  amdNoCallback: 21262,
  streamHandshakeError: 31920,
  streamBufferOverflow: 31931,
  streamInvalidMessage: 31951,
} as const;
