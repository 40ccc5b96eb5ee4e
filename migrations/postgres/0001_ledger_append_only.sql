-- The ledger is append-only in the database itself, not only by convention in the app: a correction is a new
-- posting, never an edit. TRUNCATE is refused too (it bypasses row triggers).
CREATE FUNCTION ledger_postings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'ledger_postings is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_postings_no_update_delete BEFORE UPDATE OR DELETE ON ledger_postings
	FOR EACH ROW EXECUTE FUNCTION ledger_postings_append_only();
--> statement-breakpoint
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
	FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_append_only();
