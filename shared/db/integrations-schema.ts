import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "./schema.ts";

/**
 * An OAuth connect flow in progress (workers/integrations/oauth-routes.ts): its state is single-use (the callback
 * deletes the row it reads), expires, and is bound to the account and the actor that started it. Only the state's
 * SHA-256 is stored; the PKCE verifier is sealed with the key ring, bound to that hash. The flow is also bound to the
 * browser that started it: `bindingHash` is the SHA-256 of the nonce in its `__Secure-oauth_flow` cookie (RFC 9700
 * §4.7), so a victim who opens an attacker's authorize URL cannot land their vendor account in the attacker's tenant.
 */
export const oauthStates = sqliteTable(
  "oauth_states",
  {
    stateHash: text("state_hash").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    actor: text("actor").notNull(),
    integration: text("integration").notNull(),
    codeVerifier: text("code_verifier", { mode: "json" }).$type<{ keyId: string; ciphertext: string }>().notNull(),
    redirectUri: text("redirect_uri").notNull(),
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
    // Added after created_at (the browser binding came later).
    // Flows stored before the binding existed have "", which no cookie's hash matches: they fail closed.
    bindingHash: text("binding_hash").notNull().default(""),
    // Where the callback sends the browser (a same-origin path, checked at connect); null: the console's integrations page.
    returnTo: text("return_to"),
  },
  (t) => [index("oauth_states_account").on(t.accountId, t.expiresAt)],
);
