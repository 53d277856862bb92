-- Usage tables partitioned by UTC month (SPEC §12): usage_records on occurred_at,
-- the rollups on day, one partition per table and month, all named
-- <table>_pYYYYMM. A record's month and its rollup rows' month are the same UTC
-- month, so a month is created (usage_partitions_ensure, below) and dropped
-- (src/usage/partitions/retention.ts) as the four tables together, and
-- retention drops whole tables instead of deleting rows.
--
-- PostgreSQL requires a partitioned table's unique keys to include the
-- partition column, so "a usage record id is stored once, whatever its
-- occurredAt" (SPEC §7) can no longer be a key of usage_records. It is kept by
-- usage_record_keys, a plain table holding every stored (workspace_id, kind,
-- id), which the rollup trigger fills in the statement that stores the records.
-- usage_records' own primary key now leads with (workspace_id, occurred_at), so
-- it also serves the period-edge reads the (workspace_id, occurred_at) index
-- served: a stored record costs one index entry there plus one in
-- usage_record_keys, as it cost two before.

-- 1. The unpartitioned tables step aside: their keys, indexes and trigger go now,
--    so the new tables take the same names; their rows are copied below.
ALTER TABLE "usage_records" RENAME TO "usage_records_unpartitioned";
DROP TRIGGER "usage_records_rollups" ON "usage_records_unpartitioned";
ALTER TABLE "usage_records_unpartitioned" DROP CONSTRAINT "usage_records_pkey";
DROP INDEX "usage_records_workspace_id_occurred_at_idx";
ALTER TABLE "usage_daily" RENAME TO "usage_daily_unpartitioned";
ALTER TABLE "usage_daily_unpartitioned" DROP CONSTRAINT "usage_daily_pkey";
ALTER TABLE "usage_daily_models" RENAME TO "usage_daily_models_unpartitioned";
ALTER TABLE "usage_daily_models_unpartitioned" DROP CONSTRAINT "usage_daily_models_pkey";
ALTER TABLE "usage_daily_conversations" RENAME TO "usage_daily_conversations_unpartitioned";
ALTER TABLE "usage_daily_conversations_unpartitioned" DROP CONSTRAINT "usage_daily_conversations_pkey";

-- 2. The partitioned tables: the same columns in the same order.
CREATE TABLE "usage_records" (
    "workspace_id" TEXT NOT NULL,
    "kind" "usage_kind" NOT NULL,
    "id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "user_id" TEXT,
    "api_key_id" TEXT,
    "surface" "surface",
    "agent_id" TEXT,
    "project_id" TEXT,
    "conversation_id" TEXT,
    "action" TEXT,
    "model" TEXT NOT NULL,
    "model_raw" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "deployment_id" TEXT,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "cached_prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_creation_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(20,9) NOT NULL DEFAULT 0,
    "payg_cost_usd" DECIMAL(20,9) NOT NULL DEFAULT 0,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_records_pkey" PRIMARY KEY ("workspace_id","occurred_at","kind","id")
) PARTITION BY RANGE ("occurred_at");

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
) PARTITION BY RANGE ("day");

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
) PARTITION BY RANGE ("day");

CREATE TABLE "usage_daily_conversations" (
    "workspace_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "agent_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,

    CONSTRAINT "usage_daily_conversations_pkey" PRIMARY KEY ("workspace_id","day","agent_id","conversation_id")
) PARTITION BY RANGE ("day");

-- Every stored usage record's id, once. occurred_at is the record's: retention
-- deletes the keys of the months it drops by it.
CREATE TABLE "usage_record_keys" (
    "workspace_id" TEXT NOT NULL,
    "kind" "usage_kind" NOT NULL,
    "id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "usage_record_keys_pkey" PRIMARY KEY ("workspace_id","kind","id")
);

CREATE INDEX "usage_record_keys_occurred_at_idx" ON "usage_record_keys"("occurred_at");

-- 3. Partitions. Makes sure the four tables have a partition for each month
-- given (any day of it) and locks them (ROW EXCLUSIVE, as an insert would), so
-- that retention cannot drop them before this transaction ends: a writer calls
-- it first, and a record for a month never seen before is stored like any
-- other. A partition is created as a plain table and then attached, which
-- takes SHARE UPDATE EXCLUSIVE on the parent (CREATE TABLE … PARTITION OF
-- would take ACCESS EXCLUSIVE, waiting for every running read); attaching an
-- empty table checks nothing. There is no DEFAULT partition: every attach
-- would have to lock and scan it. Creators take turns (advisory lock), and the
-- lock waits for the creator's commit, so two writers never create the same
-- month; months that exist take no lock at all. Parents are locked before their
-- partitions, as DROP TABLE of a partition locks them, so a writer and the
-- retention job wait for each other instead of deadlocking.
CREATE FUNCTION usage_partitions_ensure(months date[]) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  parent text;
  first_day date;
  part text;
  lower_bound text;
  upper_bound text;
