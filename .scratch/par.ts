import pg from "pg";
import { DateTime } from "luxon";
import { agentUsage } from "../src/usage/agents/query.ts";
import { userUsage } from "../src/usage/users/query.ts";
import { resolvePeriod } from "../src/periods/period.ts";
// @ts-ignore
import { prepareValue } from "pg/lib/utils.js";
import { Prisma } from "../src/generated/prisma/client.ts";

const url = "postgresql://postgres@127.0.0.1:5432/usage_bench";
const c = new pg.Client({ connectionString: url, options: "-c jit=off -c work_mem=64MB" });
await c.connect();
const ws = { id: "bench" };
await c.query("create or replace function usage_rows(sql text) returns setof record language plpgsql as $f$ begin return query execute sql; end $f$");
const today = DateTime.now().setZone("UTC").startOf("day");
const tz = process.argv[2] === "users" ? "America/New_York" : "UTC";
const days = Number(process.argv[3] ?? 365);
const period = resolvePeriod({ date: (days >= 365 ? today.minus({ months: 12 }) : today.minus({ days })).toISODate(), timezone: tz }, { date: today.minus({ days: 1 }).toISODate(), timezone: tz }, new Date());
// grab the sql function by calling read with a fake db
let q: Prisma.Sql | null = null;
await (process.argv[2] === "users" ? userUsage : agentUsage).read({ read: async (s: Prisma.Sql) => { q = s; return []; } } as any, { workspace: { id: ws.id, userLevelData: true, byok: true }, period, groupBy: process.argv[2] === "users" ? null : "model" });
const query = q!;
const t = async (label: string, fn: () => Promise<number>) => { const s = performance.now(); const n = await fn(); console.log(label, n, Math.round(performance.now() - s), "ms"); };
for (let i = 0; i < 0; i++) {
await t("plain", async () => (await c.query(query.text, query.values)).rowCount ?? 0);
await t("cursor", async () => { await c.query("begin isolation level repeatable read read only"); await c.query(`declare x no scroll cursor for ${query.text}`, query.values); let n = 0; for (;;) { const r = await c.query("fetch 1000 from x"); if (!r.rowCount) break; n += r.rowCount; } await c.query("commit"); return n; });
const inlined = query.text.replace(/\$(\d+)/g, (_, i) => { const v = query.values[Number(i) - 1]; const p = prepareValue(v); return p === null ? "NULL" : c.escapeLiteral(String(p)); });
await t("fn-cursor", async () => {
  await c.query("begin isolation level repeatable read read only");
  const f = await c.query(`select * from (${query.text}) q limit 0`, query.values);
  const types = (await c.query("select format_type(o, m) as t from unnest($1::oid[], $2::int[]) with ordinality as u(o, m, i) order by i", [f.fields.map((x) => x.dataTypeID), f.fields.map((x) => x.dataTypeModifier)])).rows.map((r) => r.t);
  const defs = f.fields.map((x, i) => `${c.escapeIdentifier(x.name)} ${types[i]}`).join(", ");
  await c.query(`declare x no scroll cursor for select * from usage_rows($1) as t(${defs})`, [inlined]);
  let n = 0; for (;;) { const r = await c.query("fetch 1000 from x"); if (!r.rowCount) break; n += r.rowCount; } await c.query("commit"); return n; });
}
await c.end();
console.log(query.values.map((v) => (v instanceof Date ? "Date" : Array.isArray(v) ? "array" : typeof v)).join(","));
