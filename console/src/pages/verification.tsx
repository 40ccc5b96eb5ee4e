import { api } from "../api.ts";
import { formatDate, Loaded, PageHeader, useLoad } from "../ui.tsx";
import { useAction } from "../use-action.tsx";
import { VerificationCaseForm, type VerificationDetails } from "./verification-case-form.tsx";
import { VerificationDocuments } from "./verification-documents.tsx";
import { VerifiedNumbers } from "./verified-numbers.tsx";

type CaseState = "not_started" | "submitted" | "screening" | "in_review" | "approved" | "rejected" | "needs_info";

interface TrustHubProgress {
  step: string;
  customer_profile: { sid: string; status: string | null } | null;
  trust_product: { sid: string; status: string | null } | null;
  assigned_numbers: number;
  failure_reason: string | null;
  last_error: string | null;
}

export interface VerificationCase {
  state: CaseState;
  details: VerificationDetails | null;
  decision_reason: string | null;
  submitted_at: string | null;
  decided_at: string | null;
  updated_at: string | null;
  trust_hub: TrustHubProgress | null;
}

interface Account {
  verification: "trial" | "approved";
  trial_minutes: number;
  trial_minutes_used: number;
}

/** What each state means for the tenant, and what it can do next. */
const STATE_TEXT: Record<CaseState, string> = {
  not_started: "Not started: declare your business below, then submit it for review.",
  submitted: "Submitted: it is being screened.",
  screening: "Screening: the names are being checked against the sanctions lists.",
  in_review: "In review: our team is reviewing the case.",
  approved: "Approved: the trial limits are lifted.",
  rejected: "Rejected.",
  needs_info: "Needs information: change what the reviewer asks for, then submit again.",
};

const EDITABLE: CaseState[] = ["not_started", "needs_info"];

function TrustHub({ progress }: { progress: TrustHubProgress }) {
  return (
    <section aria-labelledby="trust-hub-title">
      <h2 id="trust-hub-title">Twilio Trust Hub registration</h2>
      <dl class="facts">
        <div><dt>Step</dt><dd>{progress.step.replaceAll("_", " ")}</dd></div>
        <div><dt>Customer profile</dt><dd>{progress.customer_profile?.status ?? "not created"}</dd></div>
        <div><dt>SHAKEN/STIR trust product</dt><dd>{progress.trust_product?.status ?? "not created"}</dd></div>
        <div><dt>Numbers assigned</dt><dd>{progress.assigned_numbers}</dd></div>
      </dl>
      {progress.failure_reason && <p class="problem">Twilio rejected it: {progress.failure_reason}</p>}
      {progress.last_error && <p class="hint">The last attempt failed ({progress.last_error}); it is retried every hour.</p>}
    </section>
  );
}

function TrialGates({ account }: { account: Account }) {
  if (account.verification === "approved") return <p>The account is verified: no trial limits apply.</p>;
  return (
    <>
      <p>
        The account is on trial until its verification case is approved: one phone number, outbound calls and texts only to verified numbers, no
        campaigns.
      </p>
      <dl class="facts">
        <div>
          <dt>Trial call minutes used</dt>
          <dd data-testid="trial-minutes">
            {account.trial_minutes_used} of {account.trial_minutes}
          </dd>
        </div>
      </dl>
      <meter min={0} max={account.trial_minutes} value={account.trial_minutes_used} aria-label="Trial call minutes used" />
    </>
  );
}

/** The account's business verification case and its trial limits, read (and written) through /v1 like any client. */
export function VerificationPage({ canRead, canWrite, canVerifyNumbers }: { canRead: boolean; canWrite: boolean; canVerifyNumbers: boolean }) {
  const account = useLoad(() => api<Account>("GET", "/accounts/me"), []);
  const verification = useLoad(() => (canRead ? api<VerificationCase>("GET", "/verification") : Promise.resolve(null)), [canRead]);
  const action = useAction();
  const submit = () =>
    action.run(async () => {
      await api("POST", "/verification/submit");
      verification.reload();
      return "Submitted for review.";
    });
  const identityCheck = () =>
    action.run(async () => {
      const session = await api<{ url: string | null }>("POST", "/verification/identity-session");
      if (session.url) location.assign(session.url);
      return "Opening the identity check…";
    });
  return (
    <main id="main">
      <PageHeader title="Verification" />
      <section aria-labelledby="trial-title">
        <h2 id="trial-title">Trial limits</h2>
        <Loaded state={account}>{(a) => <TrialGates account={a} />}</Loaded>
      </section>
      <section aria-labelledby="case-title">
        <h2 id="case-title">Business verification</h2>
        {!canRead && <p>Only the account's owners and admins see and change its verification case (scopes verification:read and verification:write).</p>}
        <Loaded state={verification}>
          {(v) =>
            v && (
              <>
                <p data-testid="case-state">{STATE_TEXT[v.state]}</p>
                {v.decision_reason && (
                  <p>
                    <strong>{v.state === "needs_info" ? "What to change: " : "Reviewer's reason: "}</strong>
                    {v.decision_reason}
                  </p>
                )}
                <dl class="facts">
                  <div><dt>Submitted</dt><dd>{formatDate(v.submitted_at)}</dd></div>
                  <div><dt>Decided</dt><dd>{formatDate(v.decided_at)}</dd></div>
                  <div><dt>Last change</dt><dd>{formatDate(v.updated_at)}</dd></div>
                </dl>
                <p class="hint">Sanctions screening results and identity evidence are kept for the reviewer; the state above says where the case is.</p>
                {canWrite && v.details && v.state !== "approved" && v.state !== "rejected" && (
                  <div class="actions">
                    {EDITABLE.includes(v.state) && <button onClick={submit}>Submit for review</button>}
                    <button class="secondary" onClick={identityCheck}>
                      Check the representative's identity
                    </button>
                  </div>
                )}
                {action.outcome}
                <VerificationDocuments canUpload={canWrite && EDITABLE.includes(v.state)} />
                {v.trust_hub && <TrustHub progress={v.trust_hub} />}
                {canWrite && EDITABLE.includes(v.state) && <VerificationCaseForm details={v.details} action={action} onSaved={verification.reload} />}
              </>
            )
          }
        </Loaded>
      </section>
      <VerifiedNumbers canWrite={canVerifyNumbers} />
    </main>
  );
}
