/**
 * Authorisation model. A principal holds scopes: an API key carries the scopes it was created with; a dashboard
 * user gets the scopes of its role. Routes require one scope each.
 */
export const SCOPES = [
  "account:read",
  "account:write",
  "users:read",
  "users:write",
  "keys:read",
  "keys:write",
  "agents:read",
  "agents:write",
  "numbers:read",
  "numbers:write",
  "calls:read",
  "calls:write",
  "consent:read",
  "consent:write",
  "audit:read",
  "billing:read",
  "billing:write",
  "privacy:write",
  "verification:read",
  "verification:write",
] as const;

export type Scope = (typeof SCOPES)[number];

export const ROLES = ["owner", "admin", "developer", "viewer"] as const;
export type Role = (typeof ROLES)[number];

const READ: Scope[] = ["account:read", "users:read", "agents:read", "numbers:read", "calls:read", "consent:read"];
const BUILD: Scope[] = ["agents:write", "numbers:write", "calls:write", "consent:write"];

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  viewer: READ,
  developer: [...READ, ...BUILD],
  admin: [...READ, ...BUILD, "account:write", "keys:read", "audit:read", "billing:read", "billing:write", "privacy:write", "verification:read", "verification:write"],
  // Only owners manage who can access the account: users and API keys.
  owner: SCOPES,
};
