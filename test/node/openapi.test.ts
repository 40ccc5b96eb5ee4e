import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";

// The app module is platform code typed for workerd; importing it through a computed specifier keeps the
// Node typecheck from pulling the Worker's types in. Building the document needs no bindings.
const appModule = "../../workers/app.ts";

async function openApiDocument(): Promise<any> {
  const { createApp } = await import(/* @vite-ignore */ appModule);
  const res = await createApp().request("https://api.example.test/openapi.json");
  expect(res.status).toBe(200);
  return res.json();
}

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await openApiDocument();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents every tenant resource with security and problem responses", async () => {
    const doc = await openApiDocument();
    const paths = Object.keys(doc.paths);
    for (const p of ["/v1/accounts/me", "/v1/users", "/v1/api-keys", "/v1/agents", "/v1/agents/{id}/publish", "/v1/agents/{id}/rollback", "/v1/phone-numbers", "/v1/calls", "/v1/calls/{id}", "/v1/consent", "/v1/do-not-call", "/v1/audit-log"]) {
      expect(paths).toContain(p);
    }
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect(op.summary, `${method} ${path} has a summary`).toBeTruthy();
        expect(op.security, `${method} ${path} declares its security`).toBeTruthy();
        if (!path.startsWith("/v1/operator")) expect(op.responses["401"], `${method} ${path} documents 401`).toBeTruthy();
      }
    }
  });
});
