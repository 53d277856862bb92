import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { graphql } from "../helpers/http.ts";
import {
  caseBody,
  caseName,
  csvOf,
  csvText,
  download,
  exportFile,
  kindOf,
  shapeCases,
  startShapeServer,
  type ShapeCase,
} from "./export-shapes.ts";

// `"format": "parquet"` against the CSV of the same request, read back with
// DuckDB (an independent Parquet reader): for every data type name, grouping and
// workspace kind, the same columns with the documented Parquet types, and each
// value, rendered as CSV text, equal to the CSV cell.

const { url, keys } = await startShapeServer();

const scratch = mkdtempSync(join(tmpdir(), "ue-parquet-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const duckdb = await (await DuckDBInstance.create(":memory:")).connect();
afterAll(() => duckdb.closeSync());

/** Each column kind's type as DuckDB reads it from the file. */
const DUCKDB_TYPES: Record<string, string> = {
  int: "BIGINT",
  money: "DECIMAL(18,6)",
  average: "DECIMAL(18,2)",
  ratio: "DECIMAL(18,4)",
  date: "DATE",
  bool: "BOOLEAN",
  text: "VARCHAR",
  json: "VARCHAR",
};

/** The case's Parquet export, downloaded through its signed link, read by DuckDB: column names and types, and rows. */
async function parquetOf(c: ShapeCase) {
  const data = await exportFile(url, keys[c.workspace], c.type, caseBody(c, { format: "parquet" }));
  expect(data.filePath).toMatch(new RegExp(`^${c.type}-usage/${c.workspace}/${c.type}-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\\.parquet$`));
  expect(data.dataType).toBe(c.type);
  const res = await download(url, data.downloadUrl);
  expect(res.headers.get("content-type")).toBe("application/vnd.apache.parquet");
  expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${data.filePath.split("/").at(-1)}"`);
  const file = join(scratch, data.filePath.split("/").at(-1) ?? "x.parquet");
  writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
  const described = await duckdb.runAndReadAll(`describe select * from read_parquet('${file}')`);
  const columns = z.array(z.object({ column_name: z.string(), column_type: z.string() })).parse(described.getRowObjectsJson());
  const read = await duckdb.runAndReadAll(`select * from read_parquet('${file}')`);
  return { data, columns, rows: read.getRowsJson() };
}

/** A value DuckDB read, as the CSV cell it stands for. */
function rendered(kind: string, value: unknown): string {
  if (value === null) return "";
  if (kind === "bool") return String(z.boolean().parse(value));
  const text = z.string().parse(value);
  // The CSV writes money with no trailing zeros; the DECIMAL keeps its 6 places.
  if (kind === "money") return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  return kind === "text" ? csvText(text) : text;
}

describe("a Parquet export holds the CSV's values in typed columns", () => {
  for (const c of shapeCases())
    test(caseName(c), async () => {
      const [{ header, rows }, parquet] = await Promise.all([csvOf(url, keys[c.workspace], c), parquetOf(c)]);
      expect(parquet.columns.map((col) => col.column_name)).toEqual(header);
      for (const col of parquet.columns) expect(col.column_type, col.column_name).toBe(DUCKDB_TYPES[kindOf(c.type, col.column_name)]);
      expect(parquet.data.recordCount).toBe(rows.length);
      expect(parquet.rows.length).toBe(rows.length);
      rows.forEach((cells, r) => {
        header.forEach((name, i) => {
          expect(rendered(kindOf(c.type, name), parquet.rows[r]?.[i] ?? null), `row ${r} ${name}`).toBe(cells[i]);
        });
      });
    });
});

test("exact decimals, dates, nulls and JSON text as written", async () => {
  const agents = await parquetOf({ workspace: "ws_a", type: "agents", groupBy: null });
  const a3 = agents.rows.find((row) => row[3] === "a3");
  const names = agents.columns.map((col) => col.column_name);
  expect(a3?.[names.indexOf("messages_per_user")]).toBeNull();
  expect(a3?.[names.indexOf("assistant_url")]).toBeNull();
  expect(agents.rows.find((row) => row[3] === "a1")?.[names.indexOf("avg_prompt_tokens")]).toBe("170.33");
  const users = await parquetOf({ workspace: "ws_a", type: "users", groupBy: null });
  const userNames = users.columns.map((col) => col.column_name);
  const u1 = users.rows.find((row) => row[3] === "u1");
  expect(u1?.[userNames.indexOf("assistants_to_messages")]).toBe('{"a1":2,"30":1,"7":1}');
  expect(u1?.[userNames.indexOf("joined_at")]).toBe("2025-01-10");
  expect(users.rows.find((row) => row[3] === "u2")?.[userNames.indexOf("name")]).toBe('=HYPERLINK("x")');
});

describe("the format field", () => {
  const post = (body: string) => fetch(`${url}/export/users`, { method: "POST", headers: { authorization: `Bearer ${keys.ws_a}` }, body });

  test("400 naming the field and the accepted values", async () => {
    for (const format of ["xlsx", "json", 7, "CSV"]) {
      const res = await post(JSON.stringify({ ...FIXTURE_PERIOD, format }));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "Bad Request", message: `format "${String(format)}" is not one of csv, parquet` });
    }
  });

  test("absent or null: CSV", async () => {
    for (const extra of [{}, { format: null }, { format: "csv" }]) {
      const res = await post(JSON.stringify({ ...FIXTURE_PERIOD, ...extra }));
      expect(res.status).toBe(200);
      expect(z.object({ data: z.object({ filePath: z.string() }) }).parse(await res.json()).data.filePath).toMatch(/\.csv$/);
    }
  });

  test("GraphQL createExport takes format PARQUET", async () => {
    const { status, body } = await graphql(
      url,
      keys.ws_a,
      `mutation($input: CreateExportInput!) { createExport(input: $input) {
        ... on MutationCreateExportSuccess { data { filePath dataType recordCount } }
      } }`,
      { input: { dataType: "MODELS", period: FIXTURE_PERIOD, format: "PARQUET" } },
    );
    expect(status).toBe(200);
    expect(body.data.createExport.data).toMatchObject({ dataType: "MODELS", recordCount: 4 });
    expect(body.data.createExport.data.filePath).toMatch(/^models-usage\/ws_a\/models-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\.parquet$/);
  });
});
