import { z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { SignJWT } from "jose";
import { tokenKey } from "../../../shared/auth/token-keys.ts";
import { database, nowIso, type Database } from "../../../shared/db/client.ts";
import { users } from "../../../shared/db/schema.ts";
import { ID_PATTERNS, newUserId, withFreshId } from "../../../shared/ids.ts";
import { displayName, emailAddress } from "../../../shared/schemas/text-fields.ts";
import { ROLES } from "../../auth/scopes.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../pagination.ts";
import { ApiError, notFound } from "../problem.ts";
import { IdParam, jsonBody, jsonResponse, problem, resourceApp, securedRoute } from "../route.ts";

const DASHBOARD_TOKEN_TTL_S = 60 * 60;

const User = z
  .object({
    id: z.string().openapi({ example: "USR-7KQ2M9XD4H" }),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(ROLES),
    created_at: z.string(),
  })
  .openapi("User");

const CreateUser = z
  .object({ email: emailAddress(), name: displayName(200).optional(), role: z.enum(ROLES) })
  .strict()
  .openapi("CreateUser");

const UpdateUser = z
  .object({ name: displayName(200).nullable().optional(), role: z.enum(ROLES).optional() })
  .strict()
  .refine((u) => u.name !== undefined || u.role !== undefined, { message: "send `name`, `role` or both" })
  .openapi("UpdateUser");

const DashboardToken = z
  .object({
    token: z.string().openapi({ description: "An HS256 JWT; send it as `Authorization: Bearer <token>`." }),
    expires_at: z.string(),
  })
  .openapi("DashboardToken");

type UserRow = typeof users.$inferSelect;
const userView = (u: UserRow): z.infer<typeof User> => ({ id: u.id, email: u.email, name: u.name, role: u.role, created_at: u.createdAt });

const userParams = IdParam(ID_PATTERNS.user, "USR-7KQ2M9XD4H");

const conflict = (description: string) => problem(`\`conflict\`: ${description}`);
const lastOwner = () => new ApiError("conflict", "this is the account's last owner; make another user an owner first");

async function ownUser(db: Database, accountId: string, id: string): Promise<UserRow> {
  const row = await db.select().from(users).where(and(eq(users.id, id), eq(users.accountId, accountId))).get();
  if (!row) throw notFound("user");
  return row;
}

/**
 * WHERE fragment letting a write through only if the row is not an owner or another owner remains. It runs in the
 * same statement as the write, so two concurrent demotions of the last two owners cannot both succeed.
 */
const anotherOwnerRemains = (accountId: string) =>
  sql`(${users.role} <> 'owner' OR (SELECT count(*) FROM users AS o WHERE o.account_id = ${accountId} AND o.role = 'owner') > 1)`;

export const usersApi = resourceApp();

usersApi.openapi(
  securedRoute("users:read", {
    method: "get",
    path: "/users",
    tags: ["Users"],
    summary: "List the account's dashboard users, newest first",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(User, "UserPage"), "A page of users.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(users)
      .where(and(eq(users.accountId, c.get("principal").accountId), afterCursor(cursor, users.createdAt, users.id)))
      .orderBy(...pageOrder(users.createdAt, users.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, userView), 200);
  },
);

usersApi.openapi(
  securedRoute("users:read", {
    method: "get",
    path: "/users/{id}",
    tags: ["Users"],
    summary: "Get a user",
    request: { params: userParams },
    responses: { 200: jsonResponse(User, "The user.") },
  }),
  async (c) => c.json(userView(await ownUser(database(c.env.DB), c.get("principal").accountId, c.req.valid("param").id)), 200),
);

usersApi.openapi(
  securedRoute("users:write", {
    method: "post",
    path: "/users",
    tags: ["Users"],
    summary: "Add a dashboard user to the account",
    request: jsonBody(CreateUser),
    responses: { 201: jsonResponse(User, "The new user."), 409: conflict("The email is already a user of the account.") },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const email = input.email.toLowerCase();
    // A duplicate email is a quiet no-op here rather than a UNIQUE error, which withFreshId would take for an id collision.
    const row = await withFreshId(newUserId, (id) =>
      database(c.env.DB)
        .insert(users)
        .values({ id, accountId, email, name: input.name, role: input.role, createdAt: nowIso() })
        .onConflictDoNothing({ target: [users.accountId, users.email] })
        .returning()
        .get(),
    );
    if (!row) throw new ApiError("conflict", `${email} is already a user of this account; change that user's role instead`);
    c.set("auditResource", row.id);
    return c.json(userView(row), 201);
  },
);

usersApi.openapi(
  securedRoute("users:write", {
    method: "patch",
    path: "/users/{id}",
    tags: ["Users"],
    summary: "Rename a user or change their role (the account always keeps an owner)",
    request: { params: userParams, ...jsonBody(UpdateUser) },
    responses: { 200: jsonResponse(User, "The updated user."), 409: conflict("The change would leave the account without an owner.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    await ownUser(db, accountId, id);
    const demotes = input.role !== undefined && input.role !== "owner";
    const row = await db
      .update(users)
      .set({ name: input.name, role: input.role })
      .where(and(eq(users.id, id), eq(users.accountId, accountId), demotes ? anotherOwnerRemains(accountId) : undefined))
      .returning()
      .get();
    if (!row) throw lastOwner();
    if (input.role) c.set("auditDetail", { role: input.role });
    return c.json(userView(row), 200);
  },
);

usersApi.openapi(
  securedRoute("users:write", {
    method: "delete",
    path: "/users/{id}",
    tags: ["Users"],
    summary: "Remove a user (their dashboard tokens stop working at once)",
    request: { params: userParams },
    responses: { 204: { description: "Removed." }, 409: conflict("The user is the account's last owner.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    await ownUser(db, accountId, id);
    const removed = await db
      .delete(users)
      .where(and(eq(users.id, id), eq(users.accountId, accountId), anotherOwnerRemains(accountId)))
      .returning({ id: users.id })
      .get();
    if (!removed) throw lastOwner();
    return c.body(null, 204);
  },
);

usersApi.openapi(
  securedRoute("users:write", {
    method: "post",
    path: "/users/{id}/tokens",
    tags: ["Users"],
    summary: "Mint a one-hour dashboard session token (HS256 JWT) for a user",
    request: { params: userParams },
    responses: { 201: jsonResponse(DashboardToken, "The token; it carries the user's current role on every request.") },
  }, { secretResponse: true }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const user = await ownUser(database(c.env.DB), accountId, id);
    const expiresAtS = Math.floor(Date.now() / 1000) + DASHBOARD_TOKEN_TTL_S;
    const token = await new SignJWT({ account_id: accountId })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(user.id)
      .setIssuer(c.env.JWT_ISSUER)
      .setAudience(c.env.JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expiresAtS)
      .sign(await tokenKey(c.env.JWT_SECRET, "dashboard"));
    return c.json({ token, expires_at: new Date(expiresAtS * 1000).toISOString() }, 201);
  },
);
