import { AppError } from "../errors/app-error.ts";
import { requireCapability } from "../auth/permissions.ts";
import type { Period } from "../periods/period.ts";
import { resolvePeriodRequest, type PeriodRequest } from "../periods/period-request.ts";
import { readUsage } from "../usage/read-usage.ts";
import { DATA_TYPE_SLICES, type RowOf } from "../usage/registry.ts";
import type { Column, KeyCount } from "../usage/shared/column.ts";
import type { DataType, GroupBy } from "../usage/shared/data-types.ts";
import { builder } from "./builder.ts";
import { PeriodInput, PeriodRef } from "./period.ts";

/** A row together with the columns this request may see (BYOK, privacy, grouping). */
interface UsageNode<Row> {
  row: Row;
  visible: ReadonlySet<string>;
}

interface UsagePage<Row> {
  nodes: UsageNode<Row>[];
  totalCount: number;
  columns: string[];
  period: Period;
  offset: number;
}

export const KeyCountRef = builder.objectRef<KeyCount>("KeyCount").implement({
  description: "One entry of a breakdown: a key (agent, project, model or action) and its message count.",
  fields: (t) => ({ key: t.exposeString("key"), count: t.expose("count", { type: "SafeInt" }) }),
});

/**
 * The `int` columns that do not sum records, so stay `Int`: ranks and counts of
 * distinct users, agents, projects and actions are bounded by the workspace's
 * directory, distinct conversations by one agent's messages (a record each: the
 * largest data set seen holds 10^7 a year), and per-request min/max by one
 * record's 2^31 − 1 (ingestion's limit). Every other `int` column sums records (tokens, messages, requests) and
 * is `SafeInt`, so a column added later is safe unless listed here.
 */
const NOT_SUMS = new Set([
  "messages_total_rank", "messages_chat_rank", "messages_assistants_rank", "messages_projects_rank",
  "assistants_messaged", "projects_messaged", "action_messaged",
  "unique_users", "active_users", "conversations",
  "min_prompt_tokens", "max_prompt_tokens", "min_completion_tokens", "max_completion_tokens",
]);
for (const name of NOT_SUMS) {
  const found = Object.values(DATA_TYPE_SLICES).some((slice) => slice.columns.some((c: Pick<Column<object>, "name" | "kind">) => c.name === name && c.kind === "int"));
  if (!found) throw new Error(`NOT_SUMS names ${name}, which is no int column`);
}
/** The GraphQL scalar of an `int` column: the one place its type is decided, for every data type. */
const intScalar = (c: Pick<Column<object>, "name">): "Int" | "SafeInt" => (NOT_SUMS.has(c.name) ? "Int" : "SafeInt");

const PageInfoRef = builder.objectRef<{ hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null }>("PageInfo").implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean("hasNextPage"),
    hasPreviousPage: t.exposeBoolean("hasPreviousPage"),
    endCursor: t.exposeString("endCursor", { nullable: true }),
  }),
});

const OrderDirection = builder.enumType("OrderDirection", { values: ["ASC", "DESC"] as const });

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
const cursorOf = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64url");
function offsetOf(cursor: string | null | undefined): number {
  if (!cursor) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!m) throw new AppError("BAD_REQUEST", "after: not a cursor returned by this API");
  return Number(m[1]) + 1;
}

/** The query's arguments (the groupBy argument exists only where the type has subgroups). */
interface UsageArgs<Row> {
  period: PeriodRequest;
  groupBy?: GroupBy | null;
  orderBy?: { field: keyof Row & string; direction: "ASC" | "DESC" } | null;
  first?: number | null;
  after?: string | null;
}

const gqlName = (column: string) => column.toUpperCase();
const SORTABLE = new Set(["int", "money", "average", "ratio"]);

/**
 * Declares `<queryName>(period, groupBy, orderBy, first, after)` returning a page of
 * typed rows whose fields are the data type's CSV columns: same rows, same
 * columns, same visibility rules as the export of the same request.
 */
