import { database } from "../../shared/db/client.ts";
import { purgeExpiredIdempotencyKeys } from "../middleware/idempotency.ts";
import { migrateLegacyCredit } from "../billing/legacy-credit-migration.ts";
import { issueMonthlyInvoices } from "../billing/invoices/monthly-invoices.ts";
import { suspendOverdueAccounts } from "../billing/payments/dunning.ts";
import { reconcileBilling } from "../billing/reconciliation.ts";
import { applyRetention } from "../compliance/retention/retention-job.ts";
import { dispatchCampaignWindows } from "../campaigns/campaign-windows-job.ts";
import { startDueScheduledRuns } from "../workflows/scheduled-runs.ts";
import { resumeTrustHubRegistrations } from "../compliance/trust-hub/resume-job.ts";
import { enqueueRescreens } from "../compliance/verification/rescreen-enqueue.ts";
import { sweepOrphanDocuments } from "../compliance/verification/orphan-documents-job.ts";
import { purgeExpiredFlows } from "../integrations/oauth-states.ts";

/** A periodic job: it runs on every cron trigger, with the trigger's scheduled time as its clock. */
export interface ScheduledJob {
  name: string;
  run(env: Env, now: Date): Promise<Record<string, number>>;
}

/** Every periodic job of the Worker; add new ones here (wrangler.toml's `[triggers] crons` sets the cadence). */
export const SCHEDULED_JOBS: readonly ScheduledJob[] = [
  { name: "purge-idempotency-keys", run: async (env, now) => ({ deleted: await purgeExpiredIdempotencyKeys(database(env.DB), now) }) },
  { name: "migrate-legacy-credit", run: (env) => migrateLegacyCredit(env) },
  { name: "reconcile-billing", run: (env, now) => reconcileBilling(env, now) },
  { name: "suspend-overdue-billing", run: (env, now) => suspendOverdueAccounts(env, now) },
  { name: "issue-monthly-invoices", run: (env, now) => issueMonthlyInvoices(env, now) },
  { name: "apply-retention", run: (env, now) => applyRetention(env, now) },
  { name: "dispatch-campaign-windows", run: (env, now) => dispatchCampaignWindows(env, now) },
  { name: "start-scheduled-workflows", run: (env, now) => startDueScheduledRuns(env, now) },
  { name: "resume-trust-hub", run: (env, now) => resumeTrustHubRegistrations(env, now) },
  { name: "enqueue-sanctions-rescreens", run: (env) => enqueueRescreens(env) },
  // R2 stamps an upload with the real clock, so an object's age is measured against it, not the trigger's time.
  { name: "sweep-orphan-documents", run: (env) => sweepOrphanDocuments(env, new Date()) },
  { name: "purge-oauth-states", run: async (env, now) => ({ deleted: await purgeExpiredFlows(env, now) }) },
];

/**
 * The Worker's `scheduled` handler. Each job runs on its own, so one failing job does not stop the others; a
 * failure is logged and then rethrown, so the trigger shows as failed in the dashboard.
 */
export async function runScheduledJobs(controller: ScheduledController, env: Env, jobs: readonly ScheduledJob[] = SCHEDULED_JOBS): Promise<void> {
  const now = new Date(controller.scheduledTime);
  const results = await Promise.allSettled(jobs.map((job) => job.run(env, now)));
  const failed: string[] = [];
  results.forEach((result, i) => {
    const job = jobs[i]!.name;
    if (result.status === "fulfilled") {
      console.log(JSON.stringify({ level: "info", scheduled_job: job, cron: controller.cron, ...result.value }));
    } else {
      failed.push(job);
      console.error(JSON.stringify({ level: "error", scheduled_job: job, cron: controller.cron, error: String(result.reason) }));
    }
  });
  if (failed.length > 0) throw new Error(`scheduled jobs failed: ${failed.join(", ")}`);
}
