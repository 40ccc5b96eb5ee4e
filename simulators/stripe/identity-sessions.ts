/**
 * Stripe Identity's VerificationSessions: a document check with a matching selfie, created for one person, which the
 * person completes on Stripe's hosted page. Here the control API plays the person and Stripe's checks
 * (`settleVerificationSession`): the session becomes `verified`, or returns to `requires_input` with a `last_error`.
 * Each change emits its `identity.verification_session.*` event, delivered signed to the webhook endpoints.
 */
import { randomBytes } from "node:crypto";
import { newId, unixNow } from "./ids.ts";
import { readParams, type ParamSpec } from "./params.ts";
import { ok, type ApiRouter } from "./route-context.ts";
import type { RequestOrigin, StripeState } from "./state.ts";
import { invalidRequest, noSuchResource } from "./stripe-error.ts";

export interface VerificationSession {
  id: string;
  object: "identity.verification_session";
  client_reference_id: string | null;
  client_secret: string | null;
  created: number;
  last_error: { code: string; reason: string } | null;
  last_verification_report: string | null;
  livemode: false;
  metadata: Record<string, string>;
  options: { document?: { require_matching_selfie?: boolean; allowed_types?: string[] } };
  provided_details: { email?: string; phone?: string } | null;
  redaction: null;
  related_customer: string | null;
  return_url: string | null;
  status: "requires_input" | "processing" | "verified" | "canceled";
  type: "document" | "id_number";
  url: string | null;
}

/** Stripe's documented `last_error.code` values a document check can end with. */
export const DOCUMENT_ERRORS: Record<string, string> = {
  document_expired: "The document is expired.",
  document_unverified_other: "Stripe could not verify the provided identity document.",
  document_type_not_supported: "The document type is not supported.",
  selfie_face_mismatch: "The selfie's face does not match the face on the document.",
  selfie_manipulated: "The selfie was manipulated.",
  consent_declined: "The user declined to be verified by Stripe.",
};

const CREATE_SPEC = {
  type: { enum: ["document", "id_number"] },
  client_reference_id: "string",
  metadata: "metadata",
  options: { document: { require_matching_selfie: "boolean", require_live_capture: "boolean", require_id_number: "boolean", allowed_types: { arrayOf: "string" } } },
  provided_details: { email: "string", phone: "string" },
  related_customer: "string",
  return_url: "string",
} as const satisfies Record<string, ParamSpec>;

function sessionOf(state: StripeState, id: string): VerificationSession {
  const session = state.verificationSessions.get(id);
  if (!session) throw noSuchResource("identity.verification_session", id);
  return session;
}

/** What the person's completed check found: `verified`, or `requires_input` with one of DOCUMENT_ERRORS. */
export function settleVerificationSession(state: StripeState, id: string, outcome: { status: "verified" } | { status: "requires_input"; code: string }, origin: RequestOrigin): VerificationSession {
  const session = sessionOf(state, id);
  if (session.status === "verified" || session.status === "canceled") {
    throw invalidRequest(`This VerificationSession is ${session.status} and can no longer be submitted.`, { code: "session_invalid_state" });
  }
  session.last_verification_report = newId("vr");
  if (outcome.status === "verified") {
    session.status = "verified";
    session.last_error = null;
    // A verified session's URL and secret are spent, as on Stripe.
    session.url = null;
    session.client_secret = null;
  } else {
    session.status = "requires_input";
    session.last_error = { code: outcome.code, reason: DOCUMENT_ERRORS[outcome.code]! };
  }
  state.emit(`identity.verification_session.${session.status}`, session, origin);
  return session;
}

export function identitySessionRoutes(router: ApiRouter): void {
  router
    .post("/v1/identity/verification_sessions", (req, state) => {
      const params = readParams(req.form, CREATE_SPEC);
      if (!params.type) throw invalidRequest("Missing required param: type.", { code: "parameter_missing", param: "type" });
      const id = newId("vs");
      const options = (params.options ?? {}) as VerificationSession["options"];
      const session: VerificationSession = {
        id,
        object: "identity.verification_session",
        client_reference_id: (params.client_reference_id as string | undefined) ?? null,
        client_secret: `${id}_secret_${randomBytes(12).toString("hex")}`,
        created: unixNow(),
        last_error: null,
        last_verification_report: null,
        livemode: false,
        metadata: (params.metadata as Record<string, string> | undefined) ?? {},
        options: params.type === "document" ? { document: options.document ?? {} } : {},
        provided_details: (params.provided_details as VerificationSession["provided_details"]) ?? null,
        redaction: null,
        related_customer: (params.related_customer as string | undefined) ?? null,
        return_url: (params.return_url as string | undefined) ?? null,
        status: "requires_input",
        type: params.type as VerificationSession["type"],
        url: `${state.baseUrl()}/identity/${id}`,
      };
      state.verificationSessions.set(id, session);
      state.emit("identity.verification_session.created", session, req.origin);
      return ok(session);
    })
    .get("/v1/identity/verification_sessions/:id", (req, state) => ok(sessionOf(state, req.params.id!)))
    .post("/v1/identity/verification_sessions/:id/cancel", (req, state) => {
      readParams(req.form, {});
      const session = sessionOf(state, req.params.id!);
      if (session.status !== "requires_input") {
        throw invalidRequest(`Only a VerificationSession with status requires_input can be canceled; this one is ${session.status}.`, { code: "session_invalid_state" });
      }
      session.status = "canceled";
      session.url = null;
      session.client_secret = null;
      state.emit("identity.verification_session.canceled", session, req.origin);
      return ok(session);
    });
}
