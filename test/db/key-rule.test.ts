import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { Database } from "../../src/db/client.ts";
import { citusDdl, DISTRIBUTED_TABLES, DISTRIBUTION_COLUMN, LOCAL_TABLES, REFERENCE_TABLES } from "../../src/db/distribution.ts";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { getDatamodel } from "../../src/generated/pothos-types.ts";
import { testDatabase } from "../helpers/database.ts";

// The rule that keeps the schema ready for a distributed PostgreSQL (docs/scale-out.md):
// every table is placed once in src/db/distribution.ts; every primary key and unique
// index of a distributed table leads with workspace_id; foreign keys are ones Citus
// accepts. Checked on the migrated database's catalog (migrations, partitioned tables,
// indexes made by hand) and on the Prisma schema.

/** A table as the rule sees it. Partitions are left out: their keys and foreign keys are their parent's. */
interface TableShape {
  name: string;
  /** The primary key and every unique index, each as its columns in order ("(expression)" for one). */
  uniqueKeys: { name: string; columns: readonly string[] }[];
  foreignKeys: ForeignKey[];
}

interface ForeignKey {
  name: string;
  columns: string[];
  references: string;
  referencedColumns: string[];
  /** pg_constraint's action codes: a no action, r restrict, c cascade, n set null, d set default. */
  onUpdate: string;
  onDelete: string;
}

type Placement = "distributed" | "reference" | "local";
const PLACEMENTS: [Placement, readonly string[]][] = [
  ["distributed", DISTRIBUTED_TABLES],
  ["reference", REFERENCE_TABLES],
  ["local", LOCAL_TABLES],
];

/** Everything that breaks the rule, one sentence each (none: the schema is ready). */
function placementProblems(tables: TableShape[], placements = PLACEMENTS, column = DISTRIBUTION_COLUMN): string[] {
  const problems: string[] = [];
  const placed = new Map<string, Placement>();
  for (const [placement, names] of placements)
    for (const name of names) {
      if (placed.has(name)) problems.push(`${name} is placed twice (${placed.get(name)} and ${placement})`);
      else placed.set(name, placement);
    }
  const present = new Set(tables.map((t) => t.name));
  for (const name of placed.keys()) if (!present.has(name)) problems.push(`${name} is placed but is not in the database`);
  for (const table of tables) {
    const placement = placed.get(table.name);
    if (!placement) {
      problems.push(`${table.name} is not placed in src/db/distribution.ts`);
      continue;
    }
    if (placement === "distributed") problems.push(...keyProblems(table, column));
    for (const fk of table.foreignKeys) problems.push(...foreignKeyProblems(table.name, placement, fk, placed.get(fk.references), column));
  }
  return problems;
}

/** The keys of a distributed table that do not lead with the distribution column. */
const keyProblems = (table: TableShape, column: string) =>
  table.uniqueKeys
    .filter((key) => key.columns[0] !== column)
    .map((key) => `${table.name}: ${key.name} (${key.columns.join(", ")}) does not lead with ${column}`);

/** Citus's rules for a foreign key (and this schema's: a distributed table's leads with the distribution column). */
function foreignKeyProblems(table: string, from: Placement, fk: ForeignKey, to: Placement | undefined, column: string): string[] {
  const where = `${table}: ${fk.name} (to ${fk.references})`;
  if (from === "local" || to === "local") return [`${where} involves a local table`];
  if (from === "reference") return to === "reference" ? [] : [`${where} goes from a reference table to a distributed one`];
  const problems: string[] = [];
  if (to === "distributed" && (fk.columns[0] !== column || fk.referencedColumns[0] !== column))
    problems.push(`${where} does not pair ${column} with ${column} first`);
  // Moving a row to another shard is refused, so no action may change the distribution column.
  if (fk.columns.includes(column) && ["c", "n", "d"].includes(fk.onUpdate)) problems.push(`${where} changes ${column} on update`);
  if (fk.columns.includes(column) && ["n", "d"].includes(fk.onDelete)) problems.push(`${where} changes ${column} on delete`);
  return problems;
}

