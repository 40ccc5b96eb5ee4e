import { z } from "@hono/zod-openapi";
import { and, eq, gt } from "drizzle-orm";
import { database, nowIso } from "../../../shared/db/client.ts";
import { accounts, apiKeys, providerCredentials, users } from "../../../shared/db/schema.ts";
import { ID_PATTERNS, newAccountId, newApiKeyId, newUserId, withFreshId } from "../../../shared/ids.ts";
import { SecretBox } from "../../../shared/crypto/secret-box.ts";
import { forgetApiKeys } from "../../auth/authenticate.ts";
import { SCOPES } from "../../auth/scopes.ts";
import { newApiKey } from "../../services/api-key-issuer.ts";
import { forgetTwilioCredentials, twilioTokenContext } from "../../../shared/twilio/twilio-credentials.ts";
import { displayName, emailAddress } from "../../../shared/schemas/text-fields.ts";
import { ApiError, notFound } from "../problem.ts";
import { createAccountWithBilling } from "../../billing/account-bootstrap.ts";
import { BillingSettings, NewAccountBilling } from "../../billing/billing-schemas.ts";
import { billingSettingsView } from "../../billing/billing-settings.ts";
import { callMinutesUsed } from "../../../shared/compliance/trial-gates.ts";
import { IdParam, jsonBody, jsonResponse, operatorRoute, resourceApp, securedRoute } from "../route.ts";

const Account = z
  .object({
    id: z.string().openapi({ example: "AYB-7KQ2-M9XD-4HTV" }),
    name: z.string(),
    status: z.enum(["active", "suspended", "closed"]),
    region: z.enum(["us", "eu"]),
    max_concurrent_calls: z.number().int(),
    reserved_inbound: z.number().int().openapi({ description: "Concurrent-call slots campaigns leave free for inbound calls." }),
    verification: z.enum(["trial", "approved"]).openapi({ description: "`trial` until the business verification case is approved: one phone number, outbound calls only to verified numbers (`/v1/verified-numbers`), no campaigns, and `trial_minutes` call minutes." }),
    trial_minutes: z.number().int().openapi({ description: "The call minutes the account may use while on trial." }),
    created_at: z.string(),
  })
  .openapi("Account");

type AccountRow = typeof accounts.$inferSelect;
const accountView = (a: AccountRow): z.infer<typeof Account> => ({
  id: a.id,
  name: a.name,
  status: a.status,
  region: a.region,
  max_concurrent_calls: a.maxConcurrentCalls,
  reserved_inbound: a.reservedInbound,
  verification: a.verification,
  trial_minutes: a.trialMinutes,
  created_at: a.createdAt,
});

/** The caller's own account also says how much of its trial it used (the operator's views do not need it). */
const OwnAccount = Account.extend({
  trial_minutes_used: z.number().int().openapi({ description: "Call minutes used so far, each call rounded up to the minute: while on trial, calls stop at `trial_minutes`." }),
}).openapi("OwnAccount");

const TrialMinutes = z.number().int().min(0).max(100_000).openapi({ description: "The call minutes the account may use while on trial (default 60)." });

const CreateAccount = z
  .object({
    name: displayName(200),
    region: z.enum(["us", "eu"]).default("us"),
    owner_email: emailAddress(),
    owner_name: displayName(200).optional(),
    max_concurrent_calls: z.number().int().min(1).max(10_000).default(10),
    verification: z.enum(["trial", "approved"]).default("trial").openapi({ description: "A new business starts on trial until its verification case is approved; `approved` skips the trial (accounts the operator vouches for)." }),
    trial_minutes: TrialMinutes.default(60),
    billing: NewAccountBilling.optional().openapi({ description: "Creates the account's billing side (Postgres) with it; without it the account has none until `PATCH /v1/operator/accounts/{id}/billing`." }),
  })
  .strict()
  .openapi("CreateAccount");

