import { DateTime } from "luxon";
import { openApp } from "../src/app.ts";
import { parseEnv } from "../src/config/env.ts";
import { createExport } from "../src/exports/create-export.ts";
import { resolvePeriod } from "../src/periods/period.ts";
const app = await openApp(parseEnv({ DATA_DIR: "/tmp/exp-data", LOG_LEVEL: "silent", DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/usage_bench" }));
const type = (process.argv[2] ?? "users") as any;
const tz = type === "users" ? "America/New_York" : "UTC";
const today = DateTime.now().setZone(tz).startOf("day");
const days = Number(process.argv[3] ?? 365);
const lm = today.minus({ months: 1 }).startOf("month");
const period = process.env.LASTMONTH ? resolvePeriod({ date: lm.toISODate(), timezone: tz }, { date: lm.endOf("month").toISODate(), timezone: tz }, new Date()) : resolvePeriod({ date: (days >= 365 ? today.minus({ months: 12 }) : today.minus({ days })).toISODate(), timezone: tz }, { date: today.minus({ days: 1 }).toISODate(), timezone: tz }, new Date());
for (let i = 0; i < Number(process.env.N ?? 3); i++) {
  const s = performance.now();
  const r = await createExport(app, { workspaceId: process.env.WS ?? "bench", dataType: type, period, groupBy: type === "agents" ? "model" : null } as any);
  console.log(type, days, r.recordCount, Math.round(performance.now() - s), "ms");
}
await app.close();
