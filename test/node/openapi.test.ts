import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";

// The app module is platform code typed for workerd; importing it through a computed specifier keeps the
// Node typecheck from pulling the Worker's types in. Building the document needs no bindings.
const appModule = "../../workers/app.ts";
const scopesModule = "../../workers/auth/scopes.ts";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
/** The documentation itself is the only thing served that it does not describe. */
const SELF = new Set(["GET /openapi.json", "GET /docs"]);

async function app(): Promise<{ routes: { method: string; path: string }[]; request(url: string): Promise<Response> }> {
  const { createApp } = await import(/* @vite-ignore */ appModule);
  return createApp();
}

async function openApiDocument(): Promise<any> {
  const res = await (await app()).request("https://api.example.test/openapi.json");
  expect(res.status).toBe(200);
  return res.json();
}

/** Every operation in the document as [`METHOD /path`, operation, path]. */
function operations(doc: any): [string, any, string][] {
  return Object.entries<any>(doc.paths).flatMap(([path, item]) =>
    Object.entries<any>(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]): [string, any, string] => [`${method.toUpperCase()} ${path}`, op, path]),
  );
}

const resolve = (doc: any, schema: any): any => (schema.$ref ? resolve(doc, doc.components.schemas[schema.$ref.split("/").pop()]) : schema);

