import { api, Problem } from "../api.ts";
import { Field } from "../ui.tsx";
import type { useAction } from "../use-action.tsx";

/** The declared case as `PUT /v1/verification` takes it; the form edits the fields below and keeps the rest. */
export type VerificationDetails = Record<string, unknown>;

interface FieldSpec {
  path: string;
  label: string;
  kind?: "number" | "list" | "date" | "email" | "url" | "long";
  optional?: boolean;
}

const address = (prefix: string): FieldSpec[] => [
  { path: `${prefix}.line1`, label: "Address" },
  { path: `${prefix}.line2`, label: "Address line 2", optional: true },
  { path: `${prefix}.city`, label: "City" },
  { path: `${prefix}.region`, label: "Region or state", optional: true },
  { path: `${prefix}.postal_code`, label: "Postal code" },
  { path: `${prefix}.country`, label: "Country (2 letters, such as US)" },
];

const person = (prefix: string): FieldSpec[] => [
  { path: `${prefix}.name`, label: "Full name" },
  { path: `${prefix}.date_of_birth`, label: "Date of birth", kind: "date" },
  { path: `${prefix}.nationality`, label: "Nationality (2 letters)" },
  ...address(`${prefix}.address`),
];

const OWNER = "beneficial_owners.0";

/** The form's groups, each a fieldset; the paths are the API's, so its field errors land on the right input. */
const GROUPS: { legend: string; fields: FieldSpec[] }[] = [
  {
    legend: "The business",
    fields: [
      { path: "legal_name", label: "Legal name" },
      { path: "trade_names", label: "Trade names (comma-separated)", kind: "list", optional: true },
      { path: "registration.number", label: "Registration number" },
      { path: "registration.country", label: "Registered in (2 letters)" },
      ...address("address"),
      { path: "website", label: "Website", kind: "url" },
      { path: "industry", label: "Industry" },
      { path: "use_description", label: "What your agents will do", kind: "long" },
      { path: "expected_monthly_minutes", label: "Expected call minutes a month", kind: "number" },
    ],
  },
  {
    legend: "Authorised representative",
    fields: [...person("representative"), { path: "representative.title", label: "Position" }, { path: "representative.email", label: "Email", kind: "email" }],
  },
  {
    legend: "Beneficial owner with 25 % or more (leave empty if none)",
    fields: [...person(OWNER).map((f) => ({ ...f, optional: true })), { path: `${OWNER}.ownership_percent`, label: "Ownership (%)", kind: "number", optional: true }],
  },
];

const idOf = (path: string) => `case-${path.replaceAll(".", "-")}`;

function read(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function write(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node: Record<string, unknown> = obj;
  keys.slice(0, -1).forEach((k, i) => {
    if (!node[k] || typeof node[k] !== "object") node[k] = /^\d+$/.test(keys[i + 1]!) ? [] : {};
    node = node[k] as Record<string, unknown>;
  });
  if (value === undefined) delete node[keys.at(-1)!];
  else node[keys.at(-1)!] = value;
}

const shown = (value: unknown) => (Array.isArray(value) ? value.join(", ") : value == null ? "" : String(value));

function valueOf(spec: FieldSpec, raw: string): unknown {
  const text = raw.trim();
  if (spec.kind === "list") return text ? text.split(",").map((s) => s.trim()).filter(Boolean) : [];
  if (text === "") return spec.optional ? undefined : "";
  return spec.kind === "number" ? Number(text) : text;
}

/**
 * Declares (or corrects) the case: what the form does not show (other owners, Trust Hub details) is kept as saved.
 * The page's `action` carries the outcome, so it outlives the reload that remounts this form with the saved case.
 */
export function VerificationCaseForm({ details, action, onSaved }: { details: VerificationDetails | null; action: ReturnType<typeof useAction>; onSaved: () => void }) {
  const issues = action.error instanceof Problem ? action.error.errors : [];
  const issueAt = (path: string) => issues.filter((i) => i.path === path).map((i) => i.message).join("; ") || undefined;
  const save = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const body: Record<string, unknown> = structuredClone(details ?? { beneficial_owners: [] });
    for (const spec of GROUPS.flatMap((g) => g.fields)) write(body, spec.path, valueOf(spec, String(form.get(spec.path) ?? "")));
    const owners = body.beneficial_owners as Record<string, unknown>[];
    if (!read(body, `${OWNER}.name`)) owners.shift();
    void action.run(async () => {
      await api("PUT", "/verification", body);
      onSaved();
      return "The case is saved.";
    });
  };
  return (
    <form onSubmit={save} aria-label="Business verification case" noValidate>
      <h3>{details ? "Correct the case" : "Declare your business"}</h3>
      {GROUPS.map((group) => (
        <fieldset key={group.legend}>
          <legend>{group.legend}</legend>
          <div class="inline-form">
            {group.fields.map((f) => {
              const id = idOf(f.path);
              const error = issueAt(f.path);
              const common = { id, name: f.path, defaultValue: shown(read(details, f.path)), required: !f.optional, "aria-invalid": !!error, "aria-describedby": error ? `${id}-error` : undefined };
              return (
                <Field id={id} label={f.label} error={error} key={f.path}>
                  {/* Preact types each input type's attributes apart, and a union of types is none of them: hence the cast. */}
                  {f.kind === "long" ? <textarea {...common} rows={3} /> : <input {...common} type={(f.kind === "list" || !f.kind ? "text" : f.kind) as "text"} />}
                </Field>
              );
            })}
          </div>
        </fieldset>
      ))}
      <button type="submit">Save the case</button>
    </form>
  );
}