const AccountCreated = z
  .object({
    account: Account,
    owner: z.object({ id: z.string(), email: z.string(), role: z.literal("owner") }),
    api_key: z.object({ id: z.string(), key: z.string().openapi({ description: "Shown once; store it now." }) }),
    billing: BillingSettings.nullable(),
  })
  .openapi("AccountCreated");

const UpdateAccountOperator = z
  .object({
    status: z.enum(["active", "suspended", "closed"]).optional(),
    max_concurrent_calls: z.number().int().min(1).max(10_000).optional(),
    trial_minutes: TrialMinutes.optional(),
  })
  .strict();

const TwilioCredentials = z
  .object({
    account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "a Twilio Account SID: AC followed by 32 hex characters"),
    auth_token: z.string().min(16).max(128),
  })
  .strict()
  .openapi("TwilioCredentialsInput");

const CredentialView = z
  .object({ provider: z.literal("twilio"), account_sid: z.string(), key_id: z.string(), updated_at: z.string() })
  .openapi("ProviderCredential");

export const accountsApi = resourceApp();

accountsApi.openapi(
  operatorRoute({
    method: "post",
    path: "/operator/accounts",
    summary: "Create a tenant account with its owner and first API key (operator only)",
    request: jsonBody(CreateAccount),
    responses: { 201: jsonResponse(AccountCreated, "Account created; the API key is shown only here.") },
  }, { secretResponse: true }),
  async (c) => {
    const input = c.req.valid("json");
    const db = database(c.env.DB);
    const now = nowIso();
    // The account, its owner, the owner's key and the account's first audit entry commit together; an id that
    // collides (any of the three) retries the whole batch with fresh ones.
    const createInD1 = async (accountId: string) => {
      const ownerId = newUserId();
      const { values: keyValues, secret } = await newApiKey(newApiKeyId(), { accountId, name: "Owner key", scopes: SCOPES, createdBy: `user:${ownerId}` });
      const [[account], [owner], [key]] = await c.var.audit.commit(
        [
          db.insert(accounts).values({ id: accountId, name: input.name, region: input.region, maxConcurrentCalls: input.max_concurrent_calls, verification: input.verification, trialMinutes: input.trial_minutes, createdAt: now }).returning(),
          db.insert(users).values({ id: ownerId, accountId, email: input.owner_email.toLowerCase(), name: input.owner_name, role: "owner", createdAt: now }).returning(),
          db.insert(apiKeys).values(keyValues).returning(),
        ],
        { accountId, resource: accountId, ...(input.billing ? { detail: { billing: input.billing } } : {}) },
      );
      return { account: account!, owner: owner!, key: key!, secret };
    };
    const { created, billing } = input.billing
      ? await createAccountWithBilling(c.env, input.billing, c.req.header("idempotency-key"), createInD1)
      : { created: await withFreshId(newAccountId, createInD1), billing: null };
    const { account, owner, key, secret } = created;
    return c.json({ account: accountView(account), owner: { id: owner.id, email: owner.email, role: "owner" as const }, api_key: { id: key.id, key: secret }, billing: billing && billingSettingsView(billing) }, 201);
  },
);

