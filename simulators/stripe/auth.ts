import { StripeApiError } from "./stripe-error.ts";

/** Bearer auth with a secret key, as Stripe takes it (HTTP Basic with the key as user name works too). */
export function apiKeyOf(authorization: string | undefined, keys: ReadonlySet<string>): string {
  const key = bearerOrBasic(authorization);
  if (key === undefined) {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  if (!keys.has(key)) {
    const masked = key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}` : key;
    throw new StripeApiError(401, "invalid_request_error", `Invalid API Key provided: ${masked}`);
  }
  return key;
}

function bearerOrBasic(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(" ", 2);
  if (!value) return undefined;
  if (scheme!.toLowerCase() === "bearer") return value.trim();
  if (scheme!.toLowerCase() === "basic") return Buffer.from(value, "base64").toString("utf8").split(":")[0] || undefined;
  return undefined;
}
