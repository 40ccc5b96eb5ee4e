import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { database, nowIso, type Database } from "../../../shared/db/client.ts";
import { doNotCall } from "../../../shared/db/schema.ts";
import { zE164 } from "../../../shared/phone/e164.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../pagination.ts";
import { notFound } from "../problem.ts";
import { jsonBody, jsonResponse, resourceApp, securedRoute } from "../route.ts";

const DoNotCallEntry = z
  .object({
    phone: z.string().openapi({ example: "+14155550100" }),
    reason: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("DoNotCallEntry");

const AddDoNotCall = z
  .object({ phone: zE164, reason: z.string().trim().min(1).max(500).optional().openapi({ example: "asked not to be called again" }) })
  .strict()
  .openapi("AddDoNotCall");

const PhoneParam = z.object({
  phone: zE164.openapi({ param: { name: "phone", in: "path" }, description: "E.164, URL-encoded (`%2B14155550100`).", example: "+14155550100" }),
});

type DoNotCallRow = typeof doNotCall.$inferSelect;
const entryView = (e: DoNotCallRow): z.infer<typeof DoNotCallEntry> => ({ phone: e.phone, reason: e.reason, created_at: e.createdAt });

const entryWhere = (accountId: string, phone: string) => and(eq(doNotCall.accountId, accountId), eq(doNotCall.phone, phone));

async function ownEntry(db: Database, accountId: string, phone: string): Promise<DoNotCallRow> {
  const row = await db.select().from(doNotCall).where(entryWhere(accountId, phone)).get();
  if (!row) throw notFound("do-not-call entry");
  return row;
}

export const doNotCallApi = resourceApp();

doNotCallApi.openapi(
  securedRoute("consent:read", {
    method: "get",
    path: "/do-not-call",
    tags: ["Do not call"],
    summary: "List the account's do-not-call numbers, newest first",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(DoNotCallEntry, "DoNotCallPage"), "A page of entries.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(doNotCall)
      .where(and(eq(doNotCall.accountId, c.get("principal").accountId), afterCursor(cursor, doNotCall.createdAt, doNotCall.phone)))
      .orderBy(...pageOrder(doNotCall.createdAt, doNotCall.phone))
      .limit(limit + 1)
      .all();
    // The phone is the entry's key within the account, so it is the cursor's tie-breaker.
    return c.json(toPage(rows.map((r) => ({ ...r, id: r.phone })), limit, entryView), 200);
  },
);

doNotCallApi.openapi(
  securedRoute("consent:write", {
    method: "post",
    path: "/do-not-call",
    tags: ["Do not call"],
    summary: "Add a number to the do-not-call list (adding one already listed returns the existing entry)",
    request: jsonBody(AddDoNotCall),
    responses: {
      201: jsonResponse(DoNotCallEntry, "Added."),
      200: jsonResponse(DoNotCallEntry, "Already listed; the entry is unchanged."),
    },
  }),
  async (c) => {
    const { phone, reason } = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const [[added]] = await c.var.audit.commit([db.insert(doNotCall).values({ accountId, phone, reason, createdAt: nowIso() }).onConflictDoNothing().returning()], {
      resource: await c.var.audit.phone(phone),
    });
    if (added) return c.json(entryView(added), 201);
    return c.json(entryView(await ownEntry(db, accountId, phone)), 200);
  },
);

doNotCallApi.openapi(
  securedRoute("consent:read", {
    method: "get",
    path: "/do-not-call/{phone}",
    tags: ["Do not call"],
    summary: "Is this number on the do-not-call list?",
    request: { params: PhoneParam },
    responses: { 200: jsonResponse(DoNotCallEntry, "Listed (404 when not).") },
  }),
  async (c) => {
    const row = await ownEntry(database(c.env.DB), c.get("principal").accountId, c.req.valid("param").phone);
    return c.json(entryView(row), 200);
  },
);

doNotCallApi.openapi(
  securedRoute("consent:write", {
    method: "delete",
    path: "/do-not-call/{phone}",
    tags: ["Do not call"],
    summary: "Remove a number from the do-not-call list",
    request: { params: PhoneParam },
    responses: { 204: { description: "Removed." } },
  }),
  async (c) => {
    const { phone } = c.req.valid("param");
    const db = database(c.env.DB);
    const [[removed]] = await c.var.audit.commit([db.delete(doNotCall).where(entryWhere(c.get("principal").accountId, phone)).returning()], {
      resource: await c.var.audit.phone(phone),
      ifChanged: true,
    });
    if (!removed) throw notFound("do-not-call entry");
    return c.body(null, 204);
  },
);
