import { env } from "cloudflare:workers";
import { withPostgres } from "../../shared/pg/client.ts";
import { seedFactsIn, type SeededCall } from "./facts-seeding.ts";

export type { SeededCall } from "./facts-seeding.ts";

/** Facts and rollups as the usage consumer leaves them, in the Worker's global database (facts-seeding.ts). */
export const seedFacts = (accountId: string, seededCalls: SeededCall[]): Promise<void> => withPostgres(env, (db) => seedFactsIn(db, db, accountId, seededCalls));
