/** The tenant's verification case: `/v1/verification` (read and written by the account's owners and admins). */
import { asBillingUnavailable, withBillingDb, UNAVAILABLE } from "../../billing/billing-db.ts";
import { jsonBody, jsonResponse, problem, resourceApp, securedRoute } from "../../api/route.ts";
import type { AppEnv } from "../../api/app-env.ts";
import type { Context } from "hono";
import { trustHubStatus } from "../trust-hub/trust-hub.ts";
import { CaseSealer } from "./case-sealing.ts";
import { caseView, readCase } from "./case-store.ts";
import { saveDraft, screeningThreshold, submitCase } from "./case-submission.ts";
import { IdentitySession, VerificationCase, VerificationDetails } from "./verification-schemas.ts";
import { resubmitFixed } from "./trust-hub-resubmission.ts";
import { IDENTITY_SESSION_KIND } from "./identity-evidence.ts";
import { ApiError } from "../../api/problem.ts";
import { atStripe } from "../../billing/routes/payments.ts";
import { stripeClient } from "../../billing/payments/stripe-client.ts";

export const verificationApi = resourceApp();

const CONFLICT = { 409: problem("`conflict`: the case is not in a state that allows this (the detail names the state and what it allows).") };

/** The audit entry of a tenant's write: its transitions, each with its reason (the actor is the caller). */
const auditTransitions = (c: Context<AppEnv>) => (transitions: unknown[], detail: Record<string, unknown>) =>
  c.var.audit.commit([], { resource: c.get("principal").accountId, detail: { transitions, ...detail } });

verificationApi.openapi(
  securedRoute("verification:read", {
    method: "get",
    path: "/verification",
    tags: ["Verification"],
    summary: "The account's business verification case and its state",
    description: "`not_started` with null details until the first PUT. Screening evidence is the operator's and is not shown here; the operator's reason for its last decision is.",
    responses: { 200: jsonResponse(VerificationCase, "The case."), ...UNAVAILABLE },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const sealer = new CaseSealer(c.env.ENCRYPTION_KEY);
    const view = await withBillingDb(c.env, async (db) => caseView(sealer, accountId, await readCase(db, accountId), await trustHubStatus(c.env, accountId)));
    return c.json(view, 200);
  },
);

verificationApi.openapi(
  securedRoute("verification:write", {
    method: "put",
    path: "/verification",
    tags: ["Verification"],
    summary: "Declare the business, its authorised representative and its beneficial owners (25 % or more)",
    description:
      "Replaces what the case declares, while it is `not_started` or `needs_info`. Names, dates of birth, document numbers and addresses are encrypted at rest. Once Twilio rejects the Trust Hub registration of an approved case (`trust_hub.step` `rejected`, with `trust_hub.failure_reason`), the approved details with only the `trust_hub` part or the address fixed are taken too, and resubmit the registration to Twilio's review (a fixed address updates the Address at Twilio).",
    request: jsonBody(VerificationDetails),
    responses: { 200: jsonResponse(VerificationCase, "The case as saved."), ...CONFLICT, ...UNAVAILABLE },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const details = c.req.valid("json");
    const sealer = new CaseSealer(c.env.ENCRYPTION_KEY);
    const saved = await withBillingDb(c.env, (db) => saveDraft(db, sealer, accountId, details, () => c.var.audit.commit([], { resource: accountId })));
    const trustHub = saved.resubmitTrustHub ? await asBillingUnavailable(() => resubmitFixed(c.env, accountId, details)) : null;
    return c.json(await caseView(sealer, accountId, saved.row, trustHub), 200);
  },
);

verificationApi.openapi(
  securedRoute("verification:write", {
    method: "post",
    path: "/verification/submit",
    tags: ["Verification"],
    summary: "Submit the case: it is screened against the sanctions lists and goes to the operator for review",
    description:
      "Moves the case `submitted → screening → in_review` (from `not_started` or `needs_info`). The legal and trade names, the representative and the owners are screened against the newest OFAC lists; matches are kept as evidence for the operator, who approves, rejects or asks for information.",
    responses: { 200: jsonResponse(VerificationCase, "The case, now in review."), ...CONFLICT, ...UNAVAILABLE },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const sealer = new CaseSealer(c.env.ENCRYPTION_KEY);
    const threshold = screeningThreshold(c.env.SANCTIONS_MATCH_THRESHOLD);
    const row = await withBillingDb(c.env, (db) => submitCase(db, sealer, accountId, threshold, auditTransitions(c)));
    return c.json(await caseView(sealer, accountId, row), 200);
  },
);

verificationApi.openapi(
  securedRoute("verification:write", {
    method: "post",
    path: "/verification/identity-session",
    tags: ["Verification"],
    summary: "Start the authorised representative's identity check (Stripe Identity: a document and a matching selfie)",
    description:
      "Creates a Stripe Identity VerificationSession for the case's representative; send them to its `url`. Stripe's verdict (verified, requires input, canceled) arrives by webhook and becomes evidence on the case for the operator.",
    responses: { 201: jsonResponse(IdentitySession, "The session."), 409: problem("`conflict`: there is no case yet, or it is decided."), 502: problem("`provider-error`: Stripe refused or could not be reached."), ...UNAVAILABLE },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const sealer = new CaseSealer(c.env.ENCRYPTION_KEY);
    const details = await withBillingDb(c.env, async (db) => {
      const row = await readCase(db, accountId);
      if (!row || row.state === "approved" || row.state === "rejected") throw new ApiError("conflict", row ? `the verification case is ${row.state}` : "declare the case (PUT /v1/verification) before checking its representative");
      return sealer.openDetails(accountId, row.details);
    });
    const session = await atStripe(() =>
      stripeClient(c.env).identity.verificationSessions.create({
        type: "document",
        options: { document: { require_matching_selfie: true, require_live_capture: true } },
        client_reference_id: accountId,
        provided_details: { email: details.representative.email },
        metadata: { account_id: accountId, kind: IDENTITY_SESSION_KIND },
      }),
    );
    await c.var.audit.commit([], { resource: session.id });
    return c.json({ session_id: session.id, url: session.url, client_secret: session.client_secret, status: session.status }, 201);
  },
);
