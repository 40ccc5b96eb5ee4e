import type { CallOutcome, CampaignContact, ContactState } from "../../shared/campaigns/campaign-schemas.ts";
import { contactZones } from "../../shared/campaigns/time-zones.ts";

export type ContactRow = {
  seq: number;
  phone: string;
  timezone: string | null;
  zones: string;
  variables: string;
  state: ContactState;
  reason: string | null;
  outcome: CallOutcome | null;
  attempts: number;
  due_at: number;
  updated_at: number;
};

/** A dial: `intent` is written before Twilio is asked, `placed` once Twilio answered with the call's sid. */
export type AttemptStatus = "intent" | "placed" | "ended" | "uncertain";

export type AttemptRow = {
  call_id: string;
  contact_seq: number;
  attempt: number;
  from_number: string;
  intent_at: number;
  call_sid: string | null;
  status: AttemptStatus;
  outcome: CallOutcome | null;
  ended_at: number | null;
};

export const DIALABLE_STATES = ["pending", "retry_scheduled"] as const;
const OPEN_STATES = "('pending', 'in_progress', 'retry_scheduled')";
const BOUND_PARAMETERS = 100;

/** The campaign's contacts and their dials in the object's SQLite storage; every method is synchronous. */
export class ContactStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS contacts (
      seq INTEGER PRIMARY KEY, phone TEXT NOT NULL UNIQUE, timezone TEXT, zones TEXT NOT NULL, variables TEXT NOT NULL,
      state TEXT NOT NULL, reason TEXT, outcome TEXT, attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
    sql.exec("CREATE INDEX IF NOT EXISTS contacts_due ON contacts (state, due_at)");
    sql.exec(`CREATE TABLE IF NOT EXISTS attempts (
      call_id TEXT PRIMARY KEY, contact_seq INTEGER NOT NULL, attempt INTEGER NOT NULL, from_number TEXT NOT NULL, intent_at INTEGER NOT NULL,
      call_sid TEXT UNIQUE, status TEXT NOT NULL, outcome TEXT, ended_at INTEGER)`);
    sql.exec("CREATE INDEX IF NOT EXISTS attempts_contact ON attempts (contact_seq)");
    sql.exec("CREATE INDEX IF NOT EXISTS attempts_status ON attempts (status)");
  }

  /** Adds contacts as pending; a phone already in the campaign is returned, not added (nobody is called twice). */
  add(contacts: readonly CampaignContact[], now: number): { added: number; duplicates: string[] } {
    const duplicates: string[] = [];
    let added = 0;
    for (const c of contacts) {
      const inserted = this.#sql.exec(
        "INSERT INTO contacts (phone, timezone, zones, variables, state, due_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (phone) DO NOTHING",
        c.phone,
        c.timezone ?? null,
        JSON.stringify(contactZones(c.phone, c.timezone)),
        JSON.stringify(c.variables),
        now,
      ).rowsWritten;
      if (inserted > 0) added++;
      else duplicates.push(c.phone);
    }
    return { added, duplicates };
  }

  /** Removes contacts that were never dialled (editing a paused or draft campaign). */
  removePending(phones: readonly string[]): number {
    let removed = 0;
    for (const phone of phones) removed += this.#sql.exec("DELETE FROM contacts WHERE phone = ? AND state = 'pending' AND attempts = 0", phone).rowsWritten;
    return removed;
  }

  /**
   * Erasure: a contact never dialled is deleted; one with dials keeps its row (its calls, counts and outcome) under
   * the number's hash, without its variables or zone name, and no longer waits for a dial. True when one was found.
   */
  erase(phone: string, phoneHash: string, now: number): "deleted" | "pseudonymised" | null {
    const row = this.#sql.exec<ContactRow>("SELECT * FROM contacts WHERE phone = ?", phone).toArray()[0];
    if (!row) return null;
    if (this.attemptsOf([row.seq]).length === 0) {
      this.#sql.exec("DELETE FROM contacts WHERE seq = ?", row.seq);
      return "deleted";
    }
    this.#sql.exec(
      "UPDATE contacts SET phone = ?, variables = '{}', timezone = NULL, reason = 'erased', state = CASE WHEN state IN ('pending', 'retry_scheduled') THEN 'skipped' ELSE state END, updated_at = ? WHERE seq = ?",
      phoneHash,
      now,
      row.seq,
    );
    return "pseudonymised";
  }

  get(seq: number): ContactRow {
    return this.#sql.exec<ContactRow>("SELECT * FROM contacts WHERE seq = ?", seq).one();
  }

  /** Contacts whose next dial is due by `now`, earliest first. */
  due(now: number, limit: number): ContactRow[] {
    return this.#sql.exec<ContactRow>("SELECT * FROM contacts WHERE state IN ('pending', 'retry_scheduled') AND due_at <= ? ORDER BY due_at, seq LIMIT ?", now, limit).toArray();
  }

  /** The earliest time a waiting contact becomes due, or null when none waits. */
  nextDue(): number | null {
    return this.#sql.exec<{ at: number | null }>("SELECT min(due_at) AS at FROM contacts WHERE state IN ('pending', 'retry_scheduled')").one().at;
  }

  update(seq: number, set: Partial<Pick<ContactRow, "state" | "reason" | "outcome" | "attempts" | "due_at">>, now: number): void {
    const cols = Object.keys(set) as (keyof typeof set)[];
    this.#sql.exec(`UPDATE contacts SET ${cols.map((c) => `${c} = ?`).join(", ")}, updated_at = ? WHERE seq = ?`, ...cols.map((c) => set[c] ?? null), now, seq);
  }

  /** Ends every contact still waiting (a cancelled campaign, or one whose schedule is over). */
  skipWaiting(reason: string, now: number): number {
    return this.#sql.exec("UPDATE contacts SET state = 'skipped', reason = ?, updated_at = ? WHERE state IN ('pending', 'retry_scheduled')", reason, now).rowsWritten;
  }

  openCount(): number {
    return this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM contacts WHERE state IN ${OPEN_STATES}`).one().n;
  }

  counts(): Record<ContactState, number> {
    const counts: Record<ContactState, number> = { pending: 0, in_progress: 0, retry_scheduled: 0, done: 0, skipped: 0, failed: 0, uncertain: 0 };
    for (const r of this.#sql.exec<{ state: ContactState; n: number }>("SELECT state, count(*) AS n FROM contacts GROUP BY state")) counts[r.state] = r.n;
    return counts;
  }

  page(after: number, limit: number, state?: ContactState): ContactRow[] {
    return (
      state
        ? this.#sql.exec<ContactRow>("SELECT * FROM contacts WHERE seq > ? AND state = ? ORDER BY seq LIMIT ?", after, state, limit)
        : this.#sql.exec<ContactRow>("SELECT * FROM contacts WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
    ).toArray();
  }

  // ── attempts ──

  recordIntent(a: Pick<AttemptRow, "call_id" | "contact_seq" | "attempt" | "from_number" | "intent_at">): void {
    this.#sql.exec("INSERT INTO attempts (call_id, contact_seq, attempt, from_number, intent_at, status) VALUES (?, ?, ?, ?, ?, 'intent')", a.call_id, a.contact_seq, a.attempt, a.from_number, a.intent_at);
  }

  placed(callId: string, callSid: string): void {
    this.#sql.exec("UPDATE attempts SET call_sid = ?, status = 'placed' WHERE call_id = ?", callSid, callId);
  }

  ended(callId: string, outcome: CallOutcome, at: number): void {
    this.#sql.exec("UPDATE attempts SET status = 'ended', outcome = ?, ended_at = ? WHERE call_id = ?", outcome, at, callId);
  }

  uncertain(callId: string): void {
    this.#sql.exec("UPDATE attempts SET status = 'uncertain' WHERE call_id = ?", callId);
  }

  /** Drops an intent whose dial was refused before Twilio was asked (no call exists). */
  dropIntent(callId: string): void {
    this.#sql.exec("DELETE FROM attempts WHERE call_id = ? AND status = 'intent'", callId);
  }

  attempt(callId: string): AttemptRow | null {
    return (this.#sql.exec<AttemptRow>("SELECT * FROM attempts WHERE call_id = ?", callId).toArray()[0]) ?? null;
  }

  /** Dials not yet settled: intents (maybe at Twilio, maybe not) and placed calls. */
  inFlight(): AttemptRow[] {
    return this.#sql.exec<AttemptRow>("SELECT * FROM attempts WHERE status IN ('intent', 'placed') ORDER BY intent_at").toArray();
  }

  inFlightCount(): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM attempts WHERE status IN ('intent', 'placed')").one().n;
  }

  sidKnown(callSid: string): boolean {
    return this.#sql.exec("SELECT 1 FROM attempts WHERE call_sid = ?", callSid).toArray().length > 0;
  }

  attemptsOf(seqs: readonly number[]): AttemptRow[] {
    const rows: AttemptRow[] = [];
    // SQLite here binds at most 100 parameters a statement, and a page asks for 101 contacts (its limit, plus one).
    for (let i = 0; i < seqs.length; i += BOUND_PARAMETERS) {
      const group = seqs.slice(i, i + BOUND_PARAMETERS);
      rows.push(...this.#sql.exec<AttemptRow>(`SELECT * FROM attempts WHERE contact_seq IN (${group.map(() => "?").join(",")})`, ...group).toArray());
    }
    return rows.sort((a, b) => a.contact_seq - b.contact_seq || a.attempt - b.attempt);
  }
}
