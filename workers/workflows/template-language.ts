/**
 * The workflow template language: text with `{{ path | filter … }}` placeholders, interpreted here over plain data
 * (no eval, no Function, no access to env, secrets or prototypes). Documented in README › Workflows.
 *
 *   path    := name ( "." name | "." index )*          e.g. event.structured_data.email, steps.task.id
 *   filter  := json | upper | lower | default("text") | truncate(n)
 *
 * A string that is exactly one placeholder keeps the value's type (a JSON body can carry numbers and objects);
 * otherwise values are written into the text (objects as JSON). A missing value renders as empty (null when whole).
 */
export type Filter = { name: "json" | "upper" | "lower" } | { name: "default"; text: string } | { name: "truncate"; length: number };

export interface Placeholder {
  path: string[];
  filters: Filter[];
}

type Part = string | Placeholder;

export class TemplateError extends Error {
  override name = "TemplateError";
}

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$|^\d+$/;
const FORBIDDEN = new Set(["__proto__", "prototype", "constructor"]);
const MAX_TRUNCATE = 100_000;

export function parseTemplate(text: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(parsePlaceholder(match[1]!));
    last = match.index + match[0].length;
  }
  const rest = text.slice(last);
  if (rest.includes("{{")) throw new TemplateError("a `{{` is never closed with `}}`");
  if (rest !== "") parts.push(rest);
  return parts;
}

function parsePlaceholder(source: string): Placeholder {
  const [pathText, ...filterTexts] = source.split("|").map((s) => s.trim());
  if (!pathText) throw new TemplateError("an empty placeholder `{{ }}`");
  const path = pathText.split(".");
  for (const name of path) {
    if (!NAME.test(name)) throw new TemplateError(`\`${pathText}\` is not a field path (names and indexes joined by dots)`);
    if (FORBIDDEN.has(name)) throw new TemplateError(`\`${name}\` cannot be read in a template`);
  }
  return { path, filters: filterTexts.map(parseFilter) };
}

function parseFilter(text: string): Filter {
  if (text === "json" || text === "upper" || text === "lower") return { name: text };
  const defaulted = /^default\(\s*"((?:[^"\\]|\\.)*)"\s*\)$/.exec(text);
  if (defaulted) return { name: "default", text: JSON.parse(`"${defaulted[1]}"`) as string };
  const truncated = /^truncate\(\s*(\d+)\s*\)$/.exec(text);
  if (truncated && Number(truncated[1]) <= MAX_TRUNCATE) return { name: "truncate", length: Number(truncated[1]) };
  throw new TemplateError(`unknown filter \`${text}\` (json, upper, lower, default("…"), truncate(n))`);
}

/** Every placeholder of a template (for the check at save). */
export const placeholdersOf = (text: string): Placeholder[] => parseTemplate(text).filter((p): p is Placeholder => typeof p !== "string");

/** Reads a path over own properties only. */
export function lookup(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const name of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, name)) return undefined;
    // Arrays are read by index only (not `length`).
    if (Array.isArray(value) && !/^\d+$/.test(name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

function evaluate(placeholder: Placeholder, data: unknown): unknown {
  let value = lookup(data, placeholder.path);
  for (const filter of placeholder.filters) {
    if (filter.name === "default") value = value === undefined || value === null || value === "" ? filter.text : value;
    else if (filter.name === "json") value = JSON.stringify(value ?? null);
    else if (filter.name === "upper") value = asText(value).toUpperCase();
    else if (filter.name === "lower") value = asText(value).toLowerCase();
    else if (filter.name === "truncate") value = asText(value).slice(0, filter.length);
  }
  return value;
}

const asText = (value: unknown): string => (value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));

export function renderTemplate(text: string, data: unknown): unknown {
  const parts = parseTemplate(text);
  if (parts.length === 1 && typeof parts[0] !== "string") return evaluate(parts[0]!, data) ?? null;
  return parts.map((part) => (typeof part === "string" ? part : asText(evaluate(part, data)))).join("");
}

/** Renders every string inside a JSON value (object keys stay as written). */
export function renderValue(value: unknown, data: unknown): unknown {
  if (typeof value === "string") return renderTemplate(value, data);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, data));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, data)]));
  return value;
}

/** Every template string inside a JSON value, with its path (for the check at save). */
export function templateStrings(value: unknown, path: string): { path: string; text: string }[] {
  if (typeof value === "string") return value.includes("{{") ? [{ path, text: value }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => templateStrings(v, `${path}.${i}`));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => templateStrings(v, `${path}.${k}`));
  return [];
}
