import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client.ts";

/**
 * `INSERT INTO table (every column) SELECT … <tail>` as a drizzle query that can join a batch (drizzle cannot
 * batch its raw `db.run(sql)` statements with parameters). Drizzle lists every column of the table, in its
 * definition order; this builds the matching select list from `values` (a bound value or an SQL expression per
 * column, NULL for the columns not named), so a conditional or copying insert reads like a normal one.
 */
export function insertSelect<T extends SQLiteTable>(db: Database, table: T, values: { [K in keyof T["_"]["columns"]]?: unknown }, tail: SQL) {
  const list = Object.keys(getTableColumns(table)).map((key) => {
    const value = (values as Record<string, unknown>)[key];
    return value === undefined ? sql`NULL` : sql`${value}`;
  });
  return db.insert(table).select(sql`SELECT ${sql.join(list, sql`, `)} ${tail}`);
}
