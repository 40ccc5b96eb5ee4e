import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";

/**
 * Every error the API returns is RFC 9457 problem+json with a stable `type` URI. The slugs below are part of
 * the public contract (listed in the README and in the OpenAPI spec); add new ones, never rename.
 */
export const PROBLEM_BASE = "https://docs.ayb.dev/problems/";

export const PROBLEM_TYPES = {
  "validation-error": { status: 422, title: "The request is not valid" },
  "malformed-json": { status: 400, title: "The request body is not valid JSON" },
  "unauthenticated": { status: 401, title: "Missing or invalid credentials" },
  "forbidden": { status: 403, title: "Not allowed" },
  "not-found": { status: 404, title: "Not found" },
  "conflict": { status: 409, title: "Conflict with the current state" },
  "idempotency-key-reused": { status: 422, title: "Idempotency-Key reused with a different request" },
  "idempotency-in-progress": { status: 409, title: "A request with this Idempotency-Key is still being processed" },
  "secret-already-shown": { status: 409, title: "The response carried a secret that was shown once and is not kept" },
  "payload-too-large": { status: 413, title: "Request body too large" },
  "unsupported-media-type": { status: 415, title: "Unsupported content type" },
  "consent-required": { status: 403, title: "The callee has not consented to this call" },
  "calling-hours": { status: 403, title: "Outside permitted calling hours" },
  "concurrency-limit": { status: 429, title: "Too many concurrent calls" },
  "insufficient-credit": { status: 402, title: "The account has no credit left" },
  "billing-suspended": { status: 402, title: "The account's billing is suspended" },
  "account-suspended": { status: 403, title: "The account is suspended" },
  "provider-error": { status: 502, title: "An upstream provider rejected the request" },
  "internal": { status: 500, title: "Internal error" },
  "billing-unavailable": { status: 503, title: "Billing is temporarily unavailable" },
  "stripe-signature-invalid": { status: 400, title: "The Stripe-Signature header does not verify" },
  "rate-limited": { status: 429, title: "Too many attempts" },
  "verification-required": { status: 403, title: "The account's business is not verified yet" },
  "region-unconfigured": { status: 503, title: "The account's region has no database configured" },
} as const;

export type ProblemType = keyof typeof PROBLEM_TYPES;

export interface ProblemIssue {
  path: string;
  message: string;
  code?: string;
  /** The line of an uploaded file (CSV) the issue is on. */
  line?: number;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  request_id?: string;
  errors?: ProblemIssue[];
  [extension: string]: unknown;
}

/** The one exception class the API throws; `onError` renders it. */
export class ApiError extends Error {
  constructor(
    readonly problem: ProblemType,
    detail?: string,
    readonly extra: { errors?: ProblemIssue[]; status?: number; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail ?? PROBLEM_TYPES[problem].title);
  }

  get status(): number {
    return this.extra.status ?? PROBLEM_TYPES[this.problem].status;
  }
}

export const notFound = (what: string) => new ApiError("not-found", `${what} not found`);

export function zodIssues(error: ZodError): ProblemIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(root)", message: i.message, code: i.code }));
}

export function problemResponse(c: Context, err: ApiError): Response {
  const { errors, status: _status, headers, ...extensions } = err.extra;
  const requestId = c.get("requestId") as string | undefined;
  const body: ProblemBody = {
    type: PROBLEM_BASE + err.problem,
    title: PROBLEM_TYPES[err.problem].title,
    status: err.status,
    detail: err.message,
    instance: c.req.path,
    request_id: requestId,
    ...(errors ? { errors } : {}),
    ...extensions,
  };
  return c.body(JSON.stringify(body), err.status as ContentfulStatusCode, {
    "content-type": "application/problem+json",
    ...headers,
  });
}

/** Maps anything thrown to problem+json; unexpected errors are logged with the request id, never leaked. */
export function onError(err: unknown, c: Context): Response {
  if (err instanceof ApiError) return problemResponse(c, err);
  if (err instanceof HTTPException) {
    if (err.status === 413) return problemResponse(c, new ApiError("payload-too-large", "the request body exceeds the limit for this route"));
    if (/Malformed JSON/i.test(err.message)) {
      return problemResponse(c, new ApiError("malformed-json", "the body could not be parsed as JSON; check quoting and trailing commas"));
    }
    if (err.status === 401) return problemResponse(c, new ApiError("unauthenticated", err.message));
    // The route's media-type gate: a non-empty body in a type the operation does not declare.
    if (err.status === 415) return problemResponse(c, new ApiError("unsupported-media-type", "send the request body as JSON with `Content-Type: application/json`"));
    return problemResponse(c, new ApiError("validation-error", err.message, { status: err.status }));
  }
  console.error(JSON.stringify({ level: "error", request_id: c.get("requestId"), path: c.req.path, error: String((err as Error)?.stack ?? err) }));
  return problemResponse(c, new ApiError("internal", "an unexpected error occurred; quote the request_id when reporting it"));
}
