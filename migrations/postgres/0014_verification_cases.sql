CREATE TABLE "verification_cases" (
	"account_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"country" text NOT NULL,
	"details" jsonb NOT NULL,
	"evidence" jsonb NOT NULL,
	"decision_reason" text,
	"submitted_at" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "verification_cases_state_check" CHECK (state in ('not_started', 'submitted', 'screening', 'in_review', 'approved', 'rejected', 'needs_info'))
);
--> statement-breakpoint
CREATE INDEX "verification_cases_state" ON "verification_cases" USING btree ("state","submitted_at","account_id");