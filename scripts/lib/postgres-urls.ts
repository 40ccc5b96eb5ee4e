import { existsSync, readFileSync } from "node:fs";
import { parseDevVars } from "./dev-wiring.ts";

const DEV_VARS = new URL("../../.dev.vars", import.meta.url).pathname;

/**
 * The operator scripts' Postgres: DATABASE_URL and DATABASE_URL_EU (EU accounts' analytics) from the environment or
 * else from .dev.vars; PG_WS_PROXY, if set in the environment, routes through a local bridge.
 */
export function postgresUrls(): { DATABASE_URL?: string; DATABASE_URL_EU?: string; PG_WS_PROXY: string } {
  const devVars = existsSync(DEV_VARS) ? parseDevVars(readFileSync(DEV_VARS, "utf8")) : {};
  return {
    DATABASE_URL: process.env.DATABASE_URL ?? devVars.DATABASE_URL,
    DATABASE_URL_EU: process.env.DATABASE_URL_EU ?? devVars.DATABASE_URL_EU,
    PG_WS_PROXY: process.env.PG_WS_PROXY ?? "",
  };
}
