import type { Principal } from "../auth/principal.ts";
import type { AuditedCommit } from "./audited-commit.ts";

/** Hono environment shared by every route: bindings from wrangler config, per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    principal: Principal;
    /** Set on write requests: commits the handler's statements together with its audit entry. */
    audit: AuditedCommit;
  };
}
