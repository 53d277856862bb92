import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import type { Column } from "../../src/exports/columns/column.ts";
import { createExport } from "../../src/exports/create-export.ts";
import { formatCell, type CellValue } from "../../src/exports/format-cell.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { USAGE_REPORTS } from "../../src/usage/reports.ts";
import type { DataType } from "../../src/usage/data-types.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
const url = await startTestServer(app);
await createSmallWorkspace(db, { id: "ws_a", byok: true, userLevelData: true });
await createSmallWorkspace(db, { id: "ws_b", byok: false, userLevelData: false });
const keys = {
  ws_a: (await createAccessKey(db, { workspaceId: "ws_a", role: "export" })).apiKey,
  ws_b: (await createAccessKey(db, { workspaceId: "ws_b", role: "export" })).apiKey,
};

const QUERY_NAMES: Record<DataType, string> = {
  users: "userUsage",
  agents: "agentUsage",
  api_keys: "apiKeyUsage",
  projects: "projectUsage",
  models: "modelUsage",
};

function operation(type: DataType, groupBy: string | null): string {
  const columns = USAGE_REPORTS[type].columns as readonly Column<object>[];
  const selection = columns.map((c) => (c.kind === "json" ? `${c.field} { key count }` : c.field)).join(" ");
  const group = groupBy ? `, groupBy: ${groupBy.toUpperCase()}` : "";
  return `query($period: PeriodInput!) {
    ${QUERY_NAMES[type]}(period: $period, first: 200${group}) {
      __typename
      ... on AppError { code message }
      ... on Query${QUERY_NAMES[type][0]!.toUpperCase()}${QUERY_NAMES[type].slice(1)}Success { data { columns totalCount nodes { ${selection} } } }
    }
  }`;
}

const CASES: [DataType, string | null][] = [
  ["users", null], ["users", "model"], ["agents", null], ["agents", "model"], ["projects", null],
  ["api_keys", null], ["api_keys", "model"], ["models", null], ["models", "source"], ["models", "deployment"],
];

describe("GraphQL usage queries and CSV exports give the same numbers", () => {
  for (const workspaceId of ["ws_a", "ws_b"] as const) {
    for (const [type, groupBy] of CASES) {
      if (workspaceId === "ws_b" && groupBy === "deployment") continue;
      test(`${type} grouped by ${groupBy ?? "nothing"} in ${workspaceId}: every visible field equals its CSV cell`, async () => {
        const { body } = await graphql(url, keys[workspaceId], operation(type, groupBy), { period: FIXTURE_PERIOD });
        expect(body.errors).toBeUndefined();
        const page = body.data[QUERY_NAMES[type]].data;
        const columns = (USAGE_REPORTS[type].columns as readonly Column<object>[]).filter((c) => page.columns.includes(c.name));
        const fromGraphql = [
          columns.map((c) => c.name).join(","),
          ...page.nodes.map((n: Record<string, unknown>) => columns.map((c) => csvQuote(formatCell(c.kind, n[c.field as string] as CellValue))).join(",")),
        ];
        const exported = await createExport(app, {
          workspaceId,
          dataType: type,
          period: resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW),
          groupBy,
        });
        const csv = (await readFile(exported.absolutePath, "utf8")).split("\r\n").filter(Boolean);
        expect(fromGraphql).toEqual(csv);
        expect(page.totalCount).toBe(exported.recordCount);
        // Fields outside the export's columns are null, never a value the CSV would not show.
        const hidden = USAGE_REPORTS[type].columns.filter((c) => !page.columns.includes(c.name));
        for (const node of page.nodes) for (const c of hidden) expect(node[c.field], c.field).toBeNull();
      });
    }
  }
});

/** Quotes a cell as RFC 4180 does when needed (the same rule csv-stringify applies). */
function csvQuote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
