import { z } from "zod";
import { defineAction, IntegrationError, type ActionContext, type Integration } from "./integration.ts";
import { vendorRequest } from "./vendor-request.ts";

/**
 * HubSpot CRM v3 (https://developers.hubspot.com/docs/api/crm): contacts, and call and task engagements associated
 * with a contact (HubSpot-defined association types 194 call→contact and 204 task→contact). Authenticated with a
 * private-app access token, or an OAuth access token (v3 token endpoint, 30-minute tokens), as a Bearer token; a
 * refresh HubSpot refuses answers `BAD_REFRESH_TOKEN` rather than OAuth's `invalid_grant`.
 */
const CALL_TO_CONTACT = 194;
const TASK_TO_CONTACT = 204;

const HubSpotObject = z.object({ id: z.string() });
const SearchResult = z.object({ total: z.number(), results: z.array(HubSpotObject) });

async function hubspot(ctx: ActionContext, method: string, path: string, body?: unknown): Promise<unknown> {
  if (!("api_key" in ctx.credentials) && !("access_token" in ctx.credentials)) throw new IntegrationError("HubSpot is not connected", false);
  const token = "api_key" in ctx.credentials ? ctx.credentials.api_key : ctx.credentials.access_token;
  return vendorRequest(ctx.fetch, `${ctx.baseUrl}${path}`, {
    vendor: "HubSpot",
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: ctx.signal,
  });
}

const parsed = <T extends z.ZodType>(schema: T, value: unknown): z.infer<T> => {
  const result = schema.safeParse(value);
  if (!result.success) throw new IntegrationError("HubSpot answered with an unexpected body", false);
  return result.data;
};

const contactAssociation = (contactId: string | undefined, typeId: number) =>
  contactId === undefined ? [] : [{ to: { id: contactId }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: typeId }] }];

const upsertContact = defineAction({
  description: "Create or update a HubSpot contact, found by email (when given) or else by phone number.",
  input: z
    .object({
      phone: z.string().max(40).optional(),
      email: z.string().email().max(254).optional(),
      firstname: z.string().max(200).optional(),
      lastname: z.string().max(200).optional(),
      properties: z.record(z.string(), z.string()).default({}).describe("Other contact properties by internal name."),
    })
    .refine((c) => c.phone !== undefined || c.email !== undefined, "give a phone or an email"),
  output: z.object({ contact_id: z.string(), created: z.boolean() }),
  async run(input, ctx) {
    const properties = { ...input.properties, ...definedOnly({ phone: input.phone, email: input.email, firstname: input.firstname, lastname: input.lastname }) };
    if (input.email !== undefined) {
      const answer = await hubspot(ctx, "POST", "/crm/v3/objects/contacts/batch/upsert", { inputs: [{ idProperty: "email", id: input.email, properties }] });
      const result = parsed(z.object({ results: z.array(HubSpotObject.extend({ new: z.boolean().optional() })).min(1) }), answer).results[0]!;
      return { contact_id: result.id, created: result.new ?? false };
    }
    const search = { filterGroups: [{ filters: [{ propertyName: "phone", operator: "EQ", value: input.phone }] }], properties: ["phone"], limit: 1 };
    const found = parsed(SearchResult, await hubspot(ctx, "POST", "/crm/v3/objects/contacts/search", search)).results[0];
    if (found !== undefined) {
      await hubspot(ctx, "PATCH", `/crm/v3/objects/contacts/${encodeURIComponent(found.id)}`, { properties });
      return { contact_id: found.id, created: false };
    }
    const created = parsed(HubSpotObject, await hubspot(ctx, "POST", "/crm/v3/objects/contacts", { properties }));
    return { contact_id: created.id, created: true };
  },
});

const logCall = defineAction({
  description: "Log a call engagement (title, summary and transcript) on a HubSpot contact.",
  input: z.object({
    contact_id: z.string().min(1).optional(),
    title: z.string().max(500).default("AI agent call"),
    body: z.string().max(65_000).describe("The summary and transcript (HTML or text)."),
    direction: z.enum(["inbound", "outbound"]).default("inbound"),
    duration_seconds: z.number().int().min(0).optional(),
    timestamp: z.string().datetime({ offset: true }).optional().describe("When the call happened; default now."),
  }),
  output: z.object({ call_engagement_id: z.string() }),
  async run(input, ctx) {
    const properties = definedOnly({
      hs_timestamp: input.timestamp ?? new Date().toISOString(),
      hs_call_title: input.title,
      hs_call_body: input.body,
      hs_call_direction: input.direction.toUpperCase(),
      hs_call_status: "COMPLETED",
      hs_call_duration: input.duration_seconds === undefined ? undefined : String(input.duration_seconds * 1000),
    });
    const created = parsed(HubSpotObject, await hubspot(ctx, "POST", "/crm/v3/objects/calls", { properties, associations: contactAssociation(input.contact_id, CALL_TO_CONTACT) }));
    return { call_engagement_id: created.id };
  },
});

const createTask = defineAction({
  description: "Create a HubSpot task (e.g. a callback), optionally on a contact.",
  input: z.object({
    contact_id: z.string().min(1).optional(),
    subject: z.string().min(1).max(500),
    body: z.string().max(65_000).optional(),
    priority: z.enum(["LOW", "MEDIUM", "HIGH"]).default("MEDIUM"),
    type: z.enum(["CALL", "EMAIL", "TODO"]).default("CALL"),
    due_at: z.string().datetime({ offset: true }).optional().describe("The task's due date; default now."),
  }),
  output: z.object({ task_id: z.string() }),
  async run(input, ctx) {
    const properties = definedOnly({
      hs_timestamp: input.due_at ?? new Date().toISOString(),
      hs_task_subject: input.subject,
      hs_task_body: input.body,
      hs_task_status: "NOT_STARTED",
      hs_task_priority: input.priority,
      hs_task_type: input.type,
    });
    const created = parsed(HubSpotObject, await hubspot(ctx, "POST", "/crm/v3/objects/tasks", { properties, associations: contactAssociation(input.contact_id, TASK_TO_CONTACT) }));
    return { task_id: created.id };
  },
});

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export const hubspotIntegration: Integration = {
  name: "hubspot",
  title: "HubSpot",
  auth: { kind: "api_key", description: "A private-app access token with the crm.objects.contacts.read/write scopes." },
  baseUrlVar: "HUBSPOT_API_BASE_URL",
  oauth: {
    authorize: { baseUrlVar: "HUBSPOT_APP_BASE_URL", path: "/oauth/authorize" },
    token: { baseUrlVar: "HUBSPOT_API_BASE_URL", path: "/oauth/v3/token" },
    scopes: ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write"],
    revokedCodes: ["BAD_REFRESH_TOKEN"],
  },
  actions: { upsert_contact: upsertContact, log_call: logCall, create_task: createTask },
};