describe("the checker", () => {
  const key = (name: string, ...columns: string[]) => ({ name, columns });
  const fk = (name: string, references: string, columns: string[], referencedColumns: string[], onUpdate = "a", onDelete = "c") => ({
    name,
    columns,
    references,
    referencedColumns,
    onUpdate,
    onDelete,
  });
  const placements: [Placement, readonly string[]][] = [
    ["distributed", ["runs", "subs", "events"]],
    ["reference", ["workspaces", "keys"]],
    ["local", ["limits", "keys"]],
  ];

  test("accepts keys leading with workspace_id and the foreign keys Citus allows", () => {
    const tables: TableShape[] = [
      { name: "workspaces", uniqueKeys: [key("workspaces_pkey", "id")], foreignKeys: [] },
      {
        name: "subs",
        uniqueKeys: [key("subs_pkey", "workspace_id", "id")],
        foreignKeys: [fk("a", "workspaces", ["workspace_id"], ["id"])],
      },
      {
        name: "runs",
        uniqueKeys: [key("runs_pkey", "workspace_id", "id"), key("runs_dedupe", "workspace_id", "dedupe_key")],
        foreignKeys: [fk("b", "subs", ["workspace_id", "sub_id"], ["workspace_id", "id"])],
      },
    ];
    const ok: [Placement, readonly string[]][] = [
      ["distributed", ["subs", "runs"]],
      ["reference", ["workspaces"]],
    ];
    expect(placementProblems(tables, ok)).toEqual([]);
  });

  test("names every broken rule on a fake schema", () => {
    const tables: TableShape[] = [
      { name: "workspaces", uniqueKeys: [key("workspaces_pkey", "id")], foreignKeys: [] },
      {
        name: "runs",
        uniqueKeys: [key("runs_pkey", "id"), key("runs_dedupe", "workspace_id", "dedupe_key"), key("runs_lower", "(expression)")],
        foreignKeys: [
          fk("runs_sub_fkey", "subs", ["sub_id"], ["id"]),
          fk("runs_ws_fkey", "workspaces", ["workspace_id"], ["id"], "c"),
          fk("runs_ws2_fkey", "workspaces", ["workspace_id"], ["id"], "a", "n"),
        ],
      },
      { name: "subs", uniqueKeys: [key("subs_pkey", "workspace_id", "id")], foreignKeys: [] },
      { name: "keys", uniqueKeys: [], foreignKeys: [fk("keys_run_fkey", "runs", ["run_id"], ["id"])] },
      { name: "limits", uniqueKeys: [], foreignKeys: [fk("limits_ws_fkey", "workspaces", ["ws"], ["id"])] },
      { name: "stray", uniqueKeys: [key("stray_pkey", "id")], foreignKeys: [] },
    ];
    expect(placementProblems(tables, placements)).toEqual([
      "keys is placed twice (reference and local)",
      "events is placed but is not in the database",
      "runs: runs_pkey (id) does not lead with workspace_id",
      "runs: runs_lower ((expression)) does not lead with workspace_id",
      "runs: runs_sub_fkey (to subs) does not pair workspace_id with workspace_id first",
      "runs: runs_ws_fkey (to workspaces) changes workspace_id on update",
      "runs: runs_ws2_fkey (to workspaces) changes workspace_id on delete",
      "keys: keys_run_fkey (to runs) goes from a reference table to a distributed one",
      "limits: limits_ws_fkey (to workspaces) involves a local table",
      "stray is not placed in src/db/distribution.ts",
    ]);
  });
});

/** The catalog's tables of the public schema, as the checker reads them. */
async function catalogTables(db: Database): Promise<TableShape[]> {
  const columnsOf = (
    rel: Prisma.Sql,
    keys: Prisma.Sql,
  ) => Prisma.sql`(select string_agg(coalesce(a.attname::text, '(expression)'), ',' order by k.n)
    from unnest(${keys}::int2[]) with ordinality k(attnum, n) left join pg_attribute a on a.attrelid = ${rel} and a.attnum = k.attnum)`;
  const [tables, keys, fks] = await Promise.all([
    db.read<{ name: string }>(Prisma.sql`select c.relname::text as name from pg_class c join pg_namespace s on s.oid = c.relnamespace
      where s.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1`),
    db.read<{ table: string; name: string; columns: string }>(Prisma.sql`select t.relname::text as "table", i.relname::text as name,
        ${columnsOf(Prisma.sql`t.oid`, Prisma.sql`x.indkey`)} as columns
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
      join pg_namespace s on s.oid = t.relnamespace
      where x.indisunique and s.nspname = 'public' and not t.relispartition order by 1, 2`),
    db.read<{ table: string; name: string; columns: string; references: string; referenced: string; on_update: string; on_delete: string }>(
      Prisma.sql`select t.relname::text as "table", c.conname::text as name, r.relname::text as "references",
          ${columnsOf(Prisma.sql`c.conrelid`, Prisma.sql`c.conkey`)} as columns,
          ${columnsOf(Prisma.sql`c.confrelid`, Prisma.sql`c.confkey`)} as referenced,
          c.confupdtype::text as on_update, c.confdeltype::text as on_delete
        from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_class r on r.oid = c.confrelid
        join pg_namespace s on s.oid = t.relnamespace
        where c.contype = 'f' and c.conparentid = 0 and s.nspname = 'public' and not t.relispartition order by 1, 2`,
    ),
  ]);
  return tables.map(({ name }) => ({
    name,
    uniqueKeys: keys.filter((k) => k.table === name).map((k) => ({ name: k.name, columns: k.columns.split(",") })),
    foreignKeys: fks
      .filter((f) => f.table === name)
      .map((f) => ({
        name: f.name,
        columns: f.columns.split(","),
        references: f.references,
        referencedColumns: f.referenced.split(","),
        onUpdate: f.on_update,
        onDelete: f.on_delete,
      })),
  }));
}

