-- The default plan, "Pay as you go", with its rate cards in USD, EUR and GBP. Idempotent: a re-run (or a database
-- where an operator already changed these rows) inserts nothing. Rates are integer millionths of the currency unit
-- per the unit the component names; token rates are per 1,000 tokens.
--
-- USD figures: our cost from the providers' public list prices, plus the platform fee.
--   telephony_inbound_minute   Twilio Programmable Voice, US local inbound, $0.0085/min
--   telephony_outbound_minute  Twilio Programmable Voice, US outbound, $0.0140/min
--   recording_minute           Twilio call recording, $0.0025/min
--   stt_second                 Deepgram Nova-3 streaming, $0.0077/min = 128.3 µ/s, rounded up to 129
--   tts_character              Deepgram Aura-2, $0.030 per 1,000 characters
--   platform_minute            this platform's fee, $0.05/min
--   llm_* (per 1,000 tokens)   Anthropic Claude on Bedrock, per million tokens (input / output / cache read / cache write):
--                                Haiku 4.5 $1 / $5 / $0.10 / $1.25; Claude 3.5 Haiku $0.80 / $4 / $0.08 / $1;
--                                Sonnet 4.5 $3 / $15 / $0.30 / $3.75, which is also the default row (model '') that
--                                prices a model the card does not name: the dearer figure, so no model is priced below cost.
-- EUR and GBP: the USD figures converted at 0.86 EUR and 0.75 GBP per USD, rounded up to a whole micro.
INSERT INTO plans (id, name) VALUES ('payg', 'Pay as you go') ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO rate_cards (plan_id, currency, component, model, micros_per_unit)
SELECT 'payg', fx.currency, usd.component, usd.model, ceil(usd.micros * fx.per_usd)::bigint
FROM (VALUES
	('telephony_inbound_minute', '', 8500),
	('telephony_outbound_minute', '', 14000),
	('recording_minute', '', 2500),
	('stt_second', '', 129),
	('tts_character', '', 30),
	('platform_minute', '', 50000),
	('llm_input_token', '', 3000),
	('llm_output_token', '', 15000),
	('llm_cache_read_token', '', 300),
	('llm_cache_write_token', '', 3750),
	('llm_input_token', 'us.anthropic.claude-haiku-4-5-20251001-v1:0', 1000),
	('llm_output_token', 'us.anthropic.claude-haiku-4-5-20251001-v1:0', 5000),
	('llm_cache_read_token', 'us.anthropic.claude-haiku-4-5-20251001-v1:0', 100),
	('llm_cache_write_token', 'us.anthropic.claude-haiku-4-5-20251001-v1:0', 1250),
	('llm_input_token', 'anthropic.claude-haiku-4-5-20251001-v1:0', 1000),
	('llm_output_token', 'anthropic.claude-haiku-4-5-20251001-v1:0', 5000),
	('llm_cache_read_token', 'anthropic.claude-haiku-4-5-20251001-v1:0', 100),
	('llm_cache_write_token', 'anthropic.claude-haiku-4-5-20251001-v1:0', 1250),
	('llm_input_token', 'us.anthropic.claude-3-5-haiku-20241022-v1:0', 800),
	('llm_output_token', 'us.anthropic.claude-3-5-haiku-20241022-v1:0', 4000),
	('llm_cache_read_token', 'us.anthropic.claude-3-5-haiku-20241022-v1:0', 80),
	('llm_cache_write_token', 'us.anthropic.claude-3-5-haiku-20241022-v1:0', 1000),
	('llm_input_token', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 3000),
	('llm_output_token', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 15000),
	('llm_cache_read_token', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 300),
	('llm_cache_write_token', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 3750)
) AS usd (component, model, micros)
CROSS JOIN (VALUES ('USD', 1.00), ('EUR', 0.86), ('GBP', 0.75)) AS fx (currency, per_usd)
ON CONFLICT DO NOTHING;
