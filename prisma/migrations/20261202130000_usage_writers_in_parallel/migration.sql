-- Writers of one workspace store usage side by side instead of taking turns
-- (src/ingest/store-usage.ts): the workspace's usage lock becomes a shared lock
-- for writers; the rollup rebuild, the key rebuild and the model renormalization
-- still take it exclusively, so they wait for every writer and hold off new ones.
--
-- Two writers holding the same rows now meet on row and key locks instead, so
-- every writer takes them in one order: its usage_records rows (the service
-- sorts a batch by key), then its record keys (sorted here), then the rollup rows
-- (grouped and sorted, as before), then its directory versions (sorted by the
-- service), and the workspace row (data_version) last. Two settings, local to a
-- transaction, let the service keep that order:
--   usage_exports.data_version_by_caller = on: the triggers leave data_version
--     alone; the caller bumps it once, as its transaction's last write (a bump in
--     the usage trigger would lock the workspace row before the directory rows).
--   usage_exports.keys_claimed = on: the usage trigger adds no record keys; the
--     caller has claimed them itself (the fallback for batches holding stored ids).
-- Any other writer (a bulk COPY, a test fixture) sets neither and gets the
-- behaviour of before: keys added, data_version bumped by the triggers.

-- The triggers' data_version bump, and the one rule about it: a writer that set
-- usage_exports.data_version_by_caller bumps it itself, last.
CREATE FUNCTION workspaces_bump_data_version(ids text[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF coalesce(current_setting('usage_exports.data_version_by_caller', true), '') <> 'on' THEN
    UPDATE workspaces SET data_version = data_version + 1 WHERE id = ANY (ids);
  END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION usage_records_add_to_rollups() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('usage-rollups:' || w, 0))
  FROM (SELECT DISTINCT workspace_id AS w FROM stored ORDER BY 1) t;

  IF coalesce(current_setting('usage_exports.keys_claimed', true), '') <> 'on' THEN
    INSERT INTO usage_record_keys (workspace_id, kind, id, occurred_at)
    SELECT workspace_id, kind, id, occurred_at FROM stored
    ORDER BY workspace_id, kind, id;
  END IF;

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

  PERFORM workspaces_bump_data_version(ARRAY(SELECT DISTINCT workspace_id FROM stored));
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION directory_versions_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('usage-rollups:' || w, 0))
  FROM (SELECT DISTINCT workspace_id AS w FROM changed ORDER BY 1) t;
  PERFORM workspaces_bump_data_version(ARRAY(SELECT DISTINCT workspace_id FROM changed));
  RETURN NULL;
END
$fn$;

-- Writers creating the same missing month at once: the second waited for the
-- first's advisory lock, then looked the partition up again with to_regclass,
-- which reads the catalog as of before the wait (a plain advisory lock brings no
-- catalog news), missed the first writer's table and failed on CREATE TABLE.
-- The creator now simply tries, and a table that exists by then is the other's.
CREATE OR REPLACE FUNCTION usage_partitions_ensure(months date[]) RETURNS void LANGUAGE plpgsql AS $fn$
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
          BEGIN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', part, parent);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lower_bound, upper_bound);
          EXCEPTION WHEN duplicate_table OR unique_violation THEN
            -- Created and attached by a writer that committed while this one waited.
          END;
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
