import type { FormObject, FormValue } from "./form-body.ts";
import { invalidRequest } from "./stripe-error.ts";

/**
 * The parameters an endpoint accepts, as Stripe documents them. Reading a body through its spec turns strings into
 * typed values and answers Stripe's errors: `parameter_unknown` for a key the endpoint does not take,
 * `parameter_invalid_integer` / `parameter_invalid_string_empty` / `parameter_invalid_boolean` for bad values.
 */
export type ParamSpec =
  | "string"
  | "integer"
  | "boolean"
  | "metadata"
  | { readonly enum: readonly string[] }
  | { readonly arrayOf: ParamSpec }
  | { readonly [key: string]: ParamSpec };

export type Params = Record<string, unknown>;

export function readParams(body: FormObject, spec: { readonly [key: string]: ParamSpec }): Params {
  return readObject(body, spec, "") as Params;
}

function readObject(value: FormValue, spec: { readonly [key: string]: ParamSpec }, path: string): Params | null {
  if (typeof value === "string") {
    // An empty string unsets an optional hash, as in Stripe.
    if (value === "" && path) return null;
    throw invalidRequest(`Invalid object`, { code: "parameter_invalid_object", param: path });
  }
  const out: Params = {};
  for (const [key, v] of Object.entries(value)) {
    const param = path ? `${path}[${key}]` : key;
    const child = spec[key];
    if (child === undefined) throw invalidRequest(`Received unknown parameter: ${param}`, { code: "parameter_unknown", param });
    out[key] = readValue(v, child, param);
  }
  return out;
}

function readValue(value: FormValue, spec: ParamSpec, param: string): unknown {
  if (spec === "metadata") {
    if (typeof value === "string") return value === "" ? {} : fail("Invalid object", "parameter_invalid_object", param);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : fail("Invalid string", "parameter_invalid_string", `${param}[${k}]`)]));
  }
  if (typeof spec === "string") {
    if (typeof value !== "string") return fail(`Invalid ${spec}: an object`, `parameter_invalid_${spec}`, param);
    if (spec === "string") return value;
    if (spec === "integer") return /^-?\d+$/.test(value) ? Number(value) : fail(`Invalid integer: ${value}`, "parameter_invalid_integer", param);
    if (value === "true" || value === "false") return value === "true";
    return fail(`Invalid boolean: ${value}`, "parameter_invalid_boolean", param);
  }
  if ("enum" in spec && Array.isArray(spec.enum)) {
    const allowed = spec.enum as readonly string[];
    if (typeof value === "string" && allowed.includes(value)) return value;
    return fail(`Invalid ${param}: must be one of ${allowed.join(", ")}`, "parameter_invalid_string", param);
  }
  if ("arrayOf" in spec && typeof spec.arrayOf !== "undefined" && Object.keys(spec).length === 1) {
    if (typeof value === "string") return value === "" ? [] : fail("Invalid array", "parameter_invalid_array", param);
    const indexes = Object.keys(value);
    if (!indexes.every((i) => /^\d+$/.test(i))) return fail("Invalid array", "parameter_invalid_array", param);
    return indexes
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => readValue(value[String(i)]!, spec.arrayOf as ParamSpec, `${param}[${i}]`));
  }
  return readObject(value, spec as { readonly [key: string]: ParamSpec }, param);
}

function fail(message: string, code: string, param: string): never {
  throw invalidRequest(message, { code, param });
}

/** A parameter the endpoint cannot do without: Stripe's `parameter_missing`. */
export function required<T>(params: Params, name: string): T {
  const value = name.split(".").reduce<unknown>((node, key) => (node as Params | undefined)?.[key], params);
  const param = name.replace(/\.(\w+)/g, "[$1]");
  if (value === undefined || value === null || value === "") throw invalidRequest(`Missing required param: ${param}.`, { code: "parameter_missing", param });
  return value as T;
}

/** Lists take `limit` (1–100, default 10), `starting_after` and `ending_before`. */
export const LIST_PARAMS = { limit: "integer", starting_after: "string", ending_before: "string" } as const satisfies Record<string, ParamSpec>;
