import { resolvePeriodRequest } from "../periods/period-request.ts";
import { readUsage } from "../usage/read-usage.ts";
import { DATA_TYPE_SLICES, type DataTypeSlice, type RowOf } from "../usage/registry.ts";
import type { RowOrder } from "../usage/result-cache.ts";
import type { Column, KeyCount } from "../usage/shared/column.ts";
import type { DataType, GroupBy } from "../usage/shared/data-types.ts";
import { builder } from "./builder.ts";
import { checkPageSizes, cursorOf, pageRange, pageSizeOf } from "./page-range.ts";
import { PeriodInput, PeriodRef } from "./period.ts";
import { FOLLOWS_DATA_VERSION } from "./response-cache-hint.ts";

/** A row together with the columns this request may see (BYOK, privacy, grouping). */
interface UsageNode<Row> {
  row: Row;
  visible: ReadonlySet<string>;
}

const KeyCountRef = builder.objectRef<KeyCount>("KeyCount").implement({
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
  "messages_total_rank",
  "messages_chat_rank",
  "messages_assistants_rank",
  "messages_projects_rank",
  "assistants_messaged",
  "projects_messaged",
  "action_messaged",
  "unique_users",
  "active_users",
  "conversations",
  "min_prompt_tokens",
  "max_prompt_tokens",
  "min_completion_tokens",
  "max_completion_tokens",
]);
for (const name of NOT_SUMS) {
  const found = Object.values(DATA_TYPE_SLICES).some((slice) =>
    slice.columns.some((c: Pick<Column<object>, "name" | "kind">) => c.name === name && c.kind === "int"),
  );
  if (!found) throw new Error(`NOT_SUMS names ${name}, which is no int column`);
}
/** The GraphQL scalar of an `int` column: the one place its type is decided, for every data type. */
const intScalar = (c: Pick<Column<object>, "name">): "Int" | "SafeInt" => (NOT_SUMS.has(c.name) ? "Int" : "SafeInt");

const OrderDirection = builder.enumType("OrderDirection", { values: ["ASC", "DESC"] as const });

const gqlName = (column: string) => column.toUpperCase();
/** Column kinds a page may be ordered by (besides the row's id column). */
const SORTABLE = new Set(["int", "money", "average", "ratio"]);

// A cell as read from the row, checked against its column's kind (rows are typed
// per data type; a column reads one field of it).
const asNumber = (v: unknown) => (typeof v === "number" ? v : null);
const asBoolean = (v: unknown) => (typeof v === "boolean" ? v : null);
const asString = (v: unknown) => (typeof v === "string" ? v : null);
const isKeyCount = (v: unknown): v is KeyCount => typeof v === "object" && v !== null && "key" in v && "count" in v;
const asKeyCounts = (v: unknown) => (Array.isArray(v) && v.every(isKeyCount) ? v : null);

/**
 * Declares `<queryName>(period, groupBy, orderBy, first, after, last, before)`
 * returning a connection of typed rows whose fields are the data type's CSV
 * columns: same rows, same columns, same visibility rules as the export of the
 * same request.
 */