const tables = await catalogTables(await testDatabase());

describe("the migrated database", () => {
  test("places every table once, and every key and foreign key of a distributed table is one Citus can keep in a shard", () => {
    expect(placementProblems(tables)).toEqual([]);
  });

  test("is read whole by the checker: the report runs' keys and foreign keys as migrated", () => {
    const runs = tables.find((t) => t.name === "report_runs");
    expect(runs?.uniqueKeys).toEqual([
      { name: "report_runs_pkey", columns: ["workspace_id", "id"] },
      { name: "report_runs_workspace_id_dedupe_key_key", columns: ["workspace_id", "dedupe_key"] },
    ]);
    expect(runs?.foreignKeys).toEqual([
      {
        name: "report_runs_workspace_id_subscription_id_fkey",
        columns: ["workspace_id", "subscription_id"],
        references: "report_subscriptions",
        referencedColumns: ["workspace_id", "id"],
        onUpdate: "a",
        onDelete: "c",
      },
    ]);
  });
});

/** What the check reads of Prisma's data model (src/generated/pothos-types.ts carries it whole). */
type Models = Record<
  string,
  {
    fields: readonly { name: string; isId: boolean; isUnique: boolean }[];
    primaryKey: { fields: readonly string[] } | null;
    uniqueIndexes: readonly { fields: readonly string[] }[];
  }
>;

/** Each model as the table its @@map names, its keys as field names (Prisma's @id/@unique, @@id, @@unique). */
function modelTables(models: Models, schemaText: string): TableShape[] {
  const tableOf = new Map(
    [...schemaText.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)].map(([, m, body]) => [m, /@@map\("([^"]+)"\)/.exec(body!)?.[1]]),
  );
  return Object.entries(models).map(([model, { fields, primaryKey, uniqueIndexes }]) => ({
    name: tableOf.get(model) ?? model,
    uniqueKeys: [
      ...(primaryKey ? [{ name: `${model} @@id`, columns: primaryKey.fields }] : []),
      ...uniqueIndexes.map((u) => ({ name: `${model} @@unique`, columns: u.fields })),
      ...fields
        .filter((f) => f.isId || f.isUnique)
        .map((f) => ({ name: `${model}.${f.name} @${f.isId ? "id" : "unique"}`, columns: [f.name] })),
    ],
    foreignKeys: [],
  }));
}

/** The schema's side of the rule: every model's table placed, and a distributed table's keys leading with workspaceId. */
function schemaProblems(tables: TableShape[]): string[] {
  const placed = new Map(PLACEMENTS.flatMap(([placement, names]) => names.map((n) => [n, placement] as const)));
  return tables.flatMap((t) => {
    const placement = placed.get(t.name);
    if (!placement) return [`${t.name} is not placed in src/db/distribution.ts`];
    return placement === "distributed" ? keyProblems(t, "workspaceId") : [];
  });
}

describe("the Prisma schema", () => {
  const schemaText = readFileSync(new URL("../../prisma/schema.prisma", import.meta.url), "utf8");

  test("places every model's table, and declares every key of a distributed table's model leading with workspaceId", () => {
    const tables = modelTables(getDatamodel().datamodel.models, schemaText);
    expect(tables.map((t) => t.name)).toContain("report_runs");
    expect(schemaProblems(tables)).toEqual([]);
  });

  test("is checked as strictly: a fake model's keys and an unplaced table are named", () => {
    const field = (name: string, isId = false, isUnique = false) => ({ name, isId, isUnique });
    const fake: Models = {
      Run: {
        fields: [field("id", true), field("workspaceId"), field("zipPath", false, true)],
        primaryKey: null,
        uniqueIndexes: [{ fields: ["dedupeKey", "workspaceId"] }],
      },
      Stray: { fields: [field("id", true)], primaryKey: null, uniqueIndexes: [] },
    };
    const text = 'model Run {\n  @@map("report_runs")\n}\nmodel Stray {\n  @@map("strays")\n}\n';
    expect(schemaProblems(modelTables(fake, text))).toEqual([
      "report_runs: Run @@unique (dedupeKey, workspaceId) does not lead with workspaceId",
      "report_runs: Run.id @id (id) does not lead with workspaceId",
      "report_runs: Run.zipPath @unique (zipPath) does not lead with workspaceId",
      "strays is not placed in src/db/distribution.ts",
    ]);
  });
});

test("docs/scale-out.md shows the DDL of src/db/distribution.ts", () => {
  const doc = readFileSync(new URL("../../docs/scale-out.md", import.meta.url), "utf8");
  expect(doc).toContain(`\`\`\`sql\n${citusDdl()}\n\`\`\``);
});
