-- Baseline of the agents export with group_by=model: one aggregate query over the
-- raw usage_records (agent messages) plus directory_versions for the agent's and
-- its owner's attributes at the period's end; one row per (agent, model) used, in
-- the export's order. psql variables: ws, from, to, start_date, end_date (see users.sql).
with agg as (
  select agent_id, model,
    count(*) as messages, count(distinct user_id) as unique_users,
    sum(prompt_tokens) as sum_prompt, round(avg(prompt_tokens), 2) as avg_prompt,
    min(prompt_tokens) as min_prompt, max(prompt_tokens) as max_prompt,
    sum(completion_tokens) as sum_completion, round(avg(completion_tokens), 2) as avg_completion,
    min(completion_tokens) as min_completion, max(completion_tokens) as max_completion,
    sum(cached_prompt_tokens) as sum_cached, sum(cache_creation_tokens) as sum_cache_creation
  from usage_records
  where workspace_id = :'ws' and kind = 'message' and surface = 'agent' and agent_id is not null
    and occurred_at between :'from' and :'to'
  group by agent_id, model
),
asof as (
  select distinct on (kind, entity_id) kind, entity_id, attrs from directory_versions
  where workspace_id = :'ws' and kind in ('agent', 'user')
  order by kind, entity_id, (effective_at <= :'to') desc, case when effective_at <= :'to' then effective_at end desc, effective_at
)
select
  :'start_date' as period_start, :'end_date' as period_end, :'ws' as org_id,
  a.agent_id as assistant_id, a.model,
  g.attrs->>'name' as assistant_name, g.attrs->>'description' as assistant_description, g.attrs->>'url' as assistant_url,
  g.attrs->>'ownerId' as assistant_owner_id, o.attrs->>'email' as assistant_owner_email,
  a.messages, a.unique_users,
  a.sum_prompt as sum_prompt_tokens, a.avg_prompt as avg_prompt_tokens, a.min_prompt as min_prompt_tokens, a.max_prompt as max_prompt_tokens,
  a.sum_completion as sum_completion_tokens, a.avg_completion as avg_completion_tokens,
  a.min_completion as min_completion_tokens, a.max_completion as max_completion_tokens,
  a.sum_cached as sum_cached_prompt_tokens, a.sum_cache_creation as sum_cache_creation_tokens,
  a.sum_prompt - a.sum_cached - a.sum_cache_creation as sum_no_cache_tokens
from agg a
left join asof g on g.kind = 'agent' and g.entity_id = a.agent_id
left join asof o on o.kind = 'user' and o.entity_id = g.attrs->>'ownerId'
order by a.messages desc, a.agent_id, a.model
