CREATE TABLE "sanctions_addresses" (
	"version_id" bigint NOT NULL,
	"ent_num" integer NOT NULL,
	"add_num" integer NOT NULL,
	"address" text,
	"city_state_postal" text,
	"country" text,
	"remarks" text,
	CONSTRAINT "sanctions_addresses_version_id_ent_num_add_num_pk" PRIMARY KEY("version_id","ent_num","add_num")
);
--> statement-breakpoint
CREATE TABLE "sanctions_aliases" (
	"version_id" bigint NOT NULL,
	"ent_num" integer NOT NULL,
	"alt_num" integer NOT NULL,
	"type" text,
	"name" text NOT NULL,
	"remarks" text,
	"normalized_names" text[] NOT NULL,
	CONSTRAINT "sanctions_aliases_version_id_ent_num_alt_num_pk" PRIMARY KEY("version_id","ent_num","alt_num")
);
--> statement-breakpoint
CREATE TABLE "sanctions_entries" (
	"version_id" bigint NOT NULL,
	"ent_num" integer NOT NULL,
	"name" text NOT NULL,
	"type" text,
	"programs" text[] NOT NULL,
	"title" text,
	"remarks" text,
	"normalized_names" text[] NOT NULL,
	CONSTRAINT "sanctions_entries_version_id_ent_num_pk" PRIMARY KEY("version_id","ent_num")
);
--> statement-breakpoint
CREATE TABLE "sanctions_list_versions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"content_hash" text NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"entry_count" integer NOT NULL,
	"alias_count" integer NOT NULL,
	"address_count" integer NOT NULL,
	CONSTRAINT "sanctions_list_versions_source_check" CHECK (source in ('sdn', 'consolidated'))
);
--> statement-breakpoint
ALTER TABLE "sanctions_addresses" ADD CONSTRAINT "sanctions_addresses_entry_fk" FOREIGN KEY ("version_id","ent_num") REFERENCES "public"."sanctions_entries"("version_id","ent_num") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sanctions_aliases" ADD CONSTRAINT "sanctions_aliases_entry_fk" FOREIGN KEY ("version_id","ent_num") REFERENCES "public"."sanctions_entries"("version_id","ent_num") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sanctions_entries" ADD CONSTRAINT "sanctions_entries_version_id_sanctions_list_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."sanctions_list_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sanctions_list_versions_source" ON "sanctions_list_versions" USING btree ("source","id");