-- Baseline of the users export (no group_by): one hand-written aggregate query over
-- the raw usage_records plus directory_versions, producing the export's columns
-- (BYOK workspace, user-level data on) in the export's row order.
-- psql variables: ws, from, to (the period's instants), tz, start_date, end_date.
--   psql -X -v ws=bench -v from=2026-10-01T04:00:00Z -v to=2026-11-01T03:59:59.999Z \
--     -v tz=America/New_York -v start_date=2026-10-01 -v end_date=2026-10-31 -f bench/baselines/users.sql
-- bench/run.ts substitutes the variables itself and runs it as `\copy (…) to 'file' with csv header`.
with msgs as materialized (
  select user_id, surface, agent_id, project_id, model, action, prompt_tokens, completion_tokens,
    cached_prompt_tokens, cache_creation_tokens, cost_usd, payg_cost_usd
  from usage_records
  where workspace_id = :'ws' and kind = 'message' and occurred_at between :'from' and :'to'
),
totals as (
  select user_id,
    count(*) as messages_total,
    count(*) filter (where surface = 'chat') as messages_chat,
    count(*) filter (where surface = 'agent') as messages_assistants,
    count(*) filter (where surface = 'project') as messages_projects,
    count(*) filter (where action is not null) as action_messages,
    sum(prompt_tokens) as prompt, sum(completion_tokens) as completion,
    sum(cached_prompt_tokens) as cached, sum(cache_creation_tokens) as cache_creation,
    sum(cost_usd) as cost, sum(payg_cost_usd) as payg
  from msgs group by user_id
),
-- The four breakdowns, each a hash aggregate over the period's messages (faster here than one
-- GROUPING SETS pass, which sorts them all).
pairs as (
  select user_id, 'agent' as what, agent_id as key, count(*) as n from msgs where surface = 'agent' group by user_id, agent_id
  union all
  select user_id, 'project', project_id, count(*) from msgs where surface = 'project' group by user_id, project_id
  union all
  select user_id, 'model', model, count(*) from msgs group by user_id, model
  union all
  select user_id, 'action', action, count(*) from msgs where action is not null group by user_id, action
),
maps as (
  select user_id,
    count(*) filter (where what = 'agent') as assistants_messaged,
    count(*) filter (where what = 'project') as projects_messaged,
    count(*) filter (where what = 'action') as action_messaged,
    string_agg(to_json(key)::text || ':' || n, ',' order by n desc, key) filter (where what = 'agent') as agents,
    string_agg(to_json(key)::text || ':' || n, ',' order by n desc, key) filter (where what = 'project') as projects,
    string_agg(to_json(key)::text || ':' || n, ',' order by n desc, key) filter (where what = 'model') as models,
    string_agg(to_json(key)::text || ':' || n, ',' order by n desc, key) filter (where what = 'action') as actions
  from pairs group by user_id
),
versions as (
  select entity_id, effective_at, attrs from directory_versions where workspace_id = :'ws' and kind = 'user'
),
-- Attributes in force at the period's end (the first version before it exists), and the latest ones.
asof as (
  select distinct on (entity_id) entity_id, attrs from versions
  order by entity_id, (effective_at <= :'to') desc, case when effective_at <= :'to' then effective_at end desc, effective_at
),
latest as (
  select distinct on (entity_id) entity_id, attrs from versions order by entity_id, effective_at desc
),
rows as (
  select l.entity_id as user_id from latest l
  where coalesce((l.attrs->>'joinedAt')::timestamptz <= :'to', true)
    and coalesce((l.attrs->>'removedAt')::timestamptz >= :'from', true)
  union
  select user_id from totals
),
joined as (
  select r.user_id, s.attrs, l.attrs as latest, (l.attrs->>'paygLimit')::numeric as payg_limit,
    coalesce(t.messages_total, 0) as messages_total, coalesce(t.messages_chat, 0) as messages_chat,
    coalesce(t.messages_assistants, 0) as messages_assistants, coalesce(t.messages_projects, 0) as messages_projects,
    coalesce(t.action_messages, 0) as action_messages, coalesce(t.payg, 0) as payg, coalesce(t.cost, 0) as cost,
    coalesce(t.prompt, 0) as prompt, coalesce(t.completion, 0) as completion, coalesce(t.cached, 0) as cached,
    coalesce(t.cache_creation, 0) as cache_creation,
    coalesce(m.assistants_messaged, 0) as assistants_messaged, coalesce(m.projects_messaged, 0) as projects_messaged,
    coalesce(m.action_messaged, 0) as action_messaged, m.agents, m.projects, m.models, m.actions
  from rows r
  left join totals t on t.user_id = r.user_id
  left join maps m on m.user_id = r.user_id
  left join asof s on s.entity_id = r.user_id
  left join latest l on l.entity_id = r.user_id
)
select
  :'start_date' as period_start, :'end_date' as period_end, :'ws' as org_id,
  user_id, attrs->>'name' as name, attrs->>'email' as email, attrs->>'role' as role,
  to_char((attrs->>'joinedAt')::timestamptz at time zone :'tz', 'YYYY-MM-DD') as joined_at,
  attrs->>'department' as department, attrs->>'companyName' as company_name, latest->>'licenseType' as license_type,
  coalesce(trim_scale(round(payg_limit, 6))::text, '0') as payg_limit_current,
  trim_scale(round(payg, 6)) as payg_consumption_in_period,
  case when payg_limit > 0 then round(payg / payg_limit, 4)::text end as payg_utilization_pct_current,
  messages_total, rank() over (order by messages_total desc) as messages_total_rank,
  messages_chat, rank() over (order by messages_chat desc) as messages_chat_rank,
  messages_assistants, rank() over (order by messages_assistants desc) as messages_assistants_rank,
  assistants_messaged, '{' || coalesce(agents, '') || '}' as assistants_to_messages,
  messages_projects, rank() over (order by messages_projects desc) as messages_projects_rank,
  projects_messaged, '{' || coalesce(projects, '') || '}' as projects_to_messages,
  '{' || coalesce(models, '') || '}' as model_to_messages_total,
  action_messages, action_messaged, '{' || coalesce(actions, '') || '}' as action_to_messages,
  prompt as total_input_tokens, completion as total_output_tokens, cached as cached_prompt_tokens,
  cache_creation as cache_creation_tokens, prompt - cached - cache_creation as no_cache_tokens,
  trim_scale(round(cost, 6)) as total_cost_usd
from joined
order by messages_total desc, user_id
