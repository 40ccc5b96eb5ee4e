-- The log-scale bucket of a latency span in whole ms: bucket i holds (γ^(i−1), γ^i] with γ = 51/49, and 0 ms (or
-- less) is bucket −1. workers/analytics/latency-histogram.ts states the formula and its 2 % bound, and its tests check
-- that this function agrees with it. Plain SQL and not STRICT, so the planner inlines it.
CREATE FUNCTION latency_bucket(ms integer) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN ms <= 0 THEN -1 ELSE ceil(ln(ms::float8) / ln(51::float8 / 49))::integer END
$$;
--> statement-breakpoint
-- Two rollups' latency histograms ({"stage": {"bucket": count}}) merged: counts added per stage and bucket.
CREATE FUNCTION latency_histograms_add(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(jsonb_object_agg(stage, histogram), '{}'::jsonb) FROM (
		SELECT stage, jsonb_object_agg(bucket, n) AS histogram FROM (
			SELECT s.key AS stage, h.key AS bucket, sum(h.value::integer) AS n
			FROM (SELECT * FROM jsonb_each(a) UNION ALL SELECT * FROM jsonb_each(b)) s, jsonb_each_text(s.value) h
			GROUP BY 1, 2
		) buckets GROUP BY stage
	) stages
$$;
--> statement-breakpoint
-- The rollups of the facts recorded before they existed: the statement of workers/analytics/rollups.ts over every
-- call, as it stood when the rollups were introduced. New facts are rolled up as they are recorded.
insert into call_rollups_hourly (account_id, grain, hour, agent_id, agent_version, number, direction, end_reason, calls, duration_s, cost_minor, turns, interruptions, tool_calls, provider_failures, latency)
with facts as (select c.*, date_trunc('hour', c.started_at, 'UTC') as hour from call_facts c),
sums as (
  select account_id, case grouping(agent_id, agent_version, number, direction, end_reason)
when 31 then 'all' when 15 then 'agent' when 7 then 'agent_version' when 27 then 'number' when 29 then 'direction' else 'end_reason' end as grain, hour, agent_id, agent_version, number, direction, end_reason, row(agent_id, agent_version, number, direction, end_reason)::text as dims,
    count(*) as calls, coalesce(sum(duration_s), 0) as duration_s, coalesce(sum(cost_minor), 0) as cost_minor,
    sum(turns) as turns, sum(interruptions) as interruptions, sum(tool_calls) as tool_calls, sum(provider_failures) as provider_failures
  from facts
  group by account_id, hour, grouping sets ((), (agent_id), (agent_id, agent_version), (number), (direction), (end_reason))
),
spans as (
  select c.account_id, c.hour, c.agent_id, c.agent_version, c.number, c.direction, c.end_reason, v.stage, latency_bucket(v.ms) as bucket
  from facts c
  join turn_facts t on t.account_id = c.account_id and t.call_id = c.call_id and t.role = 'agent'
  cross join lateral (values ('v2v', t.voice_to_voice_ms), ('stt', t.stt_ms), ('llm_ttft', t.llm_ttft_ms), ('tts_ttfb', t.tts_ttfb_ms), ('overhead', t.platform_overhead_ms)) v(stage, ms)
  where v.ms is not null
),
buckets as (
  select account_id, case grouping(agent_id, agent_version, number, direction, end_reason)
when 31 then 'all' when 15 then 'agent' when 7 then 'agent_version' when 27 then 'number' when 29 then 'direction' else 'end_reason' end as grain, hour, row(agent_id, agent_version, number, direction, end_reason)::text as dims, stage, bucket, count(*) as n
  from spans
  group by account_id, hour, stage, bucket, grouping sets ((), (agent_id), (agent_id, agent_version), (number), (direction), (end_reason))
),
stages as (select account_id, grain, hour, dims, stage, jsonb_object_agg(bucket, n) as histogram from buckets group by 1, 2, 3, 4, 5),
histograms as (select account_id, grain, hour, dims, jsonb_object_agg(stage, histogram) as latency from stages group by 1, 2, 3, 4)
select u.account_id, u.grain, u.hour, u.agent_id, u.agent_version, u.number, u.direction, u.end_reason, u.calls, u.duration_s, u.cost_minor, u.turns, u.interruptions, u.tool_calls, u.provider_failures, coalesce(h.latency, '{}')
from sums u left join histograms h on h.account_id = u.account_id and h.grain = u.grain and h.hour = u.hour and h.dims = u.dims
order by u.account_id, u.grain, u.hour, u.agent_id, u.agent_version, u.number, u.direction, u.end_reason
on conflict on constraint call_rollups_hourly_key do update set calls = call_rollups_hourly.calls + excluded.calls, duration_s = call_rollups_hourly.duration_s + excluded.duration_s, cost_minor = call_rollups_hourly.cost_minor + excluded.cost_minor, turns = call_rollups_hourly.turns + excluded.turns, interruptions = call_rollups_hourly.interruptions + excluded.interruptions, tool_calls = call_rollups_hourly.tool_calls + excluded.tool_calls, provider_failures = call_rollups_hourly.provider_failures + excluded.provider_failures, latency = latency_histograms_add(call_rollups_hourly.latency, excluded.latency);