accountsApi.openapi(
  operatorRoute({
    method: "patch",
    path: "/operator/accounts/{id}",
    summary: "Suspend, reactivate or change the limits of an account (its concurrency, its trial minutes) (operator only)",
    request: { params: IdParam(ID_PATTERNS.account, "AYB-7KQ2-M9XD-4HTV"), ...jsonBody(UpdateAccountOperator) },
    responses: { 200: jsonResponse(Account, "The updated account.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    const db = database(c.env.DB);
    const [[row]] = await c.var.audit.commit(
      [db.update(accounts).set({ status: input.status, maxConcurrentCalls: input.max_concurrent_calls, trialMinutes: input.trial_minutes }).where(eq(accounts.id, id)).returning()],
      { accountId: id, ifChanged: true },
    );
    if (!row) throw notFound("account");
    if (row.status === "closed") forgetApiKeys({ accountId: id });
    return c.json(accountView(row), 200);
  },
);

accountsApi.openapi(
  securedRoute("account:read", {
    method: "get",
    path: "/accounts/me",
    tags: ["Account"],
    summary: "The caller's account",
    responses: { 200: jsonResponse(OwnAccount, "The account.") },
  }),
  async (c) => {
    const db = database(c.env.DB);
    const accountId = c.get("principal").accountId;
    const row = await db.select().from(accounts).where(eq(accounts.id, accountId)).get();
    if (!row) throw notFound("account");
    return c.json({ ...accountView(row), trial_minutes_used: await callMinutesUsed(c.env, accountId, row.region) }, 200);
  },
);

accountsApi.openapi(
  securedRoute("account:write", {
    method: "patch",
    path: "/accounts/me",
    tags: ["Account"],
    summary: "Rename the caller's account, or set how many call slots campaigns leave free for inbound calls",
    description: "`reserved_inbound` must stay below the account's `max_concurrent_calls` (422 otherwise).",
    request: jsonBody(z.object({ name: displayName(200).optional(), reserved_inbound: z.number().int().min(0).max(10_000).optional() }).strict()),
    responses: { 200: jsonResponse(Account, "The updated account.") },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const input = c.req.valid("json");
    const db = database(c.env.DB);
    // A campaign must keep at least one slot, so the reserve stays below the limit (checked in the same statement).
    const update = db
      .update(accounts)
      .set({ name: input.name, reservedInbound: input.reserved_inbound })
      .where(and(eq(accounts.id, accountId), input.reserved_inbound === undefined ? undefined : gt(accounts.maxConcurrentCalls, input.reserved_inbound)))
      .returning();
    const [[row]] = await c.var.audit.commit([update], {
      resource: accountId,
      ifChanged: true,
    });
    if (!row) throw new ApiError("validation-error", "reserved_inbound must be below the account's max_concurrent_calls", { errors: [{ path: "reserved_inbound", message: "not below max_concurrent_calls" }] });
    return c.json(accountView(row), 200);
  },
);

accountsApi.openapi(
  securedRoute("account:write", {
    method: "put",
    path: "/accounts/me/credentials/twilio",
    tags: ["Account"],
    summary: "Store the account's Twilio credentials (the auth token is encrypted at rest and never returned)",
    request: jsonBody(TwilioCredentials),
    responses: { 200: jsonResponse(CredentialView, "Stored.") },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const input = c.req.valid("json");
    const sealed = await new SecretBox(c.env.ENCRYPTION_KEY).seal(input.auth_token, twilioTokenContext(accountId));
    const now = nowIso();
    const values = { externalId: input.account_sid, secretCiphertext: sealed.ciphertext, secretKeyId: sealed.keyId, updatedAt: now };
    const db = database(c.env.DB);
    const [[stored]] = await c.var.audit.commit(
      [
        db
          .insert(providerCredentials)
          .values({ accountId, provider: "twilio", createdAt: now, ...values })
          .onConflictDoUpdate({ target: [providerCredentials.accountId, providerCredentials.provider], set: values })
          .returning(),
      ],
      { resource: "credentials:twilio" },
    );
    const row = stored!;
    forgetTwilioCredentials(accountId, input.account_sid);
    return c.json({ provider: "twilio" as const, account_sid: row.externalId, key_id: row.secretKeyId, updated_at: row.updatedAt }, 200);
  },
);

accountsApi.openapi(
  securedRoute("account:read", {
    method: "get",
    path: "/accounts/me/credentials",
    tags: ["Account"],
    summary: "Provider credentials on file (secrets are never returned)",
    responses: { 200: jsonResponse(z.object({ data: z.array(CredentialView) }), "Credentials.") },
  }),
  async (c) => {
    const rows = await database(c.env.DB)
      .select()
      .from(providerCredentials)
      .where(and(eq(providerCredentials.accountId, c.get("principal").accountId)))
      .all();
    return c.json({ data: rows.map((r) => ({ provider: r.provider, account_sid: r.externalId, key_id: r.secretKeyId, updated_at: r.updatedAt })) }, 200);
  },
);
