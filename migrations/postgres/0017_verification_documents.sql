CREATE TABLE "verification_documents" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"object_key" text NOT NULL,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "verification_documents_kind_check" CHECK (kind in ('registration_certificate', 'proof_of_address', 'other')),
	CONSTRAINT "verification_documents_content_type_check" CHECK (content_type in ('application/pdf', 'image/png', 'image/jpeg'))
);
--> statement-breakpoint
CREATE INDEX "verification_documents_account" ON "verification_documents" USING btree ("account_id","uploaded_at");