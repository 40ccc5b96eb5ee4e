CREATE TABLE "call_facts" (
	"account_id" text NOT NULL,
	"call_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"agent_version" integer NOT NULL,
	"number" text NOT NULL,
	"direction" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"duration_s" integer,
	"end_reason" text,
	"cost_minor" bigint,
	"currency" text,
	"turns" integer NOT NULL,
	"interruptions" integer NOT NULL,
	"tool_calls" integer NOT NULL,
	"provider_failures" integer NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_facts_account_id_call_id_pk" PRIMARY KEY("account_id","call_id")
);
--> statement-breakpoint
CREATE TABLE "turn_facts" (
	"account_id" text NOT NULL,
	"call_id" text NOT NULL,
	"turn" integer NOT NULL,
	"role" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"interrupted" boolean NOT NULL,
	"voice_to_voice_ms" integer,
	"stt_ms" integer,
	"llm_ttft_ms" integer,
	"tts_ttfb_ms" integer,
	"platform_overhead_ms" integer,
	CONSTRAINT "turn_facts_account_id_call_id_turn_pk" PRIMARY KEY("account_id","call_id","turn")
);
--> statement-breakpoint
ALTER TABLE "turn_facts" ADD CONSTRAINT "turn_facts_call_fk" FOREIGN KEY ("account_id","call_id") REFERENCES "public"."call_facts"("account_id","call_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "call_facts_account_started" ON "call_facts" USING btree ("account_id","started_at");