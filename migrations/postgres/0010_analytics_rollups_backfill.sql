-- The log-scale bucket of a latency span in whole ms: bucket i holds (γ^(i−1), γ^i] with γ = 51/49, and 0 ms (or
-- less) is bucket −1. workers/analytics/latency-histogram.ts states the formula and its 2 % bound, and its tests check
-- that this function agrees with it. Plain SQL and not STRICT, so the planner inlines it.
CREATE FUNCTION latency_bucket(ms integer) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN ms <= 0 THEN -1 ELSE ceil(ln(ms::float8) / ln(51::float8 / 49))::integer END
$$;
--> statement-breakpoint
-- The rollups of the facts recorded before they existed: the statements of workers/analytics/rollups.ts over every
-- call, as they stood when the rollups were introduced. New facts are rolled up as they are recorded.
INSERT INTO call_rollups_hourly (account_id, grain, hour, agent_id, agent_version, number, direction, end_reason, calls, duration_s, cost_minor, turns, interruptions, tool_calls, provider_failures)
SELECT s.account_id, g.grain, s.hour, g.agent_id, g.agent_version, g.number, g.direction, g.end_reason, count(*), coalesce(sum(s.duration_s), 0), coalesce(sum(s.cost_minor), 0),
	sum(s.turns), sum(s.interruptions), sum(s.tool_calls), sum(s.provider_failures)
FROM (SELECT c.*, date_trunc('hour', c.started_at, 'UTC') AS hour FROM call_facts c) s
CROSS JOIN LATERAL (VALUES
	('all', null::text, null::integer, null::text, null::text, null::text),
	('agent', s.agent_id, null, null, null, null),
	('agent_version', s.agent_id, s.agent_version, null, null, null),
	('number', null, null, s.number, null, null),
	('direction', null, null, null, s.direction, null),
	('end_reason', null, null, null, null, s.end_reason)
) g(grain, agent_id, agent_version, number, direction, end_reason)
GROUP BY s.account_id, g.grain, s.hour, g.agent_id, g.agent_version, g.number, g.direction, g.end_reason;
--> statement-breakpoint
INSERT INTO latency_rollups_hourly (account_id, grain, hour, agent_id, agent_version, number, direction, end_reason, stage, bucket, count)
SELECT s.account_id, g.grain, s.hour, g.agent_id, g.agent_version, g.number, g.direction, g.end_reason, s.stage, s.bucket, sum(s.n)
FROM (
	SELECT c.account_id, date_trunc('hour', c.started_at, 'UTC') AS hour, c.agent_id, c.agent_version, c.number, c.direction, c.end_reason,
		v.stage, latency_bucket(v.ms) AS bucket, count(*) AS n
	FROM call_facts c
	JOIN turn_facts t ON t.account_id = c.account_id AND t.call_id = c.call_id AND t.role = 'agent'
	CROSS JOIN LATERAL (VALUES ('v2v', t.voice_to_voice_ms), ('stt', t.stt_ms), ('llm_ttft', t.llm_ttft_ms), ('tts_ttfb', t.tts_ttfb_ms), ('overhead', t.platform_overhead_ms)) v(stage, ms)
	WHERE v.ms IS NOT NULL
	GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
) s
CROSS JOIN LATERAL (VALUES
	('all', null::text, null::integer, null::text, null::text, null::text),
	('agent', s.agent_id, null, null, null, null),
	('agent_version', s.agent_id, s.agent_version, null, null, null),
	('number', null, null, s.number, null, null),
	('direction', null, null, null, s.direction, null),
	('end_reason', null, null, null, null, s.end_reason)
) g(grain, agent_id, agent_version, number, direction, end_reason)
GROUP BY s.account_id, g.grain, s.hour, g.agent_id, g.agent_version, g.number, g.direction, g.end_reason, s.stage, s.bucket;
