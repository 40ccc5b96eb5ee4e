import { and, eq, isNotNull } from "drizzle-orm";
import { auditInsert, pokeAuditChainer } from "../../../shared/audit/audit-entry.ts";
import { database } from "../../../shared/db/client.ts";
import { phoneNumbers } from "../../../shared/db/schema.ts";
import { SecretBox } from "../../../shared/crypto/secret-box.ts";
import { withPostgres, type PgDatabase } from "../../../shared/pg/client.ts";
import type { TrustHubRegistration, TrustHubStatus } from "../../../shared/pg/schema.ts";
import { twilioCredentialsForAccount } from "../../../shared/twilio/twilio-credentials.ts";
import { claimRegistration, insertRegistration, readRegistration, reopenRejected, updateRegistration } from "./registration-store.ts";
import { isActive, STEPS, TrustHubStepError } from "./registration-steps.ts";
import { trustHubBusinessSchema, type TrustHubBusiness } from "./trust-hub-business.ts";
import { TrustHubClient } from "./trust-hub-client.ts";

/**
 * An approved account's Twilio Trust Hub registration: its Secondary Customer Profile (end users, address document),
 * submitted for review; once Twilio approves it, the SHAKEN/STIR trust product with the account's numbers. Every run
 * continues from the stored step, and a step stores what it created before the next one starts, so a run that fails
 * or dies anywhere is simply run again (the status callback and the retry job do).
 */
export const TRUST_HUB_CALLBACK_PATH = "/twilio/trust-hub/status";

export interface TrustHubRunOptions {
  /** Replaces fetch for Twilio's requests (tests: a crash after Twilio acted). */
  fetcher?: typeof fetch;
  now?: Date;
}

export interface TrustHubView {
  step: TrustHubRegistration["step"];
  customer_profile: { sid: string; status: TrustHubStatus | null } | null;
  trust_product: { sid: string; status: TrustHubStatus | null } | null;
  assigned_numbers: number;
  failure_reason: string | null;
  /** The last failed run's error, until a step goes through again. */
  last_error: string | null;
}

const businessContext = (accountId: string) => `trust-hub-business:${accountId}`;

/**
 * Starts (or, when it exists, continues) the account's registration. `business` comes from the verification case;
 * `publicBaseUrl` is the platform's public URL, which Twilio's status callbacks are sent to. A Twilio failure is not
 * thrown: it is kept on the registration (`last_error`) for the next run; an invalid `business` is. A registration
 * that exists keeps the business it started with.
 */
export async function startTrustHub(env: Env, accountId: string, input: { business: TrustHubBusiness; publicBaseUrl: string }, opts: TrustHubRunOptions = {}): Promise<TrustHubView> {
  const business = trustHubBusinessSchema.parse(input.business);
  const sealed = await new SecretBox(env.ENCRYPTION_KEY).seal(JSON.stringify(business), businessContext(accountId));
  return withPostgres(env, async (db) => {
    await insertRegistration(db, {
      accountId,
      step: "profile",
      statusCallbackUrl: `${input.publicBaseUrl.replace(/\/+$/, "")}${TRUST_HUB_CALLBACK_PATH}`,
      businessKeyId: sealed.keyId,
      businessCiphertext: sealed.ciphertext,
    });
    await runRegistration(env, db, accountId, opts);
    return viewOf((await readRegistration(db, accountId))!);
  });
}

/**
 * Resubmits a registration Twilio rejected, with the business as fixed: the rejected bundle's steps run again (each
 * finds what it made the first time by name, and end users take the fixed attributes) and the bundle goes back to
 * review. Null when there is no rejected registration to resubmit.
 */
export async function resubmitTrustHub(env: Env, accountId: string, fixed: TrustHubBusiness, opts: TrustHubRunOptions = {}): Promise<TrustHubView | null> {
  const business = trustHubBusinessSchema.parse(fixed);
  const sealed = await new SecretBox(env.ENCRYPTION_KEY).seal(JSON.stringify(business), businessContext(accountId));
  return withPostgres(env, async (db) => {
    if (!(await reopenRejected(db, accountId, { businessKeyId: sealed.keyId, businessCiphertext: sealed.ciphertext }))) return null;
    await runRegistration(env, db, accountId, opts);
    return viewOf((await readRegistration(db, accountId))!);
  });
}

