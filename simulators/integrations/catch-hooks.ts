import { randomUUID } from "node:crypto";
import { parseJson, type VendorHandler } from "./recorded-request.ts";

/**
 * Catch hooks of Zapier (`POST /hooks/catch/{account id}/{hook id}/`, answered
 * `200 {"attempt", "id", "request_id", "status": "success"}`) and Make (`POST /{32-character token}`, answered
 * `200 Accepted` in text; an unknown hook is `410` "There is no scenario listening for this webhook."). Both take any
 * JSON body; the stand-ins refuse one that does not parse, so the platform's requests are checked as JSON.
 */
const ZAPIER_PATH = /^\/hooks\/catch\/\d+\/[a-z0-9]+\/?$/;
const MAKE_PATH = /^\/[a-z0-9]{32}$/;

const jsonObject = (headers: Record<string, string>, rawBody: string) => {
  const parsed = parseJson(rawBody);
  return (headers["content-type"] ?? "").startsWith("application/json") && parsed.ok && typeof parsed.value === "object" && parsed.value !== null;
};

export function zapierHooks(): VendorHandler {
  return {
    vendor: "zapier",
    handle(request) {
      if (!request.path.startsWith("/hooks/catch/")) return undefined;
      if (!ZAPIER_PATH.test(request.path)) return { status: 404, body: { status: "error", message: "Hook not found." } };
      if (request.method !== "POST") return { status: 405, body: { status: "error", message: "Method not allowed." } };
      if (!jsonObject(request.headers, request.rawBody)) return { status: 400, body: { status: "error", message: "Unable to parse the JSON body." } };
      const id = randomUUID();
      return { status: 200, body: { attempt: id, id, request_id: id, status: "success" } };
    },
  };
}

export function makeHooks(): VendorHandler {
  const text = (status: number, body: string) => ({ status, body, contentType: "text/plain" });
  return {
    vendor: "make",
    handle(request) {
      if (!MAKE_PATH.test(request.path)) return undefined;
      if (request.method !== "POST") return text(405, "Method Not Allowed");
      if (!jsonObject(request.headers, request.rawBody)) return text(400, "Invalid JSON body.");
      return text(200, "Accepted");
    },
  };
}
