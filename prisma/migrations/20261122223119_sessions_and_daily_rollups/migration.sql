-- AlterTable
ALTER TABLE "workspaces" ADD COLUMN     "data_version" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "access_key_id" TEXT NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_daily" (
    "workspace_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "kind" "usage_kind" NOT NULL,
    "user_id" TEXT NOT NULL,
    "api_key_id" TEXT NOT NULL,
    "surface" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "deployment_id" TEXT NOT NULL,
    "with_conversation" BOOLEAN NOT NULL,
    "records" INTEGER NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "cached_prompt_tokens" BIGINT NOT NULL,
    "cache_creation_tokens" BIGINT NOT NULL,
    "min_prompt_tokens" INTEGER NOT NULL,
    "max_prompt_tokens" INTEGER NOT NULL,
    "min_completion_tokens" INTEGER NOT NULL,
    "max_completion_tokens" INTEGER NOT NULL,
    "cost_usd" DECIMAL(24,9) NOT NULL,
    "payg_cost_usd" DECIMAL(24,9) NOT NULL,

    CONSTRAINT "usage_daily_pkey" PRIMARY KEY ("workspace_id","day","kind","user_id","api_key_id","surface","agent_id","project_id","action","model","provider","source","deployment_id","with_conversation")
);

-- CreateTable
CREATE TABLE "usage_daily_models" (
    "workspace_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "model" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "deployment_id" TEXT NOT NULL,
    "records" INTEGER NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "cached_prompt_tokens" BIGINT NOT NULL,
    "cache_creation_tokens" BIGINT NOT NULL,
    "cost_usd" DECIMAL(24,9) NOT NULL,

    CONSTRAINT "usage_daily_models_pkey" PRIMARY KEY ("workspace_id","day","model","provider","source","deployment_id")
);

-- CreateTable
CREATE TABLE "usage_daily_conversations" (
    "workspace_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "agent_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,

    CONSTRAINT "usage_daily_conversations_pkey" PRIMARY KEY ("workspace_id","day","agent_id","conversation_id")
);

-- CreateIndex
CREATE INDEX "sessions_access_key_id_idx" ON "sessions"("access_key_id");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_access_key_id_fkey" FOREIGN KEY ("access_key_id") REFERENCES "access_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Rollup maintenance lives in the database, so every writer keeps the rollups
-- right: ingest, bulk COPY, test fixtures. It also bumps the workspace's
-- data_version, which invalidates cached query results (src/usage/result-cache.ts). Usage records are never updated or
-- deleted; anything that does so must call usage_rollups_rebuild afterwards.
-- Rows are grouped (ON CONFLICT DO UPDATE takes each key once per statement) and
-- ordered by key; writers of one workspace take turns (advisory lock) so two
-- multi-statement batches can't deadlock on each other's rollup rows.
CREATE FUNCTION usage_records_add_to_rollups() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('usage-rollups:' || w, 0))
  FROM (SELECT DISTINCT workspace_id AS w FROM stored ORDER BY 1) t;

  INSERT INTO usage_daily AS d
  SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, kind, coalesce(user_id, ''), coalesce(api_key_id, ''),
    coalesce(surface::text, ''), coalesce(agent_id, ''), coalesce(project_id, ''), coalesce(action, ''), model, provider,
    source, coalesce(deployment_id, ''), conversation_id IS NOT NULL,
    count(*), sum(prompt_tokens), sum(completion_tokens), sum(cached_prompt_tokens), sum(cache_creation_tokens),
    min(prompt_tokens), max(prompt_tokens), min(completion_tokens), max(completion_tokens), sum(cost_usd), sum(payg_cost_usd)
  FROM stored
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
  ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
  ON CONFLICT (workspace_id, day, kind, user_id, api_key_id, surface, agent_id, project_id, action, model, provider, source,
    deployment_id, with_conversation) DO UPDATE SET
    records = d.records + excluded.records,
    prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = d.completion_tokens + excluded.completion_tokens,
    cached_prompt_tokens = d.cached_prompt_tokens + excluded.cached_prompt_tokens,
    cache_creation_tokens = d.cache_creation_tokens + excluded.cache_creation_tokens,
    min_prompt_tokens = least(d.min_prompt_tokens, excluded.min_prompt_tokens),
    max_prompt_tokens = greatest(d.max_prompt_tokens, excluded.max_prompt_tokens),
    min_completion_tokens = least(d.min_completion_tokens, excluded.min_completion_tokens),
    max_completion_tokens = greatest(d.max_completion_tokens, excluded.max_completion_tokens),
    cost_usd = d.cost_usd + excluded.cost_usd,
    payg_cost_usd = d.payg_cost_usd + excluded.payg_cost_usd;

  INSERT INTO usage_daily_models AS m
  SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, model, provider, source, coalesce(deployment_id, ''),
    count(*), sum(prompt_tokens), sum(completion_tokens), sum(cached_prompt_tokens), sum(cache_creation_tokens), sum(cost_usd)
  FROM stored
  GROUP BY 1, 2, 3, 4, 5, 6
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (workspace_id, day, model, provider, source, deployment_id) DO UPDATE SET
    records = m.records + excluded.records,
    prompt_tokens = m.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = m.completion_tokens + excluded.completion_tokens,
    cached_prompt_tokens = m.cached_prompt_tokens + excluded.cached_prompt_tokens,
    cache_creation_tokens = m.cache_creation_tokens + excluded.cache_creation_tokens,
    cost_usd = m.cost_usd + excluded.cost_usd;

  INSERT INTO usage_daily_conversations
  SELECT DISTINCT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, agent_id, conversation_id
  FROM stored
  WHERE kind = 'message' AND surface = 'agent' AND agent_id IS NOT NULL AND conversation_id IS NOT NULL
  ORDER BY 1, 2, 3, 4
  ON CONFLICT DO NOTHING;

  UPDATE workspaces SET data_version = data_version + 1 WHERE id IN (SELECT workspace_id FROM stored);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER usage_records_rollups AFTER INSERT ON usage_records
  REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION usage_records_add_to_rollups();

