import { OAUTH_SIMULATOR_CLIENTS } from "./oauth-clients.ts";
import { oauthServer, type OAuthErrorCode, type OAuthServer } from "./oauth-server.ts";
import { parseJson, type VendorAnswer, type VendorHandler, type VendorRequest } from "./recorded-request.ts";

/**
 * HubSpot CRM v3 stand-in (https://developers.hubspot.com/docs/api/crm): contacts (create, update, search by
 * property, batch upsert by a unique property) and call and task engagements, with the checks HubSpot makes: a
 * Bearer token, `properties` objects, `hs_timestamp` on engagements, associations naming an existing contact with
 * the HubSpot-defined type for the pair (194 call→contact, 204 task→contact). Authenticated by a private-app token
 * or an OAuth access token: the OAuth server is HubSpot's (`/oauth/authorize` on app.hubspot.com, `/oauth/v3/token`
 * on api.hubapi.com: 30-minute tokens, HubSpot's own error statuses such as `BAD_REFRESH_TOKEN`).
 */
export const HUBSPOT_SIMULATOR_TOKEN = "pat-na1-simulator-token";

interface CrmObject {
  id: string;
  properties: Record<string, string>;
  associations: { toId: string; typeId: number }[];
  createdAt: string;
  updatedAt: string;
}

const ENGAGEMENT_TO_CONTACT: Record<string, number> = { calls: 194, tasks: 204 };

const error = (status: number, category: string, message: string): VendorAnswer => ({
  status,
  body: { status: "error", message, correlationId: crypto.randomUUID(), category },
});

/** HubSpot's error statuses for OAuth failures, by grant type where they differ. */
function hubspotOAuthError(code: OAuthErrorCode, description: string, grantType: string | null) {
  const status =
    code === "invalid_client" ? "BAD_CLIENT_ID" : code === "redirect_uri_mismatch" ? "BAD_REDIRECT_URI" : code === "invalid_grant" ? (grantType === "refresh_token" ? "BAD_REFRESH_TOKEN" : "BAD_AUTH_CODE") : "BAD_GRANT_TYPE";
  return { status, message: description, correlationId: crypto.randomUUID() };
}