BEGIN
  FOREACH parent IN ARRAY ARRAY['usage_records', 'usage_daily', 'usage_daily_models', 'usage_daily_conversations'] LOOP
    EXECUTE format('LOCK TABLE ONLY %I IN ROW EXCLUSIVE MODE', parent);
    FOR first_day IN SELECT DISTINCT date_trunc('month', m)::date FROM unnest(months) m ORDER BY 1 LOOP
      part := parent || '_p' || to_char(first_day, 'YYYYMM');
      -- Bounds as text: a date for the rollups, midnight UTC for occurred_at.
      lower_bound := to_char(first_day, 'YYYY-MM-DD');
      upper_bound := to_char((first_day + interval '1 month')::date, 'YYYY-MM-DD');
      IF parent = 'usage_records' THEN
        lower_bound := lower_bound || ' 00:00:00+00';
        upper_bound := upper_bound || ' 00:00:00+00';
      END IF;
      LOOP
        IF to_regclass(part) IS NULL THEN
          PERFORM pg_advisory_xact_lock(hashtextextended('usage-partitions', 0));
          IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', part, parent);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lower_bound, upper_bound);
          END IF;
        END IF;
        BEGIN
          EXECUTE format('LOCK TABLE %I IN ROW EXCLUSIVE MODE', part);
          EXIT;
        EXCEPTION WHEN undefined_table THEN
          -- Dropped by retention since it was looked up: create it again.
        END;
      END LOOP;
    END LOOP;
  END LOOP;
END
$fn$;

-- The months of the data, and this month and the next two (the job in
-- src/jobs/create-usage-partitions.ts keeps that many ahead).
SELECT usage_partitions_ensure(ARRAY(
  SELECT DISTINCT date_trunc('month', "occurred_at" AT TIME ZONE 'UTC')::date FROM "usage_records_unpartitioned"
  UNION SELECT DISTINCT date_trunc('month', "day")::date FROM "usage_daily_unpartitioned"
  UNION SELECT DISTINCT date_trunc('month', "day")::date FROM "usage_daily_models_unpartitioned"
  UNION SELECT DISTINCT date_trunc('month', "day")::date FROM "usage_daily_conversations_unpartitioned"
  UNION SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => n))::date FROM generate_series(0, 2) n
));

-- 4. The rows. One INSERT … SELECT per table routes each row to its month's
-- partition in one pass over the old table, keeping the rows' order; a loop of
-- one INSERT per month would read the whole old table once per month (no index
-- leads with the month), and the migration is one transaction either way. The
-- rollups are copied as they are (the trigger is not there yet), not rebuilt.
INSERT INTO "usage_records" SELECT * FROM "usage_records_unpartitioned";
INSERT INTO "usage_record_keys" ("workspace_id", "kind", "id", "occurred_at")
  SELECT "workspace_id", "kind", "id", "occurred_at" FROM "usage_records_unpartitioned";
INSERT INTO "usage_daily" SELECT * FROM "usage_daily_unpartitioned";
INSERT INTO "usage_daily_models" SELECT * FROM "usage_daily_models_unpartitioned";
INSERT INTO "usage_daily_conversations" SELECT * FROM "usage_daily_conversations_unpartitioned";

DROP TABLE "usage_records_unpartitioned";
DROP TABLE "usage_daily_unpartitioned";
DROP TABLE "usage_daily_models_unpartitioned";
DROP TABLE "usage_daily_conversations_unpartitioned";

-- 5. The rollup trigger, as before, plus the record keys. A statement storing an
-- id already stored (in any month) fails with a unique violation on
-- usage_record_keys before any rollup changes; writers then store the batch
-- without the ids already stored (src/ingest/store-usage.ts).
CREATE OR REPLACE FUNCTION usage_records_add_to_rollups() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('usage-rollups:' || w, 0))
  FROM (SELECT DISTINCT workspace_id AS w FROM stored ORDER BY 1) t;

  INSERT INTO usage_record_keys (workspace_id, kind, id, occurred_at)
  SELECT workspace_id, kind, id, occurred_at FROM stored;

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

-- A deleted record's id goes with it (a clean-up, a benchmark's scratch
-- workspace), so it can be stored again. Rollups are not adjusted: whatever
-- deletes records rebuilds them (usage_rollups_rebuild). Retention drops
-- partitions, which fires no trigger, and deletes the keys itself.
CREATE FUNCTION usage_records_forget_keys() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM usage_record_keys k USING removed r
  WHERE k.workspace_id = r.workspace_id AND k.kind = r.kind AND k.id = r.id AND k.occurred_at = r.occurred_at;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER usage_records_keys_deleted AFTER DELETE ON usage_records
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION usage_records_forget_keys();

-- Rebuilds a workspace's keys from its records, for loads that bypassed the
-- trigger (session_replication_role = replica) and as a repair: called with the
-- rollup rebuild by src/usage/rollups/rebuild-rollups.ts. Should the records
-- hold an id twice (a load that bypassed the trigger), its key is the earliest.
CREATE FUNCTION usage_record_keys_rebuild(ws text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('usage-rollups:' || ws, 0));
  DELETE FROM usage_record_keys WHERE workspace_id = ws;
  INSERT INTO usage_record_keys (workspace_id, kind, id, occurred_at)
  SELECT DISTINCT ON (kind, id) workspace_id, kind, id, occurred_at
  FROM usage_records WHERE workspace_id = ws
  ORDER BY kind, id, occurred_at;
END
$fn$;