export type RunResult = "finished" | "waiting" | "failed" | "busy" | "absent";

/** Runs the registration's steps until it waits on Twilio's review, ends, or a step fails. */
export function runTrustHub(env: Env, accountId: string, opts: TrustHubRunOptions = {}): Promise<RunResult> {
  return withPostgres(env, (db) => runRegistration(env, db, accountId, opts));
}

export async function runRegistration(env: Env, db: PgDatabase, accountId: string, opts: TrustHubRunOptions = {}): Promise<RunResult> {
  if (!(await readRegistration(db, accountId))) return "absent";
  const claimed = await claimRegistration(db, accountId, opts.now ?? new Date());
  if (!claimed) return "busy";
  let row = claimed;
  try {
    const client = await clientFor(env, accountId, opts.fetcher);
    const business = await openBusiness(env, row);
    const numberSids = () => accountNumberSids(env, accountId);
    const note = (entry: { action: string; resource: string; detail: Record<string, unknown> }) => recordNote(env, accountId, entry);
    while (isActive(row.step)) {
      const outcome = await STEPS[row.step]({ client, row, business, numberSids, note });
      if (outcome === "wait") return "waiting";
      row = await updateRegistration(db, accountId, { ...outcome, failedAttempts: 0, lastError: null });
    }
    return "finished";
  } catch (error) {
    await updateRegistration(db, accountId, { failedAttempts: row.failedAttempts + 1, lastError: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    return "failed";
  } finally {
    await release(db, accountId);
  }
}

const release = (db: PgDatabase, accountId: string) => updateRegistration(db, accountId, { leaseUntil: null });

async function clientFor(env: Env, accountId: string, fetcher?: typeof fetch): Promise<TrustHubClient> {
  const creds = await twilioCredentialsForAccount(env, accountId);
  if (!creds) throw new TrustHubStepError("the account has no Twilio credentials");
  return new TrustHubClient({ trustHubBaseUrl: env.TWILIO_TRUSTHUB_BASE_URL, apiBaseUrl: env.TWILIO_API_BASE_URL, accountSid: creds.accountSid, authToken: creds.authToken, ...(fetcher && { fetcher }) });
}

async function openBusiness(env: Env, row: TrustHubRegistration): Promise<TrustHubBusiness> {
  const json = await new SecretBox(env.ENCRYPTION_KEY).open({ keyId: row.businessKeyId, ciphertext: row.businessCiphertext }, businessContext(row.accountId));
  return trustHubBusinessSchema.parse(JSON.parse(json));
}

/** An audit entry by the platform, chained before the run goes on. */
async function recordNote(env: Env, accountId: string, entry: { action: string; resource: string; detail: Record<string, unknown> }): Promise<void> {
  await auditInsert(database(env.DB), { accountId, actor: "platform", ...entry }).run();
  const poked: Promise<unknown>[] = [];
  pokeAuditChainer(env, (p) => poked.push(p), accountId);
  await Promise.all(poked);
}

/** The account's active Twilio numbers (SIP numbers have no Twilio SID and no SHAKEN/STIR at Twilio). */
async function accountNumberSids(env: Env, accountId: string): Promise<string[]> {
  const rows = await database(env.DB)
    .select({ sid: phoneNumbers.providerSid })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.accountId, accountId), eq(phoneNumbers.status, "active"), eq(phoneNumbers.source, "twilio"), isNotNull(phoneNumbers.providerSid)))
    .all();
  return rows.map((r) => r.sid!);
}

/** The registration as the tenant sees it (GET /v1/verification), or null when it has not started. */
export async function trustHubStatus(env: Env, accountId: string): Promise<TrustHubView | null> {
  const row = await withPostgres(env, (db) => readRegistration(db, accountId));
  return row ? viewOf(row) : null;
}

function viewOf(row: TrustHubRegistration): TrustHubView {
  return {
    step: row.step,
    customer_profile: row.customerProfileSid ? { sid: row.customerProfileSid, status: row.profileStatus } : null,
    trust_product: row.trustProductSid ? { sid: row.trustProductSid, status: row.trustProductStatus } : null,
    assigned_numbers: row.assignedNumberSids.length,
    failure_reason: row.failureReason,
    last_error: row.lastError,
  };
}
