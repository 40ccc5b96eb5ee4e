/** Stripe's error body: `{ error: { type, code, message, param, … } }` with the HTTP status that goes with it. */
export type StripeErrorType = "api_error" | "card_error" | "idempotency_error" | "invalid_request_error";

export class StripeApiError extends Error {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly fields: { code?: string; param?: string; [extra: string]: unknown };

  constructor(status: number, type: StripeErrorType, message: string, fields: { code?: string; param?: string; [extra: string]: unknown } = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.fields = fields;
  }

  toJSON(): { error: Record<string, unknown> } {
    const docUrl = this.fields.code ? { doc_url: `https://stripe.com/docs/error-codes/${this.fields.code.replaceAll("_", "-")}` } : {};
    return { error: { ...docUrl, ...this.fields, message: this.message, type: this.type } };
  }
}

export const invalidRequest = (message: string, fields: { code?: string; param?: string } = {}) => new StripeApiError(400, "invalid_request_error", message, fields);

export const noSuchResource = (kind: string, id: string, param?: string) =>
  new StripeApiError(404, "invalid_request_error", `No such ${kind}: '${id}'`, { code: "resource_missing", ...(param ? { param } : {}) });
