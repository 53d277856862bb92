-- Baseline of the models export (no group_by): one aggregate query over the raw
-- usage_records (messages and API requests), the export's columns (BYOK workspace)
-- and row order. psql variables: ws, from, to, start_date, end_date (see users.sql).
select
  :'start_date' as period_start, :'end_date' as period_end, :'ws' as org_id,
  model as name, provider,
  case when deployment_id is not null then 'true' else 'false' end as bring_your_keys,
  count(*) as requests,
  sum(prompt_tokens) as sum_prompt_tokens, sum(completion_tokens) as sum_completion_tokens,
  sum(cached_prompt_tokens) as sum_cached_prompt_tokens, sum(cache_creation_tokens) as sum_cache_creation_tokens,
  sum(prompt_tokens) - sum(cached_prompt_tokens) - sum(cache_creation_tokens) as no_cache_tokens,
  trim_scale(round(sum(cost_usd), 6)) as total_cost_usd
from usage_records
where workspace_id = :'ws' and occurred_at between :'from' and :'to'
group by model, provider, deployment_id is not null
order by requests desc, name, provider, bring_your_keys
