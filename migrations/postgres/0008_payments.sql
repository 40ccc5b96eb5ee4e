CREATE TABLE "payment_failures" (
	"payment_intent_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_failures_currency" CHECK (currency in ('USD', 'EUR', 'GBP'))
);
--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "stripe_customer_id" text;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "stripe_payment_method_id" text;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "auto_recharge_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "auto_recharge_amount_minor" bigint;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "auto_recharge_threshold_minor" bigint;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "auto_recharge_armed" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "auto_recharge_crossing" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "past_due_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payment_failures" ADD CONSTRAINT "payment_failures_account_id_billing_accounts_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payment_failures_account" ON "payment_failures" USING btree ("account_id","failed_at");--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_auto_recharge_complete" CHECK (not "billing_accounts"."auto_recharge_enabled" or ("billing_accounts"."auto_recharge_amount_minor" > 0 and "billing_accounts"."auto_recharge_threshold_minor" >= 0));