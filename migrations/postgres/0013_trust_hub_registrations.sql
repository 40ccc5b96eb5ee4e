CREATE TABLE "trust_hub_registrations" (
	"account_id" text PRIMARY KEY NOT NULL,
	"step" text NOT NULL,
	"status_callback_url" text NOT NULL,
	"business_key_id" text NOT NULL,
	"business_ciphertext" text NOT NULL,
	"customer_profile_sid" text,
	"business_end_user_sid" text,
	"representative_end_user_sid" text,
	"address_sid" text,
	"supporting_document_sid" text,
	"profile_status" text,
	"trust_product_sid" text,
	"trust_product_status" text,
	"failure_reason" text,
	"assigned_number_sids" text[] DEFAULT '{}' NOT NULL,
	"failed_attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trust_hub_registrations_step_check" CHECK (step in ('profile', 'business_end_user', 'representative_end_user', 'address', 'supporting_document', 'profile_assignments', 'profile_evaluation', 'profile_submit', 'awaiting_profile_review', 'trust_product', 'trust_product_assignments', 'trust_product_numbers', 'trust_product_evaluation', 'trust_product_submit', 'awaiting_product_review', 'done', 'rejected')),
	CONSTRAINT "trust_hub_registrations_profile_status_check" CHECK (profile_status in ('draft', 'pending-review', 'in-review', 'twilio-rejected', 'twilio-approved')),
	CONSTRAINT "trust_hub_registrations_trust_product_status_check" CHECK (trust_product_status in ('draft', 'pending-review', 'in-review', 'twilio-rejected', 'twilio-approved'))
);
--> statement-breakpoint
CREATE INDEX "trust_hub_registrations_step" ON "trust_hub_registrations" USING btree ("step");