export function defineUsageQuery<T extends DataType>(
  type: T,
  opts: { queryName: string; typeName: string; description: string; groupBy?: Record<string, GroupBy> },
) {
  type Row = RowOf[T];
  const columns = DATA_TYPE_SLICES[type].columns as readonly Column<Row>[];

  const NodeRef = builder.objectRef<UsageNode<Row>>(opts.typeName).implement({
    description: opts.description,
    fields: (t) =>
      Object.fromEntries(
        columns.map((c) => {
          const always = !c.byok && !c.personal && !c.ungroupedOnly && !c.subgroup;
          const nullable = !(always && (c.kind === "int" || c.kind === "money" || c.kind === "bool"));
          const value = (n: UsageNode<Row>) => (n.visible.has(c.name) ? (n.row[c.field] as unknown) : null);
          const description = `\`${c.name}\`: ${c.description}`;
          // Typed as nullable for Pothos; fields marked non-null are always visible and never null.
          const common = { description, nullable: nullable as true };
          switch (c.kind) {
            case "int":
              return [c.field, t.field({ ...common, type: intScalar(c), resolve: (n) => value(n) as number | null })];
            case "bool":
              return [c.field, t.boolean({ ...common, resolve: (n) => value(n) as boolean | null })];
            case "money":
              return [c.field, t.field({ ...common, type: "Decimal", resolve: (n) => moneyValue(value(n), nullable) })];
            case "average":
            case "ratio":
              return [c.field, t.field({ ...common, type: "Decimal", resolve: (n) => value(n) as string | null })];
            case "date":
              return [c.field, t.field({ ...common, type: "Date", resolve: (n) => value(n) as string | null })];
            case "json":
              return [c.field, t.field({ ...common, type: [KeyCountRef], resolve: (n) => value(n) as KeyCount[] | null })];
            case "text":
              return [c.field, t.string({ ...common, resolve: (n) => value(n) as string | null })];
          }
        }),
      ),
  });

  const sortable = columns.filter((c) => SORTABLE.has(c.kind) || columns.indexOf(c) === 3);
  const OrderField = builder.enumType(`${opts.typeName}OrderField`, {
    values: Object.fromEntries(sortable.map((c) => [gqlName(c.name), { value: c.field, description: c.description }])),
  });
  const OrderInput = builder.inputType(`${opts.typeName}Order`, {
    fields: (t) => ({
      field: t.field({ type: OrderField, required: true }),
      direction: t.field({ type: OrderDirection, defaultValue: "DESC", required: true }),
    }),
  });
  const GroupByEnum = opts.groupBy
    ? builder.enumType(`${opts.typeName}GroupBy`, {
        values: Object.fromEntries(Object.entries(opts.groupBy).map(([k, v]) => [k, { value: v }])),
      })
    : null;

  const PageRef = builder.objectRef<UsagePage<Row>>(`${opts.typeName}Page`).implement({
    fields: (t) => ({
      // The query field already multiplies by the page size.
      nodes: t.field({ type: [NodeRef], complexity: { field: 1, multiplier: 1 }, resolve: (p) => p.nodes }),
      totalCount: t.exposeInt("totalCount"),
      columns: t.exposeStringList("columns", { description: "The CSV header of the same export request." }),
      period: t.field({ type: PeriodRef, resolve: (p) => p.period }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (p) => ({
          hasNextPage: p.offset + p.nodes.length < p.totalCount,
          hasPreviousPage: p.offset > 0,
          endCursor: p.nodes.length > 0 ? cursorOf(p.offset + p.nodes.length - 1) : null,
        }),
      }),
    }),
  });

  builder.queryField(opts.queryName, (t) =>
    t.field({
      type: PageRef,
      description: opts.description,
      errors: {},
      args: {
        period: t.arg({ type: PeriodInput, required: true }),
        ...(GroupByEnum ? { groupBy: t.arg({ type: GroupByEnum }) } : {}),
        orderBy: t.arg({ type: OrderInput }),
        first: t.arg.int({ description: `Page size, at most ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
        after: t.arg.string(),
      },
      complexity: (args) => ({ field: 1, multiplier: Math.min(Number(args.first ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE) }),
      resolve: async (_root, rawArgs, ctx) => {
        const args = rawArgs as unknown as UsageArgs<Row>;
        requireCapability(ctx.key, "query");
        const first = args.first ?? DEFAULT_PAGE_SIZE;
        if (first < 0 || first > MAX_PAGE_SIZE) throw new AppError("BAD_REQUEST", `first: must be between 0 and ${MAX_PAGE_SIZE}`);
        const period = resolvePeriodRequest(args.period, ctx.workspace, ctx.app.now());
        const groupBy = args.groupBy ?? null;
        const usage = await readUsage(ctx.app, { workspace: ctx.workspace, dataType: type, period, groupBy });
        const visibleColumns = usage.columns;
        const rows = await usage.rows(args.orderBy);
        const offset = offsetOf(args.after);
        const visible = new Set(visibleColumns.map((c) => c.name));
        return {
          nodes: rows.slice(offset, offset + first).map((row) => ({ row, visible })),
          totalCount: rows.length,
          columns: visibleColumns.map((c) => c.name),
          period,
          offset,
        };
      },
    }),
  );
}

/** Money that is always present reads 0 when unset, as in the CSV; hidden money is null. */
function moneyValue(v: unknown, nullable: boolean): string | null {
  if (v === null || v === undefined) return nullable ? null : "0";
  const text = String(v);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}
