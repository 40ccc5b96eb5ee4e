ALTER TABLE "billing_accounts" ADD COLUMN "billing_mode" text DEFAULT 'postpaid' NOT NULL;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "low_balance_threshold_minor" bigint;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_mode" CHECK (billing_mode in ('prepaid', 'postpaid'));--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_threshold_not_negative" CHECK ("billing_accounts"."low_balance_threshold_minor" is null or "billing_accounts"."low_balance_threshold_minor" >= 0);