export function hubspotCrm(): VendorHandler & { objects: Record<string, Map<string, CrmObject>>; oauth: OAuthServer } {
  const objects: Record<string, Map<string, CrmObject>> = { contacts: new Map(), calls: new Map(), tasks: new Map() };
  let nextId = 1001;
  const oauth = oauthServer({
    authorizePath: "/oauth/authorize",
    tokenPath: "/oauth/v3/token",
    client: OAUTH_SIMULATOR_CLIENTS.hubspot,
    defaultLifetimeS: 1800,
    issuesRefreshToken: () => true,
    extraFields: () => ({ token_type: "bearer" }),
    errorBody: hubspotOAuthError,
  });

  const create = (type: string, properties: Record<string, string>, associations: CrmObject["associations"]): CrmObject => {
    const now = new Date().toISOString();
    const object = { id: String(nextId++), properties, associations, createdAt: now, updatedAt: now };
    objects[type]!.set(object.id, object);
    return object;
  };
  const view = (o: CrmObject) => ({ id: o.id, properties: { ...o.properties, hs_object_id: o.id }, createdAt: o.createdAt, updatedAt: o.updatedAt, archived: false });

  function handle(request: VendorRequest): VendorAnswer | undefined {
    const flow = oauth.handle(request);
    if (flow) return flow;
    const match = /^\/crm\/v3\/objects\/(contacts|calls|tasks)(?:\/(search|batch\/upsert|[0-9]+))?$/.exec(request.path);
    if (!match) return request.path.startsWith("/crm/") ? error(404, "OBJECT_NOT_FOUND", `no route ${request.path}`) : undefined;
    if (request.headers.authorization !== `Bearer ${HUBSPOT_SIMULATOR_TOKEN}` && !oauth.isAccessToken(request.headers.authorization)) {
      return error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found. This API supports OAuth 2.0 authentication and private app access tokens.");
    }
    const [, type, sub] = match as unknown as [string, string, string | undefined];
    const parsed = parseJson(request.rawBody || "{}");
    if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null) return error(400, "VALIDATION_ERROR", "Invalid input JSON on line 1");
    const body = parsed.value as Record<string, unknown>;

    if (sub === "search" && request.method === "POST") {
      if (type !== "contacts" || !Array.isArray(body.filterGroups)) return error(400, "VALIDATION_ERROR", "filterGroups is required");
      const filters = (body.filterGroups as { filters?: { propertyName: string; operator: string; value: string }[] }[]).flatMap((g) => g.filters ?? []);
      const results = [...objects.contacts!.values()].filter((o) => filters.every((f) => f.operator === "EQ" && o.properties[f.propertyName] === f.value));
      return { status: 200, body: { total: results.length, results: results.map(view) } };
    }
    if (sub === "batch/upsert" && request.method === "POST") {
      const inputs = body.inputs as { idProperty?: string; id?: string; properties?: Record<string, string> }[] | undefined;
      if (type !== "contacts" || !Array.isArray(inputs) || inputs.some((i) => i.idProperty !== "email" || typeof i.id !== "string" || typeof i.properties !== "object")) {
        return error(400, "VALIDATION_ERROR", "each input needs idProperty (a unique property), id and properties");
      }
      const results = inputs.map((input) => {
        const existing = [...objects.contacts!.values()].find((o) => o.properties.email === input.id);
        if (existing) {
          existing.properties = { ...existing.properties, ...input.properties };
          return { ...view(existing), new: false };
        }
        return { ...view(create("contacts", { ...input.properties!, email: input.id! }, [])), new: true };
      });
      return { status: 200, body: { status: "COMPLETE", results } };
    }
    if (sub !== undefined && /^[0-9]+$/.test(sub) && request.method === "PATCH") {
      const existing = objects[type]!.get(sub);
      if (!existing) return error(404, "OBJECT_NOT_FOUND", `resource not found: ${sub}`);
      if (typeof body.properties !== "object" || body.properties === null) return error(400, "VALIDATION_ERROR", "properties is required");
      existing.properties = { ...existing.properties, ...(body.properties as Record<string, string>) };
      return { status: 200, body: view(existing) };
    }
    if (sub === undefined && request.method === "POST") return createObject(type, body);
    return error(405, "VALIDATION_ERROR", `${request.method} is not allowed on ${request.path}`);
  }

  function createObject(type: string, body: Record<string, unknown>): VendorAnswer {
    const properties = body.properties as Record<string, string> | undefined;
    if (typeof properties !== "object" || properties === null) return error(400, "VALIDATION_ERROR", "properties is required");
    if (type !== "contacts" && !properties.hs_timestamp) return error(400, "VALIDATION_ERROR", "Property values were not valid: hs_timestamp is required");
    if (type === "tasks" && !properties.hs_task_subject) return error(400, "VALIDATION_ERROR", "Property values were not valid: hs_task_subject is required");
    const associations: CrmObject["associations"] = [];
    for (const association of (body.associations as { to?: { id?: string }; types?: { associationCategory?: string; associationTypeId?: number }[] }[] | undefined) ?? []) {
      const toId = association.to?.id;
      const kind = association.types?.[0];
      if (!toId || !objects.contacts!.has(toId)) return error(400, "VALIDATION_ERROR", `association target ${toId} does not exist`);
      if (kind?.associationCategory !== "HUBSPOT_DEFINED" || kind.associationTypeId !== ENGAGEMENT_TO_CONTACT[type]) {
        return error(400, "VALIDATION_ERROR", `association type ${kind?.associationTypeId} is not valid between ${type} and contacts`);
      }
      associations.push({ toId, typeId: ENGAGEMENT_TO_CONTACT[type]! });
    }
    return { status: 201, body: view(create(type, properties, associations)) };
  }

  return { vendor: "hubspot", objects, oauth, handle };
}
