import type { Principal } from "../auth/principal.ts";

/** Hono environment shared by every route: bindings from wrangler config, per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    principal: Principal;
    /** Set by a handler to name the resource an audited write touched, when the path does not. */
    auditResource?: string;
    auditDetail?: Record<string, unknown>;
  };
}
