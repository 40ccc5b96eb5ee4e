import type { Account } from "../simulator-state.ts";

/** Minimal REST caller for tests: form-encoded body, HTTP Basic, JSON back. */
export async function twilioRest(
  baseUrl: string,
  account: Account,
  method: "GET" | "POST" | "DELETE",
  path: string,
  form?: Record<string, string | string[]>,
): Promise<{ status: number; body: any }> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form ?? {})) for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
  const isGet = method === "GET";
  const url = `${baseUrl}/2010-04-01/Accounts/${account.accountSid}${path}${isGet && form ? `?${params}` : ""}`;
  const response = await fetch(url, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString("base64")}`,
      ...(isGet ? {} : { "Content-Type": "application/x-www-form-urlencoded" }),
    },
    body: isGet ? undefined : params.toString(),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
