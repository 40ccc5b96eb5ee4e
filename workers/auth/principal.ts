import type { Role, Scope } from "./scopes.ts";

/** Who is calling: every route scopes its reads and writes by `accountId`. */
export interface Principal {
  accountId: string;
  /** `key:KEY-…`, `user:USR-…` or `operator`, as written to the audit log. */
  actor: string;
  kind: "api_key" | "user" | "operator";
  role?: Role;
  scopes: ReadonlySet<Scope>;
}

/** The user behind a principal (`user:USR-…`), or null for an API key or the operator. */
export const principalUserId = (p: Principal): string | null => (p.kind === "user" ? p.actor.slice("user:".length) : null);
