import { z } from "zod";
import { defineAction, IntegrationError, type ActionContext, type Integration } from "./integration.ts";
import { vendorRequest } from "./vendor-request.ts";

/**
 * Salesforce REST API (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/): sObject create
 * (`POST /services/data/vXX.X/sobjects/{Lead|Task}/`, answered `201 {id, success, errors}`) on the org's
 * `instance_url`, which the token answer names. Connected through OAuth 2.0 web server flow with PKCE; the token
 * answer has no `expires_in` (the session timeout is an org setting, two hours by default), so the platform assumes
 * that and refreshes before it.
 */
export const SALESFORCE_API_VERSION = "v62.0";
const SESSION_TIMEOUT_S = 2 * 60 * 60;

const Created = z.object({ id: z.string().min(15), success: z.literal(true) });

async function createRecord(ctx: ActionContext, sobject: "Lead" | "Task", fields: Record<string, unknown>): Promise<string> {
  if (!("access_token" in ctx.credentials) || ctx.baseUrl === "") throw new IntegrationError("Salesforce is not connected", false);
  const answer = Created.safeParse(
    await vendorRequest(ctx.fetch, `${ctx.baseUrl}/services/data/${SALESFORCE_API_VERSION}/sobjects/${sobject}/`, {
      vendor: "Salesforce",
      method: "POST",
      headers: { authorization: `Bearer ${ctx.credentials.access_token}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))),
      signal: ctx.signal,
    }),
  );
  if (!answer.success) throw new IntegrationError("Salesforce answered with an unexpected body", false);
  return answer.data.id;
}

/** A Salesforce record id: 15 or 18 alphanumeric characters. */
const RecordId = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, "a Salesforce record id (15 or 18 characters)");

const createLead = defineAction({
  description: "Create a Salesforce lead (a person interested in buying) with their company.",
  input: z.object({
    last_name: z.string().min(1).max(80).describe("The lead's last name (required by Salesforce)."),
    company: z.string().min(1).max(255).describe("The lead's company (required by Salesforce)."),
    first_name: z.string().max(40).optional(),
    email: z.string().email().max(80).optional(),
    phone: z.string().max(40).optional(),
    lead_source: z.string().max(255).default("Phone Inquiry"),
    description: z.string().max(32_000).optional().describe("Notes, such as the call's summary."),
  }),
  output: z.object({ lead_id: z.string() }),
  async run(input, ctx) {
    const id = await createRecord(ctx, "Lead", {
      LastName: input.last_name,
      Company: input.company,
      FirstName: input.first_name,
      Email: input.email,
      Phone: input.phone,
      LeadSource: input.lead_source,
      Description: input.description,
    });
    return { lead_id: id };
  },
});

const createTask = defineAction({
  description: "Create a Salesforce task (e.g. a callback), optionally on a lead or contact.",
  input: z.object({
    subject: z.string().min(1).max(255),
    who_id: RecordId.optional().describe("The lead or contact the task is about."),
    description: z.string().max(32_000).optional(),
    due_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD").optional(),
    priority: z.enum(["High", "Normal", "Low"]).default("Normal"),
    status: z.enum(["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"]).default("Not Started"),
  }),
  output: z.object({ task_id: z.string() }),
  async run(input, ctx) {
    const id = await createRecord(ctx, "Task", {
      Subject: input.subject,
      WhoId: input.who_id,
      Description: input.description,
      ActivityDate: input.due_date,
      Priority: input.priority,
      Status: input.status,
    });
    return { task_id: id };
  },
});

export const salesforceIntegration: Integration = {
  name: "salesforce",
  title: "Salesforce",
  auth: { kind: "oauth2" },
  oauth: {
    authorize: { baseUrlVar: "SALESFORCE_LOGIN_URL", path: "/services/oauth2/authorize" },
    token: { baseUrlVar: "SALESFORCE_LOGIN_URL", path: "/services/oauth2/token" },
    scopes: ["api", "refresh_token"],
    assumedLifetimeS: SESSION_TIMEOUT_S,
    instanceUrl: true,
  },
  actions: { create_lead: createLead, create_task: createTask },
};
