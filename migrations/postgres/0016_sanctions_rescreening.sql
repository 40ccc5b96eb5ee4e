CREATE TABLE "sanctions_rescreen_runs" (
	"version_id" bigint PRIMARY KEY NOT NULL,
	"enqueued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"case_count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "verification_rescreens" (
	"account_id" text NOT NULL,
	"version_id" bigint NOT NULL,
	"outcome" text NOT NULL,
	"match_count" integer NOT NULL,
	"screened_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "verification_rescreens_account_id_version_id_pk" PRIMARY KEY("account_id","version_id"),
	CONSTRAINT "verification_rescreens_outcome_check" CHECK (outcome in ('clear', 'match', 'not_approved'))
);
--> statement-breakpoint
ALTER TABLE "sanctions_rescreen_runs" ADD CONSTRAINT "sanctions_rescreen_runs_version_id_sanctions_list_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."sanctions_list_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "verification_rescreens" ADD CONSTRAINT "verification_rescreens_version_id_sanctions_list_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."sanctions_list_versions"("id") ON DELETE cascade ON UPDATE no action;