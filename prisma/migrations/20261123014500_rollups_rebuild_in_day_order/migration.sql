-- A rebuild writes the rollup rows in key order, so one day's rows sit together on
-- disk. Grouped by hash they were spread over the whole table: a month of the
-- 10M-record benchmark touched 58,000 of usage_daily's 70,000 pages instead of
-- about a twelfth of them. Rows the trigger adds arrive in time order anyway.
CREATE OR REPLACE FUNCTION usage_rollups_rebuild(ws text) RETURNS void LANGUAGE plpgsql AS $fn$
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
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
  ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14;

  INSERT INTO usage_daily_models
  SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, model, provider, source, coalesce(deployment_id, ''),
    count(*), sum(prompt_tokens), sum(completion_tokens), sum(cached_prompt_tokens), sum(cache_creation_tokens), sum(cost_usd)
  FROM usage_records WHERE workspace_id = ws
  GROUP BY 1, 2, 3, 4, 5, 6
  ORDER BY 1, 2, 3, 4, 5, 6;

  INSERT INTO usage_daily_conversations
  SELECT DISTINCT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, agent_id, conversation_id
  FROM usage_records WHERE workspace_id = ws
    AND kind = 'message' AND surface = 'agent' AND agent_id IS NOT NULL AND conversation_id IS NOT NULL
  ORDER BY 1, 2, 3, 4;

  UPDATE workspaces SET data_version = data_version + 1 WHERE id = ws;
END
$fn$;