-- Directory changes alter query results too (names, membership): they bump the
-- version as well, after the same lock, so the two triggers lock in one order.
CREATE FUNCTION directory_versions_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('usage-rollups:' || w, 0))
  FROM (SELECT DISTINCT workspace_id AS w FROM changed ORDER BY 1) t;
  UPDATE workspaces SET data_version = data_version + 1 WHERE id IN (SELECT workspace_id FROM changed);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER directory_versions_inserted AFTER INSERT ON directory_versions
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION directory_versions_bump_data_version();
CREATE TRIGGER directory_versions_updated AFTER UPDATE ON directory_versions
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION directory_versions_bump_data_version();

-- Recomputes one workspace's rollups from its records (bulk loads with the
-- trigger disabled, repairs): the trigger's grouping, over usage_records.
CREATE FUNCTION usage_rollups_rebuild(ws text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('usage-rollups:' || ws, 0));
  DELETE FROM usage_daily WHERE workspace_id = ws;
  DELETE FROM usage_daily_models WHERE workspace_id = ws;
  DELETE FROM usage_daily_conversations WHERE workspace_id = ws;

  INSERT INTO usage_daily
  SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, kind, coalesce(user_id, ''), coalesce(api_key_id, ''),
    coalesce(surface::text, ''), coalesce(agent_id, ''), coalesce(project_id, ''), coalesce(action, ''), model, provider,
    source, coalesce(deployment_id, ''), conversation_id IS NOT NULL,
    count(*), sum(prompt_tokens), sum(completion_tokens), sum(cached_prompt_tokens), sum(cache_creation_tokens),
    min(prompt_tokens), max(prompt_tokens), min(completion_tokens), max(completion_tokens), sum(cost_usd), sum(payg_cost_usd)
  FROM usage_records WHERE workspace_id = ws
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14;

  INSERT INTO usage_daily_models
  SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, model, provider, source, coalesce(deployment_id, ''),
    count(*), sum(prompt_tokens), sum(completion_tokens), sum(cached_prompt_tokens), sum(cache_creation_tokens), sum(cost_usd)
  FROM usage_records WHERE workspace_id = ws
  GROUP BY 1, 2, 3, 4, 5, 6;

  INSERT INTO usage_daily_conversations
  SELECT DISTINCT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, agent_id, conversation_id
  FROM usage_records WHERE workspace_id = ws
    AND kind = 'message' AND surface = 'agent' AND agent_id IS NOT NULL AND conversation_id IS NOT NULL;

  UPDATE workspaces SET data_version = data_version + 1 WHERE id = ws;
END
$fn$;

-- Backfill: the records stored before this migration.
SELECT usage_rollups_rebuild(ws) FROM (SELECT DISTINCT workspace_id AS ws FROM usage_records) t;
