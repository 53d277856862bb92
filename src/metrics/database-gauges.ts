import { Gauge } from "prom-client";
import type { Database } from "../db/client.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { registry } from "./registry.ts";

/** Runs waiting for a delivery (first try or retry): the age of the oldest due one. */
const oldestDueRun = Prisma.sql`select extract(epoch from now() - min(due_at))::float8 as age
  from report_runs where status in ('pending', 'running') and due_at <= now()`;

/** The database the gauges read at scrape time: the process's app (the last one opened, in tests). */
let observed: Database | null = null;

/** Points the scrape-time gauges at this process's database. */
export function observeDatabase(db: Database): void {
  observed = db;
}

new Gauge({
  name: "db_pool_connections",
  help: "Connections of the PostgreSQL pool by state: total, idle, and clients waiting for one (absent on the embedded database)",
  labelNames: ["state"] as const,
  registers: [registry],
  collect() {
    const pool = observed?.poolStats?.();
    this.reset();
    if (!pool) return;
    this.set({ state: "total" }, pool.total);
    this.set({ state: "idle" }, pool.idle);
    this.set({ state: "waiting" }, pool.waiting);
  },
});

new Gauge({
  name: "report_oldest_due_run_age_seconds",
  help: "Age of the oldest report run that is due and not yet delivered or failed (0 when none): grows when delivery stalls",
  registers: [registry],
  async collect() {
    if (!observed) return;
    // A failing read must not fail the scrape: the gauge keeps its last value, and the pool gauge tells why.
    const rows = await observed.read<{ age: number | null }>(oldestDueRun).catch(() => null);
    if (rows) this.set(Math.max(0, rows[0]?.age ?? 0));
  },
});
