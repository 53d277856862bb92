import { describe, expect, test } from "vitest";
import { z } from "zod";
import { caseBody, caseName, csvOf, csvText, kindOf, shapeCases, startShapeServer, type ShapeCase } from "./export-shapes.ts";

// POST /export/{type}/json against POST /export/{type} on the real server: for
// every data type name (aliases too), every grouping and both workspace kinds,
// the JSON columns are the CSV header and each typed JSON value, rendered back as
// CSV text, is the CSV cell; each row's JSON text is exactly what the CSV cells
// imply (key order of JSON maps and decimal digits included).

const { url, keys } = await startShapeServer();

const JsonRows = z.object({
  success: z.literal(true),
  data: z.object({
    dataType: z.string(),
    recordCount: z.number(),
    dateRange: z.object({ from: z.string(), to: z.string() }),
    columns: z.array(z.string()),
    rows: z.array(z.record(z.string(), z.unknown())),
  }),
});

async function jsonOf(c: ShapeCase, prefix = "") {
  const res = await fetch(`${url}${prefix}/export/${c.type}/json`, {
    method: "POST",
    headers: { authorization: `Bearer ${keys[c.workspace]}` },
    body: caseBody(c),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return { text, body: JsonRows.parse(JSON.parse(text)) };
}

/** A typed JSON value as the CSV cell it stands for. */
function rendered(kind: string, value: unknown): string {
  if (value === null) return "";
  if (kind === "average") return z.number().parse(value).toFixed(2);
  if (kind === "ratio") return z.number().parse(value).toFixed(4);
  if (kind === "int" || kind === "money") return String(z.number().parse(value));
  if (kind === "bool") return String(z.boolean().parse(value));
  if (kind === "json") return JSON.stringify(z.record(z.string(), z.number()).parse(value));
  if (kind === "date")
    return z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .parse(value);
  return csvText(z.string().parse(value));
}

/** The JSON text a row's CSV cells imply, written the way the CSV writes them. */
function expectedRowText(c: ShapeCase, header: string[], cells: string[]): string {
  const literal = (name: string, cell: string) => {
    if (cell === "") return "null";
    const kind = kindOf(c.type, name);
    if (kind === "text") return JSON.stringify(cell.startsWith("'") && /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);
    if (kind === "date") return JSON.stringify(cell);
    return cell;
  };
  return `{${header.map((name, i) => `${JSON.stringify(name)}:${literal(name, cells[i] ?? "")}`).join(",")}}`;
}

describe("JSON rows equal the CSV cells", () => {
  for (const c of shapeCases())
    test(caseName(c), async () => {
      const [{ header, rows }, { text, body }] = await Promise.all([csvOf(url, keys[c.workspace], c), jsonOf(c)]);
      const { data } = body;
      expect(data.dataType).toBe(c.type);
      expect(data.dateRange).toEqual({ from: "2026-10-01T00:00:00.000Z", to: "2026-10-31T23:59:59.999Z" });
      expect(data.columns).toEqual(header);
      expect(data.recordCount).toBe(rows.length);
      expect(data.rows.length).toBe(rows.length);
      expect(rows.length).toBeGreaterThan(0);
      rows.forEach((cells, r) => {
        const row = data.rows[r] ?? {};
        expect(Object.keys(row).sort()).toEqual([...header].sort());
        header.forEach((name, i) => {
          const kind = kindOf(c.type, name);
          // A parsed JSON map loses the order of integer-like keys; the row text below checks the order.
          const cell = kind === "json" ? JSON.stringify(JSON.parse(cells[i] ?? "")) : cells[i];
          expect(rendered(kind, row[name]), `row ${r} ${name}`).toBe(cell);
        });
        expect(text).toContain(expectedRowText(c, header, cells));
      });
    });
});

test("a JSON map keeps the CSV's key order, integer-like keys included", async () => {
  const { text, body } = await jsonOf({ workspace: "ws_a", type: "users", groupBy: null });
  expect(text).toContain('"assistants_to_messages":{"a1":2,"30":1,"7":1}');
  // What a JavaScript object does with the same keys: the reason rows are written by hand.
  expect(Object.keys(z.record(z.string(), z.unknown()).parse(body.data.rows[0]?.assistants_to_messages))).toEqual(["7", "30", "a1"]);
});

test("money keeps its exact digits; empty cells are null; text is not formula-escaped", async () => {
  const { text, body } = await jsonOf({ workspace: "ws_a", type: "users", groupBy: null });
  expect(text).toContain('"total_cost_usd":0.004001');
  const bob = body.data.rows.find((row) => row.user_id === "u2");
  expect(bob).toMatchObject({
    name: '=HYPERLINK("x")',
    department: "Sales, EMEA",
    payg_utilization_pct_current: null,
    total_cost_usd: 0.004001,
  });
  const agents = await jsonOf({ workspace: "ws_a", type: "agents", groupBy: null });
  expect(agents.text).toContain('"messages_per_user":3.00,');
  expect(agents.body.data.rows.find((row) => row.assistant_id === "a3")).toMatchObject({ messages_per_user: null, assistant_url: null });
});

test("under /api/public, and the api-keys alias answers as api-keys with api_keys' rows", async () => {
  const alias = await jsonOf({ workspace: "ws_a", type: "api-keys", groupBy: null }, "/api/public");
  const canonical = await jsonOf({ workspace: "ws_a", type: "api_keys", groupBy: null });
  expect(alias.body.data.dataType).toBe("api-keys");
  expect(canonical.body.data.dataType).toBe("api_keys");
  expect({ ...alias.body.data, dataType: "api_keys" }).toEqual(canonical.body.data);
  expect(alias.body.data.rows.map((row) => [row.api_key_id, row.requests, row.total_cost_usd])).toEqual([
    ["k1", 3, 0.012],
    ["k2", 0, 0],
  ]);
});
