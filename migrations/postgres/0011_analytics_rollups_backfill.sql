-- The log-scale bucket of a latency span in whole ms: bucket i holds (γ^(i−1), γ^i] with γ = 51/49, and 0 ms (or
-- less) is bucket −1. workers/analytics/latency-histogram.ts states the formula and its 2 % bound, and its tests check
-- that this function agrees with it. Plain SQL and not STRICT, so the planner inlines it.
CREATE FUNCTION latency_bucket(ms integer) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN ms <= 0 THEN -1 ELSE ceil(ln(ms::float8) / ln(51::float8 / 49))::integer END
$$;
--> statement-breakpoint
-- Two sparse histograms merged (each: its non-empty buckets ascending, and their counts): the buckets of either,
-- ascending, and the counts added per bucket. A rollup row already there merges a new call's this way.
CREATE FUNCTION histogram_buckets_add(a integer[], b integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(array_agg(bucket ORDER BY bucket), '{}') FROM (SELECT unnest(a) UNION SELECT unnest(b)) x(bucket)
$$;
--> statement-breakpoint
CREATE FUNCTION histogram_counts_add(a_buckets integer[], a_counts integer[], b_buckets integer[], b_counts integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(array_agg(n ORDER BY bucket), '{}') FROM (
		SELECT bucket, sum(n)::integer AS n
		FROM (SELECT * FROM unnest(a_buckets, a_counts) UNION ALL SELECT * FROM unnest(b_buckets, b_counts)) x(bucket, n)
		GROUP BY bucket
	) merged
$$;
--> statement-breakpoint
-- The rollups of the facts recorded before they existed: the statement of workers/analytics/rollups.ts over every
-- call, as it stood when the rollups were introduced. New facts are rolled up as they are recorded.
insert into call_rollups_hourly (account_id, grain, hour, agent_id, agent_version, number, direction, end_reason, calls, duration_s, cost_minor, turns, interruptions, tool_calls, provider_failures, v2v_buckets, v2v_counts, stt_buckets, stt_counts, llm_ttft_buckets, llm_ttft_counts, tts_ttfb_buckets, tts_ttfb_counts, overhead_buckets, overhead_counts)
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
when 31 then 'all' when 15 then 'agent' when 7 then 'agent_version' when 27 then 'number' when 29 then 'direction' else 'end_reason' end as grain, hour, row(agent_id, agent_version, number, direction, end_reason)::text as dims, stage, bucket, count(*)::int as n
  from spans
  group by account_id, hour, stage, bucket, grouping sets ((), (agent_id), (agent_id, agent_version), (number), (direction), (end_reason))
),
stages as (
  select account_id, grain, hour, dims, stage, array_agg(bucket order by bucket) as buckets, array_agg(n order by bucket) as counts
  from buckets group by 1, 2, 3, 4, 5
),
histograms as (select account_id, grain, hour, dims, coalesce(min(buckets) filter (where stage = 'v2v'), '{}') as v2v_buckets, coalesce(min(counts) filter (where stage = 'v2v'), '{}') as v2v_counts, coalesce(min(buckets) filter (where stage = 'stt'), '{}') as stt_buckets, coalesce(min(counts) filter (where stage = 'stt'), '{}') as stt_counts, coalesce(min(buckets) filter (where stage = 'llm_ttft'), '{}') as llm_ttft_buckets, coalesce(min(counts) filter (where stage = 'llm_ttft'), '{}') as llm_ttft_counts, coalesce(min(buckets) filter (where stage = 'tts_ttfb'), '{}') as tts_ttfb_buckets, coalesce(min(counts) filter (where stage = 'tts_ttfb'), '{}') as tts_ttfb_counts, coalesce(min(buckets) filter (where stage = 'overhead'), '{}') as overhead_buckets, coalesce(min(counts) filter (where stage = 'overhead'), '{}') as overhead_counts from stages group by 1, 2, 3, 4)
select u.account_id, u.grain, u.hour, u.agent_id, u.agent_version, u.number, u.direction, u.end_reason, u.calls, u.duration_s, u.cost_minor, u.turns, u.interruptions, u.tool_calls, u.provider_failures, coalesce(h.v2v_buckets, '{}'), coalesce(h.v2v_counts, '{}'), coalesce(h.stt_buckets, '{}'), coalesce(h.stt_counts, '{}'), coalesce(h.llm_ttft_buckets, '{}'), coalesce(h.llm_ttft_counts, '{}'), coalesce(h.tts_ttfb_buckets, '{}'), coalesce(h.tts_ttfb_counts, '{}'), coalesce(h.overhead_buckets, '{}'), coalesce(h.overhead_counts, '{}')
from sums u left join histograms h on h.account_id = u.account_id and h.grain = u.grain and h.hour = u.hour and h.dims = u.dims
order by u.account_id, u.grain, u.hour, u.agent_id, u.agent_version, u.number, u.direction, u.end_reason
on conflict on constraint call_rollups_hourly_key do update set calls = call_rollups_hourly.calls + excluded.calls, duration_s = call_rollups_hourly.duration_s + excluded.duration_s, cost_minor = call_rollups_hourly.cost_minor + excluded.cost_minor, turns = call_rollups_hourly.turns + excluded.turns, interruptions = call_rollups_hourly.interruptions + excluded.interruptions, tool_calls = call_rollups_hourly.tool_calls + excluded.tool_calls, provider_failures = call_rollups_hourly.provider_failures + excluded.provider_failures, v2v_buckets = histogram_buckets_add(call_rollups_hourly.v2v_buckets, excluded.v2v_buckets), v2v_counts = histogram_counts_add(call_rollups_hourly.v2v_buckets, call_rollups_hourly.v2v_counts, excluded.v2v_buckets, excluded.v2v_counts), stt_buckets = histogram_buckets_add(call_rollups_hourly.stt_buckets, excluded.stt_buckets), stt_counts = histogram_counts_add(call_rollups_hourly.stt_buckets, call_rollups_hourly.stt_counts, excluded.stt_buckets, excluded.stt_counts), llm_ttft_buckets = histogram_buckets_add(call_rollups_hourly.llm_ttft_buckets, excluded.llm_ttft_buckets), llm_ttft_counts = histogram_counts_add(call_rollups_hourly.llm_ttft_buckets, call_rollups_hourly.llm_ttft_counts, excluded.llm_ttft_buckets, excluded.llm_ttft_counts), tts_ttfb_buckets = histogram_buckets_add(call_rollups_hourly.tts_ttfb_buckets, excluded.tts_ttfb_buckets), tts_ttfb_counts = histogram_counts_add(call_rollups_hourly.tts_ttfb_buckets, call_rollups_hourly.tts_ttfb_counts, excluded.tts_ttfb_buckets, excluded.tts_ttfb_counts), overhead_buckets = histogram_buckets_add(call_rollups_hourly.overhead_buckets, excluded.overhead_buckets), overhead_counts = histogram_counts_add(call_rollups_hourly.overhead_buckets, call_rollups_hourly.overhead_counts, excluded.overhead_buckets, excluded.overhead_counts);
