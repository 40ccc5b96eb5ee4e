CREATE TABLE "reconciliation_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ran_at" timestamp with time zone NOT NULL,
	"accounts_checked" integer NOT NULL,
	"drift_count" integer NOT NULL,
	"priced_usage_checked" boolean NOT NULL,
	"findings" jsonb NOT NULL
);
