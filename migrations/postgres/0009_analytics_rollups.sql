CREATE TABLE "call_rollups_hourly" (
	"account_id" text NOT NULL,
	"grain" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"agent_id" text,
	"agent_version" integer,
	"number" text,
	"direction" text,
	"end_reason" text,
	"calls" integer NOT NULL,
	"duration_s" bigint NOT NULL,
	"cost_minor" bigint NOT NULL,
	"turns" bigint NOT NULL,
	"interruptions" bigint NOT NULL,
	"tool_calls" bigint NOT NULL,
	"provider_failures" bigint NOT NULL,
	CONSTRAINT "call_rollups_hourly_key" UNIQUE NULLS NOT DISTINCT("account_id","grain","hour","agent_id","agent_version","number","direction","end_reason"),
	CONSTRAINT "call_rollups_hourly_grain" CHECK (grain in ('all', 'agent', 'agent_version', 'number', 'direction', 'end_reason'))
);
--> statement-breakpoint
CREATE TABLE "latency_rollups_hourly" (
	"account_id" text NOT NULL,
	"grain" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"agent_id" text,
	"agent_version" integer,
	"number" text,
	"direction" text,
	"end_reason" text,
	"stage" text NOT NULL,
	"bucket" integer NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "latency_rollups_hourly_key" UNIQUE NULLS NOT DISTINCT("account_id","grain","stage","hour","agent_id","agent_version","number","direction","end_reason","bucket"),
	CONSTRAINT "latency_rollups_hourly_grain" CHECK (grain in ('all', 'agent', 'agent_version', 'number', 'direction', 'end_reason')),
	CONSTRAINT "latency_rollups_hourly_stage" CHECK (stage in ('v2v', 'stt', 'llm_ttft', 'tts_ttfb', 'overhead'))
);
