ALTER TABLE "call_facts" ADD COLUMN "succeeded" boolean;--> statement-breakpoint
ALTER TABLE "call_facts" ADD COLUMN "analysis_version" integer;--> statement-breakpoint
ALTER TABLE "call_rollups_hourly" ADD COLUMN "judged_calls" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "call_rollups_hourly" ADD COLUMN "succeeded_calls" integer DEFAULT 0 NOT NULL;