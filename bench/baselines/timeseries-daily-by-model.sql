-- Baseline of the time-series export, daily buckets by model, in UTC: one raw
-- date_trunc aggregate over usage_records with the export's columns and row order
-- (BYOK workspace: tokens and cost shown). psql variables: ws, from, to (see users.sql).
select
  to_char(day, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as bucket_start,
  to_char(day + interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as bucket_end,
  model,
  messages, requests, input_tokens, output_tokens, cached_prompt_tokens, cache_creation_tokens,
  input_tokens - cached_prompt_tokens - cache_creation_tokens as no_cache_tokens,
  cost_usd
from (
  select
    date_trunc('day', occurred_at at time zone 'UTC') as day, model,
    count(*) filter (where kind = 'message') as messages, count(*) as requests,
    sum(prompt_tokens) as input_tokens, sum(completion_tokens) as output_tokens,
    sum(cached_prompt_tokens) as cached_prompt_tokens, sum(cache_creation_tokens) as cache_creation_tokens,
    trim_scale(round(sum(cost_usd), 6)) as cost_usd
  from usage_records
  where workspace_id = :'ws' and occurred_at between :'from' and :'to'
  group by 1, 2
) daily
order by day, requests desc, model
