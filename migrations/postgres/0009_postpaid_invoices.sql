CREATE TABLE "invoice_lines" (
	"invoice_id" bigint NOT NULL,
	"line_no" integer NOT NULL,
	"agent_id" text NOT NULL,
	"component" text NOT NULL,
	"quantity" double precision NOT NULL,
	"unit" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	CONSTRAINT "invoice_lines_invoice_id_line_no_pk" PRIMARY KEY("invoice_id","line_no"),
	CONSTRAINT "invoice_lines_component" CHECK (component in ('telephony_inbound_minute', 'telephony_outbound_minute', 'stt_second', 'tts_character', 'llm_input_token', 'llm_output_token', 'llm_cache_read_token', 'llm_cache_write_token', 'recording_minute', 'platform_minute'))
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"month" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"currency" text NOT NULL,
	"subtotal_minor" bigint NOT NULL,
	"tax_minor" bigint,
	"total_minor" bigint,
	"status" text DEFAULT 'draft' NOT NULL,
	"stripe_invoice_id" text,
	"number" text,
	"hosted_invoice_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finalized_at" timestamp with time zone,
	"paid_at" timestamp with time zone,
	CONSTRAINT "invoices_currency" CHECK (currency in ('USD', 'EUR', 'GBP')),
	CONSTRAINT "invoices_status_check" CHECK (status in ('draft', 'open', 'paid')),
	CONSTRAINT "invoices_subtotal_positive" CHECK ("invoices"."subtotal_minor" > 0)
);
--> statement-breakpoint
ALTER TABLE "ledger_postings" DROP CONSTRAINT "ledger_postings_kind";--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "country" text;--> statement-breakpoint
ALTER TABLE "call_charges" ADD COLUMN "agent_id" text;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_account_id_billing_accounts_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_account_month" ON "invoices" USING btree ("account_id","month");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_stripe_invoice" ON "invoices" USING btree ("stripe_invoice_id");--> statement-breakpoint
CREATE INDEX "invoices_status" ON "invoices" USING btree ("status");--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_kind" CHECK (kind in ('top_up', 'promotional_grant', 'call_charge', 'refund', 'adjustment', 'opening_balance', 'invoice_payment'));