-- The daily rollups of the facts recorded before they existed: the daily statement of workers/analytics/rollups.ts
-- over every call, as it stood when the daily rollups were introduced (days cut in each account's present zone,
-- billing_accounts.time_zone, UTC without a row). New facts are rolled up as they are recorded.
insert into call_rollups_daily (account_id, grain, day, time_zone, agent_id, agent_version, number, direction, end_reason, calls, duration_s, cost_minor, turns, interruptions, tool_calls, provider_failures, judged_calls, succeeded_calls, v2v_buckets, v2v_counts, stt_buckets, stt_counts, llm_ttft_buckets, llm_ttft_counts, tts_ttfb_buckets, tts_ttfb_counts, overhead_buckets, overhead_counts)
with facts as (
  select c.*, date_trunc('day', c.started_at, z.time_zone) as day, z.time_zone from call_facts c
  cross join lateral (select coalesce((select a.time_zone from billing_accounts a where a.account_id = c.account_id), 'UTC') as time_zone) z
),
sums as (
  select account_id, case grouping(agent_id, agent_version, number, direction, end_reason)
when 31 then 'all' when 15 then 'agent' when 7 then 'agent_version' when 27 then 'number' when 29 then 'direction' else 'end_reason' end as grain, day, time_zone, agent_id, agent_version, number, direction, end_reason, row(agent_id, agent_version, number, direction, end_reason)::text as dims,
    count(*) as calls, coalesce(sum(duration_s), 0) as duration_s, coalesce(sum(cost_minor), 0) as cost_minor,
    sum(turns) as turns, sum(interruptions) as interruptions, sum(tool_calls) as tool_calls, sum(provider_failures) as provider_failures,
    count(succeeded) as judged_calls, count(*) filter (where succeeded) as succeeded_calls
  from facts
  group by account_id, day, time_zone, grouping sets ((), (agent_id), (agent_id, agent_version), (number), (direction), (end_reason))
),
spans as (
  select c.account_id, c.day, c.time_zone, c.agent_id, c.agent_version, c.number, c.direction, c.end_reason, v.stage, latency_bucket(v.ms) as bucket
  from facts c
  join turn_facts t on t.account_id = c.account_id and t.call_id = c.call_id and t.role = 'agent'
  cross join lateral (values ('v2v', t.voice_to_voice_ms), ('stt', t.stt_ms), ('llm_ttft', t.llm_ttft_ms), ('tts_ttfb', t.tts_ttfb_ms), ('overhead', t.platform_overhead_ms)) v(stage, ms)
  where v.ms is not null
),
buckets as (
  select account_id, case grouping(agent_id, agent_version, number, direction, end_reason)
when 31 then 'all' when 15 then 'agent' when 7 then 'agent_version' when 27 then 'number' when 29 then 'direction' else 'end_reason' end as grain, day, time_zone, row(agent_id, agent_version, number, direction, end_reason)::text as dims, stage, bucket, count(*)::int as n
  from spans
  group by account_id, day, time_zone, stage, bucket, grouping sets ((), (agent_id), (agent_id, agent_version), (number), (direction), (end_reason))
),
stages as (
  select account_id, grain, day, time_zone, dims, stage, array_agg(bucket order by bucket) as buckets, array_agg(n order by bucket) as counts
  from buckets group by account_id, grain, day, time_zone, dims, stage
),
histograms as (select account_id, grain, day, time_zone, dims, coalesce(min(buckets) filter (where stage = 'v2v'), '{}') as v2v_buckets, coalesce(min(counts) filter (where stage = 'v2v'), '{}') as v2v_counts, coalesce(min(buckets) filter (where stage = 'stt'), '{}') as stt_buckets, coalesce(min(counts) filter (where stage = 'stt'), '{}') as stt_counts, coalesce(min(buckets) filter (where stage = 'llm_ttft'), '{}') as llm_ttft_buckets, coalesce(min(counts) filter (where stage = 'llm_ttft'), '{}') as llm_ttft_counts, coalesce(min(buckets) filter (where stage = 'tts_ttfb'), '{}') as tts_ttfb_buckets, coalesce(min(counts) filter (where stage = 'tts_ttfb'), '{}') as tts_ttfb_counts, coalesce(min(buckets) filter (where stage = 'overhead'), '{}') as overhead_buckets, coalesce(min(counts) filter (where stage = 'overhead'), '{}') as overhead_counts from stages group by account_id, grain, day, time_zone, dims)
select u.account_id, u.grain, u.day, u.time_zone, u.agent_id, u.agent_version, u.number, u.direction, u.end_reason, u.calls, u.duration_s, u.cost_minor, u.turns, u.interruptions, u.tool_calls, u.provider_failures, u.judged_calls, u.succeeded_calls, coalesce(h.v2v_buckets, '{}'), coalesce(h.v2v_counts, '{}'), coalesce(h.stt_buckets, '{}'), coalesce(h.stt_counts, '{}'), coalesce(h.llm_ttft_buckets, '{}'), coalesce(h.llm_ttft_counts, '{}'), coalesce(h.tts_ttfb_buckets, '{}'), coalesce(h.tts_ttfb_counts, '{}'), coalesce(h.overhead_buckets, '{}'), coalesce(h.overhead_counts, '{}')
from sums u left join histograms h on h.account_id = u.account_id and h.grain = u.grain and h.day = u.day and h.time_zone = u.time_zone and h.dims = u.dims
order by u.account_id, u.grain, u.day, u.time_zone, u.agent_id, u.agent_version, u.number, u.direction, u.end_reason
on conflict on constraint call_rollups_daily_key do update set calls = call_rollups_daily.calls + excluded.calls, duration_s = call_rollups_daily.duration_s + excluded.duration_s, cost_minor = call_rollups_daily.cost_minor + excluded.cost_minor, turns = call_rollups_daily.turns + excluded.turns, interruptions = call_rollups_daily.interruptions + excluded.interruptions, tool_calls = call_rollups_daily.tool_calls + excluded.tool_calls, provider_failures = call_rollups_daily.provider_failures + excluded.provider_failures, judged_calls = call_rollups_daily.judged_calls + excluded.judged_calls, succeeded_calls = call_rollups_daily.succeeded_calls + excluded.succeeded_calls, v2v_buckets = histogram_buckets_add(call_rollups_daily.v2v_buckets, excluded.v2v_buckets), v2v_counts = histogram_counts_add(call_rollups_daily.v2v_buckets, call_rollups_daily.v2v_counts, excluded.v2v_buckets, excluded.v2v_counts), stt_buckets = histogram_buckets_add(call_rollups_daily.stt_buckets, excluded.stt_buckets), stt_counts = histogram_counts_add(call_rollups_daily.stt_buckets, call_rollups_daily.stt_counts, excluded.stt_buckets, excluded.stt_counts), llm_ttft_buckets = histogram_buckets_add(call_rollups_daily.llm_ttft_buckets, excluded.llm_ttft_buckets), llm_ttft_counts = histogram_counts_add(call_rollups_daily.llm_ttft_buckets, call_rollups_daily.llm_ttft_counts, excluded.llm_ttft_buckets, excluded.llm_ttft_counts), tts_ttfb_buckets = histogram_buckets_add(call_rollups_daily.tts_ttfb_buckets, excluded.tts_ttfb_buckets), tts_ttfb_counts = histogram_counts_add(call_rollups_daily.tts_ttfb_buckets, call_rollups_daily.tts_ttfb_counts, excluded.tts_ttfb_buckets, excluded.tts_ttfb_counts), overhead_buckets = histogram_buckets_add(call_rollups_daily.overhead_buckets, excluded.overhead_buckets), overhead_counts = histogram_counts_add(call_rollups_daily.overhead_buckets, call_rollups_daily.overhead_counts, excluded.overhead_buckets, excluded.overhead_counts);
