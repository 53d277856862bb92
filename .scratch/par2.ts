import pg from "pg";
import { DateTime } from "luxon";
import { userUsage } from "../src/usage/users/query.ts";
import { resolvePeriod } from "../src/periods/period.ts";
import { parallelCursorSource } from "../src/db/parallel-cursor.ts";
const c = new pg.Client({ connectionString: "postgresql://postgres@127.0.0.1:5432/usage_bench", options: "-c jit=off -c work_mem=64MB" });
await c.connect();
const tz = "America/New_York"; const today = DateTime.now().setZone(tz).startOf("day");
const period = resolvePeriod({ date: today.minus({ months: 12 }).toISODate(), timezone: tz }, { date: today.minus({ days: 1 }).toISODate(), timezone: tz }, new Date());
let q: any = null;
await userUsage.read({ read: async (s: any) => { q = s; return []; } } as any, { workspace: { id: "bench", userLevelData: true, byok: true }, period, groupBy: null });
const src = await parallelCursorSource(c, { text: q.text, values: q.values });
const inner = src.values[0] as string;
const t = async (label: string, fn: () => Promise<unknown>) => { const s = performance.now(); await fn(); console.log(label, Math.round(performance.now() - s), "ms"); };
for (let i = 0; i < 2; i++) {
  await t("original plain", () => c.query(q.text, q.values));
  await t("rewritten plain", () => c.query(inner));
  await t("rewritten no-parallel", async () => { await c.query("set max_parallel_workers_per_gather = 0"); await c.query(inner); await c.query("reset max_parallel_workers_per_gather"); });
  await t("function", () => c.query(src.text, src.values));
}
await c.end();
