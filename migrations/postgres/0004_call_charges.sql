CREATE TABLE "call_charges" (
	"account_id" text NOT NULL,
	"call_id" text NOT NULL,
	"usage_event_id" text NOT NULL,
	"currency" text NOT NULL,
	"total_minor" bigint NOT NULL,
	"lines" jsonb NOT NULL,
	"estimated" boolean NOT NULL,
	"priced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_charges_account_id_call_id_pk" PRIMARY KEY("account_id","call_id"),
	CONSTRAINT "call_charges_currency" CHECK (currency in ('USD', 'EUR', 'GBP')),
	CONSTRAINT "call_charges_total_not_negative" CHECK ("call_charges"."total_minor" >= 0)
);
--> statement-breakpoint
ALTER TABLE "call_charges" ADD CONSTRAINT "call_charges_account_id_billing_accounts_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("account_id") ON DELETE no action ON UPDATE no action;