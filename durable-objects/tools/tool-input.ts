/**
 * A minimal check of a tool call's input against the tool's JSON-schema `parameters`: the model's arguments must be
 * an object, carry every required property, and match the declared top-level types. Enough to turn a malformed call
 * into an error the model can correct, without a JSON-schema engine in the call's object.
 */
type Schema = { type?: unknown; properties?: Record<string, unknown>; required?: unknown; enum?: unknown };

/** A short reason the input is not acceptable, or undefined. */
export function validateToolInput(input: unknown, parameters: Schema | undefined): string | undefined {
  if (!isPlainObject(input)) return "the input must be a JSON object";
  const schema = parameters ?? {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
  const missing = required.filter((name) => input[name] === undefined || input[name] === null);
  if (missing.length > 0) return `missing required ${missing.length === 1 ? "property" : "properties"} ${missing.map((m) => `"${m}"`).join(", ")}`;
  for (const [name, value] of Object.entries(input)) {
    const property = schema.properties?.[name] as Schema | undefined;
    if (property === undefined || value === undefined || value === null) continue;
    const types = Array.isArray(property.type) ? property.type : property.type === undefined ? [] : [property.type];
    if (types.length > 0 && !types.some((t) => matchesType(value, t))) return `property "${name}" must be ${types.join(" or ")}`;
    if (Array.isArray(property.enum) && !property.enum.some((e) => e === value)) return `property "${name}" must be one of ${property.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  }
  return undefined;
}

function matchesType(value: unknown, type: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return isPlainObject(value);
    case "null":
      return value === null;
    default:
      return true;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
