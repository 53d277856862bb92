import type { Database } from "../../db/client.ts";
import { badRequest } from "../../errors/app-error.ts";
import { normalizeModelName, reloadModelNameRules } from "../shared/model-names.ts";

/** As ingestion allows for `model`: the rollups' btree key holds it. */
const MAX_MODEL_BYTES = 255;

interface ModelRename {
  /** The model name as the platform sent it (usage_records.model_raw). */
  raw: string;
  /** Its normalized name before, and with the current rules. */
  from: string;
  to: string;
  records: number;
}

export interface RenormalizeResult {
  /** Usage records whose normalized model name changed. */
  changed: number;
  renamed: ModelRename[];
}

/**
 * Recomputes a workspace's normalized model names from the raw names kept
 * beside them, with the rules file as it is now, and rebuilds the rollups
 * (which group by the normalized name) in the same transaction: queries see
 * either the old names everywhere or the new ones everywhere. The rollup lock
 * is taken first, so ingestion into the workspace waits rather than adding
 * rows between the update and the rebuild.
 */
export async function renormalizeModels(db: Database, workspaceId: string): Promise<RenormalizeResult> {
  reloadModelNameRules();
  return db.inRawTransaction(async (session) => {
    await session.query(`select pg_advisory_xact_lock(hashtextextended('usage-rollups:' || $1, 0))`, [workspaceId]);
    // Few distinct pairs (a workspace uses dozens of model names), so the rules run here, once per raw name.
    const pairs = await session.query<{ raw: string; model: string; records: number }>(
      `select model_raw as raw, model, count(*)::int as records from usage_records
      where workspace_id = $1 group by model_raw, model order by model_raw, model`,
      [workspaceId],
    );
    const renamed = pairs.flatMap((p) => {
      const to = normalizeModelName(p.raw);
      return to === p.model ? [] : [{ raw: p.raw, from: p.model, to, records: p.records }];
    });
    const tooLong = renamed.filter((r) => Buffer.byteLength(r.to) > MAX_MODEL_BYTES);
    if (tooLong.length > 0)
      throw badRequest(tooLong.map((r) => `the rules turn model "${r.raw}" into a name over ${MAX_MODEL_BYTES} bytes`));
    if (renamed.length === 0) return { changed: 0, renamed };
    const [updated] = await session.query<{ n: number }>(
      `with changed as (
        update usage_records u set model = m.to_model
        from json_to_recordset($2::json) as m(raw text, to_model text)
        where u.workspace_id = $1 and u.model_raw = m.raw and u.model is distinct from m.to_model
        returning 1
      )
      select count(*)::int as n from changed`,
      [workspaceId, JSON.stringify([...new Map(renamed.map((r) => [r.raw, { raw: r.raw, to_model: r.to }])).values()])],
    );
    // Usage records are otherwise never updated: the rollup trigger fires on insert only.
    await session.query(`select usage_rollups_rebuild($1)::text`, [workspaceId]);
    return { changed: updated?.n ?? 0, renamed };
  });
}
