CREATE TABLE "billing_accounts" (
	"account_id" text PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"currency" text NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"billing_status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_accounts_currency" CHECK (currency in ('USD', 'EUR', 'GBP')),
	CONSTRAINT "billing_accounts_status" CHECK (billing_status in ('active', 'past_due', 'suspended_for_billing'))
);
--> statement-breakpoint
CREATE TABLE "ledger_postings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"debit" text NOT NULL,
	"credit" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"source_type" text NOT NULL,
	"source_id" text NOT NULL,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_postings_amount_positive" CHECK ("ledger_postings"."amount_minor" > 0),
	CONSTRAINT "ledger_postings_two_sides" CHECK ("ledger_postings"."debit" <> "ledger_postings"."credit"),
	CONSTRAINT "ledger_postings_kind" CHECK (kind in ('top_up', 'promotional_grant', 'call_charge', 'refund', 'adjustment', 'opening_balance')),
	CONSTRAINT "ledger_postings_debit" CHECK (debit in ('customer_balance', 'payments', 'revenue', 'promotions', 'adjustments')),
	CONSTRAINT "ledger_postings_credit" CHECK (credit in ('customer_balance', 'payments', 'revenue', 'promotions', 'adjustments')),
	CONSTRAINT "ledger_postings_currency" CHECK (currency in ('USD', 'EUR', 'GBP')),
	CONSTRAINT "ledger_postings_source_type" CHECK (source_type in ('usage_event', 'payment_event', 'operator_request', 'migration')),
	CONSTRAINT "ledger_postings_operator_reason" CHECK ("ledger_postings"."kind" not in ('refund', 'adjustment', 'promotional_grant') or "ledger_postings"."reason" is not null)
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_cards" (
	"plan_id" text NOT NULL,
	"currency" text NOT NULL,
	"component" text NOT NULL,
	"model" text DEFAULT '' NOT NULL,
	"micros_per_unit" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rate_cards_plan_id_currency_component_model_pk" PRIMARY KEY("plan_id","currency","component","model"),
	CONSTRAINT "rate_cards_currency" CHECK (currency in ('USD', 'EUR', 'GBP')),
	CONSTRAINT "rate_cards_component" CHECK (component in ('telephony_inbound_minute', 'telephony_outbound_minute', 'stt_second', 'tts_character', 'llm_input_token', 'llm_output_token', 'llm_cache_read_token', 'llm_cache_write_token', 'recording_minute', 'platform_minute')),
	CONSTRAINT "rate_cards_rate_not_negative" CHECK ("rate_cards"."micros_per_unit" >= 0)
);
--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_account_id_billing_accounts_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rate_cards" ADD CONSTRAINT "rate_cards_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_postings_source" ON "ledger_postings" USING btree ("account_id","source_type","source_id");--> statement-breakpoint
CREATE INDEX "ledger_postings_account_created" ON "ledger_postings" USING btree ("account_id","created_at");