import { z } from "zod";
import { defineAction, type Integration } from "./integration.ts";
import { vendorRequest } from "./vendor-request.ts";

/** The generic HTTP action: any public HTTPS endpoint, under the tool SSRF rules. Its output is the status only. */
const request = defineAction({
  description: "Send an HTTP request with a JSON body to a public HTTPS URL.",
  input: z.object({
    url: z.string().max(2048),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("POST"),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional(),
  }),
  output: z.object({ ok: z.literal(true) }),
  async run(input, ctx) {
    const withBody = input.method !== "GET" && input.body !== undefined;
    await vendorRequest(ctx.guardedFetch, input.url, {
      vendor: "the HTTP endpoint",
      method: input.method,
      headers: { ...input.headers, ...(withBody ? { "content-type": "application/json" } : {}) },
      body: withBody ? JSON.stringify(input.body) : undefined,
      signal: ctx.signal,
    });
    return { ok: true as const };
  },
});

export const httpRequest: Integration = { name: "http", title: "HTTP request", auth: { kind: "none" }, actions: { request } };