export function defineUsageQuery<T extends DataType>(
  type: T,
  opts: {
    queryName: string;
    typeName: string;
    description: string;
    /** The row's id column: orderable too, although text. */
    idField: keyof RowOf[T] & string;
    groupBy?: Record<string, GroupBy>;
  },
) {
  type Row = RowOf[T];
  const slice: DataTypeSlice<Row> = DATA_TYPE_SLICES[type];
  const columns = slice.columns;

  const NodeRef = builder.objectRef<UsageNode<Row>>(opts.typeName).implement({
    description: opts.description,
    fields: (t) => {
      const fieldOf = (c: Column<Row>) => {
        const description = `\`${c.name}\`: ${c.description}`;
        const cell = (n: UsageNode<Row>): unknown => (n.visible.has(c.name) ? n.row[c.field] : null);
        const always = !c.byok && !c.personal && !c.ungroupedOnly && !c.subgroup;
        if (always && (c.kind === "int" || c.kind === "money" || c.kind === "bool")) {
          // Always visible and never null: non-null, as the cell is never empty in the CSV.
          const present = <V>(v: V | null): V => {
            if (v === null) throw new Error(`${opts.typeName}.${c.field}: no value`);
            return v;
          };
          if (c.kind === "int") return t.field({ description, type: intScalar(c), resolve: (n) => present(asNumber(cell(n))) });
          if (c.kind === "bool") return t.boolean({ description, resolve: (n) => present(asBoolean(cell(n))) });
          return t.field({ description, type: "Decimal", resolve: (n) => decimalText(cell(n)) ?? "0" });
        }
        const common = { description, nullable: true } as const;
        switch (c.kind) {
          case "int":
            return t.field({ ...common, type: intScalar(c), resolve: (n) => asNumber(cell(n)) });
          case "bool":
            return t.boolean({ ...common, resolve: (n) => asBoolean(cell(n)) });
          case "money":
            return t.field({ ...common, type: "Decimal", resolve: (n) => decimalText(cell(n)) });
          case "average":
          case "ratio":
          case "date":
            return t.field({ ...common, type: c.kind === "date" ? "Date" : "Decimal", resolve: (n) => asString(cell(n)) });
          case "json":
            return t.field({ ...common, type: [KeyCountRef], resolve: (n) => asKeyCounts(cell(n)) });
          case "text":
            return t.string({ ...common, resolve: (n) => asString(cell(n)) });
        }
      };
      return Object.fromEntries(columns.map((c) => [c.field, fieldOf(c)]));
    },
  });

  const orderable = columns.filter((c) => SORTABLE.has(c.kind) || c.field === opts.idField);
  const orderFields: Record<string, { value: string; description: string }> = {};
  for (const c of orderable) orderFields[gqlName(c.name)] = { value: c.field, description: c.description };
  /** The row order of an `orderBy` argument (its field is one of `orderable`'s, the enum allows no other). */
  const rowOrder = (order: { field: string; direction: "ASC" | "DESC" } | null | undefined): RowOrder<Row> | null => {
    const column = order ? orderable.find((c) => c.field === order.field) : undefined;
    return order && column ? { field: column.field, direction: order.direction } : null;
  };
  const OrderField = builder.enumType(`${opts.typeName}OrderField`, { values: orderFields });
  const OrderInput = builder.inputType(`${opts.typeName}Order`, {
    fields: (t) => ({
      field: t.field({ type: OrderField, required: true }),
      direction: t.field({ type: OrderDirection, defaultValue: "DESC", required: true }),
    }),
  });
  const groupings: Record<string, { value: GroupBy }> = {};
  for (const [name, value] of Object.entries(opts.groupBy ?? {})) groupings[name] = { value };
  const GroupByEnum = opts.groupBy ? builder.enumType(`${opts.typeName}GroupBy`, { values: groupings }) : null;

  builder.queryField(opts.queryName, (t) =>
    t.connection(
      {
        type: NodeRef,
        description: opts.description,
        errors: {},
        authScopes: { query: true },
        extensions: FOLLOWS_DATA_VERSION,
        args: {
          period: t.arg({ type: PeriodInput, required: true }),
          orderBy: t.arg({ type: OrderInput }),
          // Only where the data type has subgroups.
          ...(GroupByEnum ? { groupBy: t.arg({ type: GroupByEnum }) } : {}),
        },
        complexity: (args) => ({ field: 1, multiplier: pageSizeOf(args) }),
        resolve: async (_root, args, ctx) => {
          checkPageSizes(args);
          const period = resolvePeriodRequest(args.period, ctx.workspace, ctx.app.now());
          const groupBy = ("groupBy" in args ? args.groupBy : null) ?? null;
          const usage = await readUsage(ctx.app, { workspace: ctx.workspace, dataType: type, period, groupBy });
          const rows = await usage.rows(rowOrder(args.orderBy));
          const { start, end } = pageRange(args, rows.length);
          const visible = new Set(usage.columns.map((c) => c.name));
          const edges = rows.slice(start, end).map((row, i) => ({ cursor: cursorOf(start + i), node: { row, visible } }));
          return {
            edges,
            pageInfo: {
              hasNextPage: end < rows.length,
              hasPreviousPage: start > 0,
              startCursor: edges[0]?.cursor ?? null,
              endCursor: edges.at(-1)?.cursor ?? null,
            },
            totalCount: rows.length,
            columns: usage.columns.map((c) => c.name),
            period,
          };
        },
      },
      {
        name: `${opts.typeName}Page`,
        fields: (c) => ({
          totalCount: c.int({ resolve: (p) => p.totalCount }),
          columns: c.stringList({ description: "The CSV header of the same export request.", resolve: (p) => p.columns }),
          period: c.field({ type: PeriodRef, resolve: (p) => p.period }),
        }),
      },
      { name: `${opts.typeName}Edge` },
    ),
  );
}

/** Money as the CSV writes it (no trailing zeros); null when unset or hidden (always-present money reads 0). */
function decimalText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const text = String(v);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}
