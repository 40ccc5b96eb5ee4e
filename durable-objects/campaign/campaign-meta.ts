import type { CampaignConfig, CampaignState } from "../../shared/campaigns/campaign-schemas.ts";

export interface CampaignMeta {
  campaignId: string;
  accountId: string;
  name: string;
  config: CampaignConfig;
  state: CampaignState;
  pausedReason: string | null;
  /** Where Twilio reaches the platform for this campaign's calls (the creating request's public URL). */
  publicBaseUrl: string;
  /** Pacing: dials the campaign may still start, refilled at `pacing_per_minute` up to one minute's worth. */
  tokens: number;
  tokensAt: number;
  /** The most calls it ever had in flight at once (measured, for the concurrency proof). */
  peakInFlight: number;
}

/** The campaign's one row of settings and state, in the object's SQLite storage (synchronous). */
export class MetaStore {
  readonly #sql: SqlStorage;
  #cached: CampaignMeta | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS campaign_meta (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL)");
  }

  get(): CampaignMeta | null {
    if (!this.#cached) {
      const row = this.#sql.exec<{ body: string }>("SELECT body FROM campaign_meta WHERE id = 1").toArray()[0];
      this.#cached = row ? (JSON.parse(row.body) as CampaignMeta) : null;
    }
    return this.#cached;
  }

  require(): CampaignMeta {
    const meta = this.get();
    if (!meta) throw new Error("campaign not initialised");
    return meta;
  }

  put(meta: CampaignMeta): void {
    this.#sql.exec("INSERT INTO campaign_meta (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body", JSON.stringify(meta));
    this.#cached = meta;
  }

  patch(changes: Partial<CampaignMeta>): CampaignMeta {
    const next = { ...this.require(), ...changes };
    this.put(next);
    return next;
  }
}
