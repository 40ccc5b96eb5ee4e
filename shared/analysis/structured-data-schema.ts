import { Validator, type OutputUnit } from "@cfworker/json-schema";

/**
 * The JSON Schema subset a tenant may use for `analysis.structured_data`, itself written as a JSON Schema and checked
 * with @cfworker/json-schema (an interpreter: Workers forbid the code generation Ajv relies on). An object at the
 * root; fields of type string, number, integer, boolean, array or object, each with a description and an optional
 * example; `enum` on string, number and integer fields; `required` on objects.
 */
const FIELD_TYPES = ["string", "number", "integer", "boolean", "array", "object"] as const;
const MAX_FIELDS = 50;

const objectKeywords = {
  properties: { type: "object", minProperties: 1, maxProperties: MAX_FIELDS, propertyNames: { pattern: "^[a-zA-Z_][a-zA-Z0-9_]{0,63}$" }, additionalProperties: { $ref: "#/$defs/field" } },
  required: { type: "array", items: { type: "string" }, uniqueItems: true },
};

export const STRUCTURED_DATA_META_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["type", "properties"],
  additionalProperties: false,
  properties: { type: { const: "object" }, description: { type: "string", maxLength: 1_000 }, ...objectKeywords },
  $defs: {
    field: {
      type: "object",
      required: ["type", "description"],
      additionalProperties: false,
      properties: {
        type: { enum: FIELD_TYPES },
        description: { type: "string", minLength: 1, maxLength: 1_000 },
        example: true,
        enum: { type: "array", minItems: 1, maxItems: 100, uniqueItems: true, items: { type: ["string", "number"] } },
        items: { $ref: "#/$defs/field" },
        ...objectKeywords,
      },
      allOf: [
        { if: { properties: { type: { const: "array" } } }, then: { required: ["items"] } },
        { if: { properties: { type: { const: "object" } } }, then: { required: ["properties"] } },
        { if: { required: ["enum"] }, then: { properties: { type: { enum: ["string", "number", "integer"] } } } },
      ],
    },
  },
} as const;

// Keywords whose error only says that something below failed: the failure below is the one worth reporting.
const WRAPPER_KEYWORDS = new Set(["$ref", "properties", "additionalProperties", "items", "allOf", "if", "then", "$defs"]);

export interface SchemaIssue {
  path: (string | number)[];
  message: string;
}

/** A JSON Pointer (`#/properties/name/type`) as path segments. */
const pointerPath = (location: string): (string | number)[] =>
  location
    .replace(/^#\/?/, "")
    .split("/")
    .filter((s) => s !== "")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/** The leaf errors of a validation, one per location, as paths and messages. */
export function leafIssues(errors: readonly OutputUnit[]): SchemaIssue[] {
  const seen = new Set<string>();
  const issues: SchemaIssue[] = [];
  for (const error of errors) {
    if (WRAPPER_KEYWORDS.has(error.keyword) && errors.some((e) => e !== error && !WRAPPER_KEYWORDS.has(e.keyword) && e.instanceLocation.startsWith(error.instanceLocation))) continue;
    const key = `${error.instanceLocation} ${error.error}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // `additionalProperties: false` reports the extra key as failing the `false` schema.
    const message = error.keyword === "false" ? "is not allowed here (not part of the supported JSON Schema subset)" : error.error;
    issues.push({ path: pointerPath(error.instanceLocation), message });
  }
  return issues;
}

const metaValidator = new Validator(STRUCTURED_DATA_META_SCHEMA as object, "2020-12", false);

/**
 * What is wrong with a tenant's structured-data schema, each issue with the path inside it: the subset's own
 * rules, then what the meta-schema cannot say (a `required` name that is no property, an example that its own
 * field would refuse).
 */
export function structuredDataSchemaIssues(schema: unknown): SchemaIssue[] {
  const result = metaValidator.validate(schema);
  if (!result.valid) return leafIssues(result.errors);
  const issues: SchemaIssue[] = [];
  const walk = (node: Record<string, unknown>, path: (string | number)[]) => {
    const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
    for (const [i, name] of ((node.required as string[] | undefined) ?? []).entries()) {
      if (!properties || !Object.hasOwn(properties, name)) issues.push({ path: [...path, "required", i], message: `"${name}" is not one of the properties` });
    }
    for (const [name, field] of Object.entries(properties ?? {})) walkField(field, [...path, "properties", name]);
  };
  const walkField = (field: Record<string, unknown>, path: (string | number)[]) => {
    if (field.example !== undefined) {
      const { example, ...rest } = field;
      const checked = new Validator(rest as object, "2020-12", false).validate(example);
      if (!checked.valid) issues.push({ path: [...path, "example"], message: `does not match its field: ${leafIssues(checked.errors).map((e) => e.message).join("; ")}` });
    }
    if (field.type === "object") walk(field, path);
    if (field.type === "array") walkField(field.items as Record<string, unknown>, [...path, "items"]);
  };
  walk(schema as Record<string, unknown>, []);
  return issues;
}
