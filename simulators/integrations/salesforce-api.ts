import { createHmac, randomBytes } from "node:crypto";
import { OAUTH_SIMULATOR_CLIENTS } from "./oauth-clients.ts";
import { oauthServer, type OAuthServer } from "./oauth-server.ts";
import { parseJson, type VendorAnswer, type VendorHandler, type VendorRequest } from "./recorded-request.ts";

/**
 * Salesforce stand-in: the OAuth 2.0 web server flow with PKCE on the login host (`/services/oauth2/authorize`,
 * `/services/oauth2/token`: no `expires_in`; `instance_url`, `id`, `issued_at`, `signature`; a refresh token only
 * when the `refresh_token` scope was granted, and none on a refresh) and the REST API's sObject create on the
 * instance (`POST /services/data/vXX.X/sobjects/{Lead|Task}/`) with Salesforce's checks: a live Bearer session
 * (`401 INVALID_SESSION_ID`), a JSON body, a Lead's required LastName and Company (`REQUIRED_FIELD_MISSING`), a
 * Task's WhoId naming a lead or contact and its ActivityDate as a date. The instance is this stand-in itself.
 */
const client = OAUTH_SIMULATOR_CLIENTS.salesforce;
const SOBJECT_PATH = /^\/services\/data\/v\d+\.\d\/sobjects\/(Lead|Task)\/?$/;
const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ORG_ID = "00D5g000004simAAA";

const recordId = (prefix: string) => prefix + Array.from(randomBytes(15), (b) => ID_CHARS[b % ID_CHARS.length]).join("");
const errors = (status: number, errorCode: string, message: string, fields: string[] = []): VendorAnswer => ({ status, body: [{ message, errorCode, fields }] });

export function salesforceApi(): VendorHandler & { oauth: OAuthServer } {
  const records = new Map<string, { sobject: string; fields: Record<string, unknown> }>();
  const oauth = oauthServer({
    authorizePath: "/services/oauth2/authorize",
    tokenPath: "/services/oauth2/token",
    client,
    issuesRefreshToken: (authorize) => (authorize.get("scope") ?? "").split(" ").some((s) => s === "refresh_token" || s === "full"),
    extraFields(grant, request) {
      const issuedAt = String(Date.now());
      const id = `http://${request.headers.host}/id/${ORG_ID}/0055g00000simUSR`;
      return {
        instance_url: `http://${request.headers.host}`,
        id,
        token_type: "Bearer",
        issued_at: issuedAt,
        scope: grant.scope,
        signature: createHmac("sha256", client.client_secret).update(id + issuedAt).digest("base64"),
      };
    },
  });

  function create(sobject: string, request: VendorRequest): VendorAnswer {
    if (!(request.headers["content-type"] ?? "").startsWith("application/json")) return errors(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
    const parsed = parseJson(request.rawBody);
    if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value)) return errors(400, "JSON_PARSER_ERROR", "The request body is not a JSON object");
    const fields = parsed.value as Record<string, unknown>;
    if (sobject === "Lead") {
      const missing = ["LastName", "Company"].filter((f) => typeof fields[f] !== "string" || fields[f] === "");
      if (missing.length > 0) return errors(400, "REQUIRED_FIELD_MISSING", `Required fields are missing: [${missing.join(", ")}]`, missing);
    } else {
      const whoId = fields.WhoId;
      if (whoId !== undefined && (typeof whoId !== "string" || !(records.get(whoId)?.sobject === "Lead" || whoId.startsWith("003")))) {
        return errors(400, "FIELD_INTEGRITY_EXCEPTION", "Name ID: id value of incorrect type", ["WhoId"]);
      }
      if (fields.ActivityDate !== undefined && !(typeof fields.ActivityDate === "string" && /^\d{4}-\d{2}-\d{2}$/.test(fields.ActivityDate))) {
        return errors(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of date from VALUE_STRING value", ["ActivityDate"]);
      }
    }
    const id = recordId(sobject === "Lead" ? "00Q" : "00T");
    records.set(id, { sobject, fields });
    return { status: 201, body: { id, success: true, errors: [] } };
  }

  return {
    vendor: "salesforce",
    oauth,
    handle(request) {
      const flow = oauth.handle(request);
      if (flow) return flow;
      // Slack's incoming webhooks share the /services/ prefix (slack-webhook.ts).
      if (!request.path.startsWith("/services/data/")) return undefined;
      const match = SOBJECT_PATH.exec(request.path);
      if (!match) return errors(404, "NOT_FOUND", "The requested resource does not exist");
      if (!oauth.isAccessToken(request.headers.authorization)) return errors(401, "INVALID_SESSION_ID", "Session expired or invalid");
      if (request.method !== "POST") return errors(405, "METHOD_NOT_ALLOWED", `HTTP Method '${request.method}' not allowed. Allowed are GET,HEAD,POST`);
      return create(match[1]!, request);
    },
  };
}
