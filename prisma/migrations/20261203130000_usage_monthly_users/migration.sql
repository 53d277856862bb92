-- The users export's messages by month of the workspace's time zone: a long
-- period reads rows per user and month instead of per day
-- (src/usage/rollups/user-message-units.ts), in the two shapes it aggregates:
--   usage_monthly_user_totals: per user and surface, with the count of messages
--     that named an action: a row per user's counts and sums;
--   usage_monthly_user_keys: per user, the models used, the agents and projects
--     messaged and the actions named (dim 'model', 'agent', 'project',
--     'action'): its breakdowns.
-- (Its rows per model read days: a table with every column they group by would
-- hold 1.5M rows, 375 MB, for 10M records.)
-- Months are cut by workspaces.timezone; a change of zone rebuilds the
-- workspace's rows in the transaction that changes it, and queries check the
-- zone in the snapshot they read. Not partitioned: retention deletes the months
-- before the first month it keeps (src/usage/partitions/retention.ts).
CREATE TABLE "usage_monthly_user_totals" (
    "workspace_id" TEXT NOT NULL,
    "month" DATE NOT NULL,
    "user_id" TEXT NOT NULL,
    "surface" TEXT NOT NULL,
    "records" BIGINT NOT NULL,
    "action_records" BIGINT NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "cached_prompt_tokens" BIGINT NOT NULL,
    "cache_creation_tokens" BIGINT NOT NULL,
    "cost_usd" DECIMAL(24,9) NOT NULL,
    "payg_cost_usd" DECIMAL(24,9) NOT NULL,

    CONSTRAINT "usage_monthly_user_totals_pkey" PRIMARY KEY ("workspace_id","month","user_id","surface")
);

-- dim leads after the workspace: each breakdown reads its own index range.
CREATE TABLE "usage_monthly_user_keys" (
    "workspace_id" TEXT NOT NULL,
    "dim" TEXT NOT NULL,
    "month" DATE NOT NULL,
    "user_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "records" BIGINT NOT NULL,

    CONSTRAINT "usage_monthly_user_keys_pkey" PRIMARY KEY ("workspace_id","dim","month","user_id","key")
);

-- One workspace's monthly rows from its raw records, in key order (a month's rows
-- together on disk), in the zone the workspace has now: the records are
-- aggregated once, by every column either table keeps, and both tables are
-- written from that. Callers hold the workspace's usage lock exclusively or
-- take it here.
CREATE FUNCTION usage_monthly_users_rebuild(ws text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('usage-rollups:' || ws, 0));
  DELETE FROM usage_monthly_user_totals WHERE workspace_id = ws;
  DELETE FROM usage_monthly_user_keys WHERE workspace_id = ws;
  WITH m AS MATERIALIZED (
    SELECT date_trunc('month', r.occurred_at AT TIME ZONE w.timezone)::date AS month, coalesce(r.user_id, '') AS user_id,
      r.model, coalesce(r.surface::text, '') AS surface, coalesce(r.agent_id, '') AS agent_id,
      coalesce(r.project_id, '') AS project_id, coalesce(r.action, '') AS action, count(*) AS records,
      sum(r.prompt_tokens) AS prompt_tokens, sum(r.completion_tokens) AS completion_tokens,
      sum(r.cached_prompt_tokens) AS cached_prompt_tokens, sum(r.cache_creation_tokens) AS cache_creation_tokens,
      sum(r.cost_usd) AS cost_usd, sum(r.payg_cost_usd) AS payg_cost_usd
    FROM usage_records r JOIN workspaces w ON w.id = r.workspace_id
    WHERE r.workspace_id = ws AND r.kind = 'message'
    GROUP BY 1, 2, 3, 4, 5, 6, 7
  ), totals AS (
    INSERT INTO usage_monthly_user_totals
    SELECT ws, month, user_id, surface, sum(records), coalesce(sum(records) FILTER (WHERE action <> ''), 0),
      sum(prompt_tokens), sum(completion_tokens), sum(cached_prompt_tokens), sum(cache_creation_tokens), sum(cost_usd),
      sum(payg_cost_usd)
    FROM m
    GROUP BY 2, 3, 4
    ORDER BY 2, 3, 4
  )
  INSERT INTO usage_monthly_user_keys
  SELECT ws, k.dim, month, user_id, k.key, sum(records)
  FROM m CROSS JOIN LATERAL (VALUES ('model', model, true), ('agent', agent_id, surface = 'agent'),
    ('project', project_id, surface = 'project'), ('action', action, action <> '')) k(dim, key, applies)
  WHERE k.applies
  GROUP BY 2, 3, 4, 5
  ORDER BY 2, 3, 4, 5;
