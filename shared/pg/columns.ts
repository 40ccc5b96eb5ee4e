import { sql } from "drizzle-orm";
import { timestamp } from "drizzle-orm/pg-core";

/** Column helpers the Postgres schema files share. */
export const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
/** A check that a text column holds one of a fixed set of values (the TypeScript unions are the source). */
export const oneOf = (column: string, values: readonly string[]) => sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(", ")})`);
