/**
 * PGlite runs no autovacuum, so nothing gathers the planner's statistics: it
 * takes every table for nearly empty and joins by nested loops, whose cost grows
 * with the square of the rows (a 4,000-member users export took 20 s instead of
 * 0.2 s). This does what autovacuum's analyze does on PostgreSQL: ANALYZE once
 * the rows written since the last one pass a threshold of 50 plus a tenth of the
 * rows written before (autovacuum_analyze_threshold and _scale_factor's defaults).
 */
export function embeddedAnalyze(exec: (sql: string) => Promise<void>) {
  let total = 0;
  let pending = 0;
  return {
    async wrote(rows: number): Promise<void> {
      pending += rows;
      if (pending < ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR * total) return;
      total += pending;
      pending = 0;
      await exec("analyze");
    },
  };
}

const ANALYZE_THRESHOLD = 50;
const ANALYZE_SCALE_FACTOR = 0.1;
