CREATE TABLE "analysis_charges" (
	"account_id" text NOT NULL,
	"call_id" text NOT NULL,
	"analysis_version" integer NOT NULL,
	"currency" text NOT NULL,
	"total_minor" bigint NOT NULL,
	"lines" jsonb NOT NULL,
	"priced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analysis_charges_account_id_call_id_analysis_version_pk" PRIMARY KEY("account_id","call_id","analysis_version"),
	CONSTRAINT "analysis_charges_currency" CHECK (currency in ('USD', 'EUR', 'GBP')),
	CONSTRAINT "analysis_charges_total_not_negative" CHECK ("analysis_charges"."total_minor" >= 0)
);
--> statement-breakpoint
ALTER TABLE "ledger_postings" DROP CONSTRAINT "ledger_postings_kind";--> statement-breakpoint
ALTER TABLE "ledger_postings" DROP CONSTRAINT "ledger_postings_source_type";--> statement-breakpoint
ALTER TABLE "analysis_charges" ADD CONSTRAINT "analysis_charges_account_id_billing_accounts_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_kind" CHECK (kind in ('top_up', 'promotional_grant', 'call_charge', 'refund', 'adjustment', 'opening_balance', 'invoice_payment', 'analysis_charge'));--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_source_type" CHECK (source_type in ('usage_event', 'payment_event', 'operator_request', 'migration', 'call_analysis'));