END
$fn$;

-- The rollup rebuild of before goes on as the daily rollups' own; the rebuild
-- every caller knows (src/usage/rollups/rebuild-rollups.ts, the model
-- renormalization) does both.
ALTER FUNCTION usage_rollups_rebuild(text) RENAME TO usage_daily_rollups_rebuild;

CREATE FUNCTION usage_rollups_rebuild(ws text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM usage_daily_rollups_rebuild(ws);
  PERFORM usage_monthly_users_rebuild(ws);
END
$fn$;

-- Stored records added to the monthly rows, each month in the zone the workspace
-- has when they are stored: read after the usage lock, so a change of zone,
-- which holds that lock exclusively, is wholly before or wholly after. A trigger
-- of its own, fired after usage_records_rollups (triggers fire in name order),
-- which takes the same lock first: the rows of every writer are locked in one
-- order, daily rollups first, monthly rows next.
CREATE FUNCTION usage_records_add_to_monthly_users() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('usage-rollups:' || w, 0))
  FROM (SELECT DISTINCT workspace_id AS w FROM stored ORDER BY 1) t;

  INSERT INTO usage_monthly_user_totals AS u
  SELECT s.workspace_id, date_trunc('month', s.occurred_at AT TIME ZONE w.timezone)::date, coalesce(s.user_id, ''),
    coalesce(s.surface::text, ''), count(*), count(*) FILTER (WHERE s.action <> ''),
    sum(s.prompt_tokens), sum(s.completion_tokens), sum(s.cached_prompt_tokens), sum(s.cache_creation_tokens),
    sum(s.cost_usd), sum(s.payg_cost_usd)
  FROM stored s JOIN workspaces w ON w.id = s.workspace_id
  WHERE s.kind = 'message'
  GROUP BY 1, 2, 3, 4
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (workspace_id, month, user_id, surface) DO UPDATE SET
    records = u.records + excluded.records,
    action_records = u.action_records + excluded.action_records,
    prompt_tokens = u.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = u.completion_tokens + excluded.completion_tokens,
    cached_prompt_tokens = u.cached_prompt_tokens + excluded.cached_prompt_tokens,
    cache_creation_tokens = u.cache_creation_tokens + excluded.cache_creation_tokens,
    cost_usd = u.cost_usd + excluded.cost_usd,
    payg_cost_usd = u.payg_cost_usd + excluded.payg_cost_usd;

  INSERT INTO usage_monthly_user_keys AS u
  SELECT s.workspace_id, k.dim, date_trunc('month', s.occurred_at AT TIME ZONE w.timezone)::date, coalesce(s.user_id, ''),
    coalesce(k.key, ''), count(*)
  FROM stored s JOIN workspaces w ON w.id = s.workspace_id
  CROSS JOIN LATERAL (VALUES ('model', s.model, true), ('agent', s.agent_id, s.surface = 'agent'),
    ('project', s.project_id, s.surface = 'project'), ('action', s.action, s.action <> '')) k(dim, key, applies)
  WHERE s.kind = 'message' AND k.applies
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (workspace_id, dim, month, user_id, key) DO UPDATE SET records = u.records + excluded.records;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER usage_records_rollups_monthly AFTER INSERT ON usage_records
  REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION usage_records_add_to_monthly_users();

SELECT usage_monthly_users_rebuild(id)::text FROM workspaces ORDER BY id;
