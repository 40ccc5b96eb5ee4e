/**
 * Minimal templates for scenario replies: `{{path.to.value}}` looks up a dotted path (array indexes included);
 * `{{a|b|"literal"}}` tries alternatives left to right, a quoted one being literal text. Objects render as JSON,
 * anything missing renders as the empty string.
 */
const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

export function renderTemplate(template: string, context: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_, expression: string) => {
    for (const alternative of expression.split("|").map((a) => a.trim())) {
      if (/^".*"$/.test(alternative)) return alternative.slice(1, -1);
      const value = lookup(context, alternative);
      if (value !== undefined && value !== null && value !== "") return typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    return "";
  });
}

/** Renders every string inside a JSON value (used for tool inputs). */
export function renderDeep(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value === "string") return renderTemplate(value, context);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, context));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, context)]));
  }
  return value;
}

export function lookup(root: unknown, path: string): unknown {
  let current = root;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A short spoken rendering of a tool result: text as is, objects as "key value" pairs. */
export function speakable(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value)) return value.map(speakable).join(", ");
  return Object.entries(value)
    .map(([k, v]) => `${k} ${typeof v === "object" && v !== null ? speakable(v) : String(v)}`)
    .join(", ");
}