// The first test pays for importing the whole app cold, which takes seconds on a busy machine.
describe("OpenAPI document", { timeout: 30_000 }, () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await openApiDocument();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents exactly the routes the app serves", async () => {
    const served = new Set(
      (await app()).routes
        .filter((r) => r.method !== "ALL") // middleware
        // The console's own pages and cookie-session routes (workers/console/) are the web app's, not the API's.
        .filter((r) => !r.path.startsWith("/console/"))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
        .filter((r) => !SELF.has(r)),
    );
    const documented = new Set(operations(await openApiDocument()).map(([op]) => op));
    expect([...served].filter((r) => !documented.has(r)), "served but not documented").toEqual([]);
    expect([...documented].filter((r) => !served.has(r)), "documented but not served").toEqual([]);
    expect(documented.size).toBeGreaterThan(50);
  });

  it("declares security, the request id and problem+json errors on every operation", async () => {
    const doc = await openApiDocument();
    for (const [name, op] of operations(doc)) {
      expect(op.summary, `${name} has a summary`).toBeTruthy();
      expect(op.security, `${name} declares its security`).toBeDefined();
      for (const [status, response] of Object.entries<any>(op.responses)) {
        expect(response.headers?.["X-Request-Id"], `${name} ${status} declares X-Request-Id`).toBeDefined();
        if (Number(status) >= 400 && !name.includes(" /twilio/")) {
          expect(Object.keys(response.content ?? {}), `${name} ${status} is problem+json`).toEqual(["application/problem+json"]);
        }
      }
    }
  });

  it("declares the scope, the auth failures and the conventions on every /v1 operation", async () => {
    const doc = await openApiDocument();
    const { SCOPES, ROLES, ROLE_SCOPES } = await import(/* @vite-ignore */ scopesModule);
    const v1 = operations(doc).filter(([, , path]) => path.startsWith("/v1/"));
    expect(v1.length).toBeGreaterThan(40);
    let paged = 0;
    for (const [name, op, path] of v1) {
      const [method] = name.split(" ");
      const codes = Object.keys(op.responses);
      expect(codes, `${name} documents 401`).toContain("401");
      if (path.startsWith("/v1/operator/")) {
        expect(op.security, name).toEqual([{ operator: [] }]);
      } else if (path === "/v1/calls/{id}/live") {
        // The live transcript takes a one-time ticket (an EventSource cannot send a bearer token).
        expect(op.security, name).toEqual([{ liveTicket: [] }]);
      } else {
        expect(op.security, `${name} names exactly one scope`).toEqual([{ bearer: [expect.any(String)] }]);
        const scope = op.security[0].bearer[0];
        expect(SCOPES, name).toContain(scope);
        expect(op["x-roles"], `${name} lists the roles holding ${scope}`).toEqual(ROLES.filter((role: string) => ROLE_SCOPES[role].includes(scope)));
        expect(codes, `${name} documents 403`).toContain("403");
      }
      if (path.includes("{")) expect(codes, `${name} documents 404`).toContain("404");
      if (op.requestBody) expect(codes, `${name} documents the body problems`).toEqual(expect.arrayContaining(["400", "413", "415", "422"]));
      const cursor = op.parameters?.find((p: any) => p.in === "query" && p.name === "cursor");
      if (cursor) {
        paged++;
        expect(cursor.schema.type, `${name} takes an opaque string cursor`).toBe("string");
        const page = resolve(doc, op.responses["200"].content["application/json"].schema);
        expect(page.properties.next_cursor.type, `${name} returns a string next_cursor`).toEqual(["string", "null"]);
      }
      if (method === "POST") {
        expect(op.parameters?.find((p: any) => p.in === "header" && p.name === "Idempotency-Key"), `${name} declares Idempotency-Key`).toBeDefined();
        expect(codes, `${name} documents the idempotency problems`).toEqual(expect.arrayContaining(["409", "413", "422"]));
        const success = codes.find((c) => c.startsWith("2"))!;
        expect(op.responses[success].headers["Idempotent-Replayed"], `${name} declares Idempotent-Replayed`).toBeDefined();
      }
    }
    expect(paged, "lists with a cursor").toBeGreaterThanOrEqual(9);
  });

  it("lists every event a tenant's endpoint can receive under `webhooks`, signed, with its envelope", async () => {
    const doc = await openApiDocument();
    const { WEBHOOK_EVENT_TYPES } = await import(/* @vite-ignore */ "../../shared/webhooks/event-catalogue.ts");
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    for (const [type, item] of Object.entries<any>(doc.webhooks)) {
      expect(item.post.parameters.map((p: { name: string }) => p.name), type).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
      const envelope = resolve(doc, item.post.requestBody.content["application/json"].schema);
      expect(envelope.required, type).toEqual(["id", "type", "created_at", "account_id", "data"]);
      expect(envelope.properties.type.enum, type).toEqual([type]);
    }
  });

  it("describes the OAuth callback as authenticated by its state and the flow's cookie, and the connect route that starts it and sets the cookie", async () => {
    const doc = await openApiDocument();
    const callback = doc.paths["/oauth/callback"].get;
    expect(callback.security).toEqual([]);
    expect(callback.parameters.filter((p: any) => p.in === "query").map((p: any) => [p.name, p.required ?? false])).toEqual(expect.arrayContaining([["state", true], ["code", false]]));
    expect(Object.keys(callback.responses)).toEqual(expect.arrayContaining(["200", "302", "403", "422", "502"]));
    expect(callback.responses["302"].headers.Location).toBeDefined();
    const connect = doc.paths["/v1/integrations/{name}/connect"].get;
    expect(connect.security).toEqual([{ bearer: ["account:write"] }]);
    expect(connect.parameters.map((p: any) => [p.name, p.in])).toEqual(expect.arrayContaining([["return_to", "query"]]));
    expect(connect.responses["200"].headers["Set-Cookie"]).toBeDefined();
    expect(resolve(doc, connect.responses["200"].content["application/json"].schema).required).toEqual(["authorize_url", "expires_at"]);
  });

  it("describes the Twilio webhooks with their signature and form bodies", async () => {
    const doc = await openApiDocument();
    expect(doc.components.securitySchemes.twilioSignature).toMatchObject({ type: "apiKey", in: "header", name: "X-Twilio-Signature" });
    const webhooks = operations(doc).filter(([, , path]) => path.startsWith("/twilio/"));
    expect(webhooks.length).toBeGreaterThanOrEqual(6);
    for (const [name, op] of webhooks) {
      expect(op.security, name).toEqual([{ twilioSignature: [] }]);
      expect(op.responses["403"], `${name} documents a bad signature`).toBeDefined();
      if (name.startsWith("POST")) {
        expect(Object.keys(op.requestBody.content), `${name} takes a form`).toEqual(["application/x-www-form-urlencoded"]);
        expect(op.responses["413"], `${name} documents the body limit`).toBeDefined();
      }
    }
  });
});
