ALTER TABLE "call_facts" ADD COLUMN "succeeded" boolean;--> statement-breakpoint
ALTER TABLE "call_facts" ADD COLUMN "analysis_version" integer;--> statement-breakpoint
ALTER TABLE "call_rollups_hourly" ADD COLUMN "judged_calls" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "call_rollups_hourly" ADD COLUMN "succeeded_calls" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "turn_facts_agent_latency" ON "turn_facts" USING btree ("account_id","call_id","voice_to_voice_ms","stt_ms","llm_ttft_ms","tts_ttfb_ms","platform_overhead_ms") WHERE "turn_facts"."role" = 'agent';