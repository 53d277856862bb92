-- The agents export's messages by month of the workspace's time zone: per
-- agent, model and user (src/usage/rollups/agent-message-units.ts), so a long
-- period groups rows per month instead of per day (333,000 instead of 810,000
-- for a year of 10M records). Kept, cut and rebuilt as the monthly users rollups
-- are (20261203130000_usage_monthly_users): months of workspaces.timezone, a
-- change of zone rebuilds them in its transaction, queries check the zone in
-- their snapshot, retention deletes the months before the first it keeps.
CREATE TABLE "usage_monthly_agent_users" (
    "workspace_id" TEXT NOT NULL,
    "month" DATE NOT NULL,
    "agent_id" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "records" BIGINT NOT NULL,
    "with_conversation" BOOLEAN NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "cached_prompt_tokens" BIGINT NOT NULL,
    "cache_creation_tokens" BIGINT NOT NULL,
    "min_prompt_tokens" INTEGER NOT NULL,
    "max_prompt_tokens" INTEGER NOT NULL,
    "min_completion_tokens" INTEGER NOT NULL,
    "max_completion_tokens" INTEGER NOT NULL,

    CONSTRAINT "usage_monthly_agent_users_pkey" PRIMARY KEY ("workspace_id","month","agent_id","model","user_id")
);

-- One workspace's rows from its raw agent messages, in the zone it has now.
-- Callers hold the workspace's usage lock exclusively or take it here.
CREATE FUNCTION usage_monthly_agents_rebuild(ws text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('usage-rollups:' || ws, 0));
  DELETE FROM usage_monthly_agent_users WHERE workspace_id = ws;
  INSERT INTO usage_monthly_agent_users
  SELECT ws, date_trunc('month', r.occurred_at AT TIME ZONE w.timezone)::date, r.agent_id, r.model, coalesce(r.user_id, ''),
    count(*), bool_or(r.conversation_id IS NOT NULL), sum(r.prompt_tokens), sum(r.completion_tokens),
    sum(r.cached_prompt_tokens), sum(r.cache_creation_tokens), min(r.prompt_tokens), max(r.prompt_tokens),
    min(r.completion_tokens), max(r.completion_tokens)
  FROM usage_records r JOIN workspaces w ON w.id = r.workspace_id
  WHERE r.workspace_id = ws AND r.kind = 'message' AND r.surface = 'agent' AND r.agent_id IS NOT NULL
  GROUP BY 2, 3, 4, 5
  ORDER BY 2, 3, 4, 5;
END
$fn$;

-- Both monthly rollups of a workspace: what a change of zone re-cuts.
CREATE FUNCTION usage_monthly_rebuild(ws text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM usage_monthly_users_rebuild(ws);
  PERFORM usage_monthly_agents_rebuild(ws);
END
$fn$;

CREATE OR REPLACE FUNCTION usage_rollups_rebuild(ws text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM usage_daily_rollups_rebuild(ws);
  PERFORM usage_monthly_rebuild(ws);
END
$fn$;

-- Stored agent messages added to the monthly rows, each month in the zone the
-- workspace has when they are stored (read after the usage lock, as the users
-- rollups' trigger does). Fired after usage_records_rollups_monthly (name order):
-- every writer locks rows in one order.
CREATE FUNCTION usage_records_add_to_monthly_agents() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('usage-rollups:' || w, 0))
  FROM (SELECT DISTINCT workspace_id AS w FROM stored ORDER BY 1) t;

  INSERT INTO usage_monthly_agent_users AS u
  SELECT s.workspace_id, date_trunc('month', s.occurred_at AT TIME ZONE w.timezone)::date, s.agent_id, s.model,
    coalesce(s.user_id, ''), count(*), bool_or(s.conversation_id IS NOT NULL), sum(s.prompt_tokens),
    sum(s.completion_tokens), sum(s.cached_prompt_tokens), sum(s.cache_creation_tokens), min(s.prompt_tokens),
    max(s.prompt_tokens), min(s.completion_tokens), max(s.completion_tokens)
  FROM stored s JOIN workspaces w ON w.id = s.workspace_id
  WHERE s.kind = 'message' AND s.surface = 'agent' AND s.agent_id IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (workspace_id, month, agent_id, model, user_id) DO UPDATE SET
    records = u.records + excluded.records,
    with_conversation = u.with_conversation OR excluded.with_conversation,
    prompt_tokens = u.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = u.completion_tokens + excluded.completion_tokens,
    cached_prompt_tokens = u.cached_prompt_tokens + excluded.cached_prompt_tokens,
    cache_creation_tokens = u.cache_creation_tokens + excluded.cache_creation_tokens,
    min_prompt_tokens = least(u.min_prompt_tokens, excluded.min_prompt_tokens),
    max_prompt_tokens = greatest(u.max_prompt_tokens, excluded.max_prompt_tokens),
    min_completion_tokens = least(u.min_completion_tokens, excluded.min_completion_tokens),
    max_completion_tokens = greatest(u.max_completion_tokens, excluded.max_completion_tokens);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER usage_records_rollups_monthly_agents AFTER INSERT ON usage_records
  REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION usage_records_add_to_monthly_agents();

SELECT usage_monthly_agents_rebuild(id)::text FROM workspaces ORDER BY id;
