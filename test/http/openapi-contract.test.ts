import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsPlugin from "ajv-formats";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey, revokeAccessKey } from "../../src/auth/access-keys.ts";
import { openDatabase } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { signedDownloadUrl } from "../../src/exports/download-links.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";
import { parseCsv } from "../helpers/csv.ts";

// The OpenAPI document served at /openapi.json against the real service: for each
// endpoint and status the service can produce, make the request over HTTP and
// check the status, the body against the schema documented for that status and
// content type, the documented headers, and a few exact values.

// ajv-formats is CommonJS: under NodeNext its default import is typed as the module
// object, whose `default` is the plugin (at runtime the plugin is its own `default`).
const addFormats = addFormatsPlugin.default;

const PUBLIC_BASE = "http://exports.test"; // PUBLIC_BASE_URL of testApp

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW, env: { INGEST_BODY_LIMIT_BYTES: "200" } });
const url = await startTestServer(app);
await createSmallWorkspace(db, { id: "ws_a", byok: true });
await createSmallWorkspace(db, { id: "ws_b" });
const newKey = async (workspaceId: string, role: "admin" | "export" | "ingest") => createAccessKey(db, { workspaceId, role });
const exportKeyA = (await newKey("ws_a", "export")).apiKey;
const ingestKeyA = (await newKey("ws_a", "ingest")).apiKey;
const adminKeyA = (await newKey("ws_a", "admin")).apiKey;
const exportKeyB = (await newKey("ws_b", "export")).apiKey;
const ingestKeyB = (await newKey("ws_b", "ingest")).apiKey;

// ── The document and its validators ─────────────────────────────────────────

type Json = Record<string, unknown>;
/** A JSON object, its keys kept in order. */
const JsonObject = z.record(z.string(), z.unknown());
const DOC_ID = "openapi.json";
const docResponse = await fetch(`${url}/openapi.json`);
const doc = JsonObject.parse(await docResponse.json());

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
// The whole document under one id: its `#/components/schemas/X` references resolve inside it.
ajv.addSchema(doc, DOC_ID);

const escapePart = (part: string) => encodeURIComponent(part.replace(/~/g, "~0").replace(/\//g, "~1"));
const pointer = (parts: string[]) => parts.map((p) => `/${escapePart(p)}`).join("");

function at(parts: string[]): unknown {
  let node: unknown = doc;
  for (const part of parts) node = node && typeof node === "object" ? Reflect.get(node, part) : undefined;
  return node;
}

/** Follows a `$ref` (`#/a/b`) to its place in the document. */
function deref(parts: string[]): string[] {
  const ref = z.object({ $ref: z.string() }).safeParse(at(parts)).data?.$ref;
  if (!ref) return parts;
  expect(ref.startsWith("#/")).toBe(true);
  return ref
    .slice(2)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function validatorAt(parts: string[]): ValidateFunction {
  const validate = ajv.getSchema(`${DOC_ID}#${pointer(parts)}`);
  if (!validate) throw new Error(`no schema at ${parts.join(" → ")}`);
  return validate;
}

const schemaValidator = (name: string) => validatorAt(["components", "schemas", name]);

function expectValid(validate: ValidateFunction, value: unknown) {
  const ok = validate(value);
  expect(ok, `${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`).toBe(true);
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Checks a reply against the document's operation `method path` (a documented
 * path template): its status is documented, its content type is one the status
 * documents and the body validates against that schema; every required documented
 * header is present and integer headers are integers. Returns the parsed body.
 */
function expectDocumented(reply: Reply, method: string, path: string): unknown {
  const op = ["paths", path, method];
  expect(at(op), `${method.toUpperCase()} ${path} is documented`).toBeDefined();
  expect(at([...op, "responses", String(reply.status)]), `${method.toUpperCase()} ${path} documents ${reply.status}`).toBeDefined();
  const response = deref([...op, "responses", String(reply.status)]);
  const headers = z
    .record(z.string(), z.object({ required: z.boolean().optional(), schema: z.object({ type: z.string().optional() }) }))
    .parse(at([...response, "headers"]) ?? {});
  for (const [name, header] of Object.entries(headers)) {
    const value = reply.headers.get(name);
    if (header.required) expect(value, `header ${name}`).not.toBeNull();
    if (value !== null && header.schema.type === "integer") expect(value).toMatch(/^\d+$/);
  }
  if (method === "head") return undefined;
  const mediaType = (reply.headers.get("content-type") ?? "").split(";")[0]!.trim();
  expect(Object.keys(JsonObject.parse(at([...response, "content"]) ?? {})), `content types of ${reply.status}`).toContain(mediaType);
  const body = mediaType === "application/json" ? JSON.parse(reply.text) : reply.text;
  expectValid(validatorAt([...response, "content", mediaType, "schema"]), body);
  return body;
}

// ── Requests ────────────────────────────────────────────────────────────────

async function call(
  method: string,
  path: string,
  opts: { key?: string | null; body?: string; type?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined) headers["content-type"] = opts.type ?? "application/json";
  const res = await fetch(`${opts.base ?? url}${path}`, { method, headers, body: opts.body });
  return { status: res.status, headers: res.headers, text: method === "HEAD" ? "" : await res.text() };
}

const period = JSON.stringify(FIXTURE_PERIOD);
const exportBody = (extra: Json = {}) => JSON.stringify({ ...FIXTURE_PERIOD, ...extra });
const ndjson = (...records: Json[]) => `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;

/** An error body (loose: other documented fields such as `problems` are kept for the comparisons). */
const ErrorBody = z.looseObject({ error: z.string(), message: z.string() });

/** POST /export/{type} expected to fail with `status`: checks it against the document and returns the error. */
async function exportError(status: number, type: string, opts: Parameters<typeof call>[2]) {
  const reply = await call("POST", `/export/${type}`, opts);
  expect(reply.status, reply.text).toBe(status);
  return ErrorBody.parse(expectDocumented(reply, "post", `/export/${type}`));
}

async function ingestError(status: number, opts: Parameters<typeof call>[2]) {
  const reply = await call("POST", "/ingest", opts);
  expect(reply.status, reply.text).toBe(status);
  return ErrorBody.parse(expectDocumented(reply, "post", "/ingest"));
}

/** A 200 export answer (the document's schema, checked first, forbids other fields). */
const ExportOk = z.object({
  data: z.object({
    filePath: z.string(),
    downloadUrl: z.string(),
    dataType: z.string(),
    recordCount: z.number(),
    dateRange: z.object({ from: z.string(), to: z.string() }),
  }),
});
type ExportData = z.infer<typeof ExportOk>["data"];

async function exportOk(type: string, key: string, body = period, prefix = ""): Promise<ExportData> {
  const reply = await call("POST", `${prefix}/export/${type}`, { key, body });
  expect(reply.status, reply.text).toBe(200);
  return ExportOk.parse(expectDocumented(reply, "post", `/export/${type}`)).data;
}

/** The service's download link, pointed at the test server. */
const local = (downloadUrl: string) => {
  expect(downloadUrl.startsWith(`${PUBLIC_BASE}/downloads/`)).toBe(true);
  return downloadUrl.slice(PUBLIC_BASE.length);
};

async function download(path: string, method = "GET"): Promise<Reply & { body: unknown }> {
  const reply = await call(method, path);
  return { ...reply, body: expectDocumented(reply, method.toLowerCase(), "/downloads/{filePath}") };
}

// ── The document itself ─────────────────────────────────────────────────────

const Servers = z.array(z.object({ url: z.string() }));
/** The second `allOf` part of an export request schema, where `group_by` is declared. */
const GroupByPart = z.object({ properties: z.object({ group_by: z.object({ enum: z.array(z.string()) }) }) });

describe("the OpenAPI document", () => {
  test("is OpenAPI 3.0.x, served as documented, with bearer auth as in the seed", async () => {
    expect(docResponse.status).toBe(200);
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect(Servers.parse(doc.servers)[0]!.url).toBe(PUBLIC_BASE);
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(at(["components", "securitySchemes", "bearerAuth"])).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "API Key" });
    const reply = await call("GET", "/openapi.json");
    expect(reply.status).toBe(200);
    expect(expectDocumented(reply, "get", "/openapi.json")).toEqual(doc);
  });

  test("documents POST for each of the seven export paths and their /json paths, with the group_by each data type allows", () => {
    const groupBy = (type: string) => {
      const name = deref(["paths", `/export/${type}`, "post", "requestBody", "content", "application/json", "schema"]).at(-1)!;
      const parts = z.array(z.unknown()).parse(at(["components", "schemas", name, "allOf"]) ?? []);
      return GroupByPart.safeParse(parts[1]).data?.properties.group_by.enum ?? [];
    };
    // `type` here is a path below /export/: the file route, then its JSON rows.
    for (const type of ["users", "agents", "assistants", "api_keys", "api-keys", "projects", "models"].flatMap((t) => [t, `${t}/json`])) {
      expect(at(["paths", `/export/${type}`, "post"]), type).toBeDefined();
      expect(Object.keys(JsonObject.parse(at(["paths", `/export/${type}`, "post", "responses"]))).sort()).toEqual([
        "200",
        "202",
        "400",
        "401",
        "403",
        "404",
        "413",
        "422",
        "429",
        "500",
        "503",
      ]);
      const servers = Servers.parse(at(["paths", `/export/${type}`, "servers"]));
      expect(servers.map((s) => s.url)).toEqual([PUBLIC_BASE, `${PUBLIC_BASE}/api/public`]);
    }
    expect(groupBy("users")).toEqual(["model"]);
    expect(groupBy("agents")).toEqual(["model"]);
    expect(groupBy("assistants")).toEqual(["model"]);
    expect(groupBy("api_keys")).toEqual(["model"]);
    expect(groupBy("api-keys")).toEqual(["model"]);
    expect(groupBy("users/json")).toEqual(["model"]);
    expect(groupBy("models/json")).toEqual(["source", "deployment"]);
    expect(groupBy("projects")).toEqual([]);
    expect(groupBy("models")).toEqual(["source", "deployment"]);
    const description = z.string().parse(at(["paths", "/export/users", "post", "description"]));
    expect(description).toContain("any offset or `Z` on it is ignored");
    expect(description).toContain("a plain `to` includes its whole day");
    expect(description).toContain("12 months");
    expect(description).toContain("`Origin` header are refused (403)");
  });

  test("the seed's UsageExportResponse example validates; an extra field does not", () => {
    const seedExample = {
      success: true,
      data: {
        filePath: "agents-usage/workspace-id/agents-usage-2024-01-01-2024-01-31-abc12345.csv",
        downloadUrl: "https://storage.example.com/signed-url",
        dataType: "assistants",
        recordCount: 1250,
        dateRange: { from: "2024-01-01T00:00:00.000Z", to: "2024-01-31T23:59:59.999Z" },
      },
    };
    const validate = schemaValidator("UsageExportResponse");
    expectValid(validate, seedExample);
    expect(validate({ ...seedExample, extra: 1 })).toBe(false);
    expect(validate({ ...seedExample, data: { ...seedExample.data, absolutePath: "/tmp/x.csv" } })).toBe(false);
    expect(schemaValidator("UsageExportError")({ error: "x", message: "y", stack: "z" })).toBe(false);
  });

  test("every $ref resolves, and the request examples validate against their schemas", () => {
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object")
        for (const [k, v] of Object.entries(node)) k === "$ref" && typeof v === "string" ? refs.push(v) : walk(v);
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs)
      expect(
        at(
          ref
            .slice(2)
            .split("/")
            .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~")),
        ),
        ref,
      ).toBeDefined();
    for (const [path, types] of [
      ["/export/models", ["application/json"]],
      ["/ingest", ["application/json"]],
    ] as const) {
      for (const type of types) {
        const media = ["paths", path, "post", "requestBody", "content", type];
        expectValid(validatorAt([...media, "schema"]), at([...media, "example"]));
      }
    }
  });
});

// ── POST /export/{dataType} ─────────────────────────────────────────────────

describe("POST /export/{dataType}", () => {
  test("200 for every data type, at the root and under /api/public", async () => {
    for (const type of ["users", "agents", "assistants", "api_keys", "projects", "models"]) {
      for (const prefix of ["", "/api/public"]) {
        const data = await exportOk(type, exportKeyA, period, prefix);
        expect(data.dataType).toBe(type);
        expect(data.dateRange).toEqual({ from: "2026-10-01T00:00:00.000Z", to: "2026-10-31T23:59:59.999Z" });
        expect(data.filePath).toMatch(new RegExp(`^${type}-usage/ws_a/${type}-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\\.csv$`));
        expect(data.downloadUrl.startsWith(`${PUBLIC_BASE}/downloads/${type}-usage/ws_a/`)).toBe(true);
      }
    }
    expect((await exportOk("assistants", adminKeyA)).recordCount).toBe(3);
  });

  test("200 with each documented group_by (deployment in a BYOK workspace)", async () => {
    expect((await exportOk("users", exportKeyA, exportBody({ group_by: "model" }))).recordCount).toBeGreaterThan(0);
    expect((await exportOk("models", exportKeyA, exportBody({ group_by: "source" }))).recordCount).toBeGreaterThan(0);
    expect((await exportOk("models", exportKeyA, exportBody({ group_by: "deployment" }))).recordCount).toBeGreaterThan(0);
  });

  test("400: bad date, bad group_by, group_by on projects, deployment without BYOK, malformed JSON, history limit", async () => {
    const bad = (message: string) => ({ error: "Bad Request", message });
    expect(
      await exportError(400, "users", { key: exportKeyA, body: exportBody({ from: { date: "2026-13-45", timezone: "UTC" } }) }),
    ).toEqual(bad('from.date "2026-13-45" is not a real calendar date and time'));
    expect(await exportError(400, "users", { key: exportKeyA, body: exportBody({ group_by: "source" }) })).toEqual(
      bad('group_by "source" is not valid for users (expected model)'),
    );
    expect(await exportError(400, "projects", { key: exportKeyA, body: exportBody({ group_by: "model" }) })).toEqual(
      bad("group_by is not available for projects"),
    );
    expect(await exportError(400, "models", { key: exportKeyB, body: exportBody({ group_by: "deployment" }) })).toEqual(
      bad('group_by "deployment" is only available for BYOK workspaces'),
    );
    const malformed = await exportError(400, "users", { key: exportKeyA, body: "{nope" });
    expect(malformed.error).toBe("Bad Request");
    expect(malformed.message).toMatch(/^Malformed JSON body: /);
    expect(
      await exportError(400, "users", {
        key: exportKeyA,
        body: JSON.stringify({ from: { date: "2025-10-01", timezone: "UTC" }, to: FIXTURE_PERIOD.to }),
      }),
    ).toEqual(bad("from: Historical data is limited to 12 months"));
  });

  test("401: missing, malformed, invalid and revoked keys", async () => {
    const unauthorized = (message: string) => ({ error: "Unauthorized", message });
    expect(await exportError(401, "users", { body: period })).toEqual(
      unauthorized('Missing API key: send the header "Authorization: Bearer <key>"'),
    );
    expect(await exportError(401, "users", { body: period, headers: { authorization: `Basic ${exportKeyA}` } })).toEqual(
      unauthorized('Malformed Authorization header: expected "Bearer <key>"'),
    );
    expect(await exportError(401, "users", { key: `${exportKeyA}x`, body: period })).toEqual(unauthorized("Invalid API key"));
    const doomed = await newKey("ws_a", "export");
    await exportOk("users", doomed.apiKey);
    await revokeAccessKey(db, "ws_a", doomed.id);
    expect(await exportError(401, "users", { key: doomed.apiKey, body: period })).toEqual(unauthorized("This API key has been revoked"));
  });

  test("403: an ingest-role key, and any request with an Origin header (no CORS headers)", async () => {
    expect(await exportError(403, "users", { key: ingestKeyA, body: period })).toEqual({
      error: "Forbidden",
      message: 'This API key\'s role "ingest" may not export',
    });
    const reply = await call("POST", "/export/users", { key: adminKeyA, body: period, headers: { origin: "https://app.example" } });
    expect(reply.status).toBe(403);
    expect(expectDocumented(reply, "post", "/export/users")).toEqual({
      error: "Forbidden",
      message: "Browser-origin requests are refused: call this API from a server, never from a web page, so your API key stays secret",
    });
    expect([...reply.headers.keys()].filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });

  test("404: a period without usage, and an unknown data type", async () => {
    const empty = JSON.stringify({ from: { date: "2026-06-01", timezone: "UTC" }, to: { date: "2026-06-30", timezone: "UTC" } });
    for (const type of ["users", "models"])
      expect(await exportError(404, type, { key: exportKeyA, body: empty })).toEqual({
        error: "No data found",
        message: "No usage data found for the selected period",
      });
    // Not a documented path: its body is still the documented error schema.
    const reply = await call("POST", "/export/invoices", { key: exportKeyA, body: period });
    expect(reply.status).toBe(404);
    const body = JSON.parse(reply.text);
    expectValid(schemaValidator("UsageExportError"), body);
    expect(body).toEqual({
      error: "Not Found",
      message: 'Unknown export type "invoices": use one of users, agents, assistants, api_keys, projects, models, api-keys',
    });
  });

  test("413: a body over 16 KiB", async () => {
    const body = exportBody({ padding: "x".repeat(16 * 1024) });
    expect(await exportError(413, "users", { key: exportKeyA, body })).toEqual({
      error: "Payload Too Large",
      message: "Request body is larger than the limit of 16384 bytes",
    });
  });
});

// ── POST /export/{dataType}/json, `format`, and the api-keys alias ──────────

/** A 200 JSON-rows answer (the document's schema, checked first, forbids other fields). */
const RowsOk = z.object({
  data: z.object({
    dataType: z.string(),
    recordCount: z.number(),
    columns: z.array(z.string()),
    rows: z.array(z.record(z.string(), z.unknown())),
  }),
});

describe("POST /export/{dataType}/json", () => {
  test("200 for every data type name, at the root and under /api/public", async () => {
    for (const type of ["users", "agents", "assistants", "api_keys", "api-keys", "projects", "models"]) {
      for (const prefix of ["", "/api/public"]) {
        const reply = await call("POST", `${prefix}/export/${type}/json`, { key: exportKeyA, body: period });
        expect(reply.status, reply.text).toBe(200);
        const { data } = RowsOk.parse(expectDocumented(reply, "post", `/export/${type}/json`));
        expect(data.dataType).toBe(type);
        expect(data.rows.length).toBe(data.recordCount);
        expect(data.columns.slice(0, 3)).toEqual(["period_start", "period_end", "org_id"]);
      }
    }
  });

  test("400, 404 and 413 as documented", async () => {
    const bad = await call("POST", "/export/users/json", { key: exportKeyA, body: exportBody({ group_by: "source" }) });
    expect(bad.status).toBe(400);
    expect(expectDocumented(bad, "post", "/export/users/json")).toEqual({
      error: "Bad Request",
      message: 'group_by "source" is not valid for users (expected model)',
    });
    const empty = JSON.stringify({ from: { date: "2026-06-01", timezone: "UTC" }, to: { date: "2026-06-30", timezone: "UTC" } });
    const none = await call("POST", "/export/models/json", { key: exportKeyA, body: empty });
    expect(none.status).toBe(404);
    expectDocumented(none, "post", "/export/models/json");
    const big = await call("POST", "/export/users/json", { key: exportKeyA, body: exportBody({ padding: "x".repeat(16 * 1024) }) });
    expect(big.status).toBe(413);
    expectDocumented(big, "post", "/export/users/json");
  });
});

describe("format and the api-keys alias on POST /export/{dataType}", () => {
  test("400: a format other than csv or parquet", async () => {
    expect(await exportError(400, "users", { key: exportKeyA, body: exportBody({ format: "xlsx" }) })).toEqual({
      error: "Bad Request",
      message: 'format "xlsx" is not one of csv, parquet',
    });
  });

  test("200: a Parquet file, downloadable as documented", async () => {
    const data = await exportOk("api-keys", exportKeyA, exportBody({ format: "parquet" }));
    expect(data.dataType).toBe("api-keys");
    expect(data.filePath).toMatch(/^api-keys-usage\/ws_a\/api-keys-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\.parquet$/);
    const reply = await call("GET", local(data.downloadUrl));
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("application/vnd.apache.parquet");
    expectDocumented(reply, "get", "/downloads/{filePath}");
  });
});

// ── POST /ingest ────────────────────────────────────────────────────────────

describe("POST /ingest", () => {
  test("200 for NDJSON and for a JSON array; a re-sent usage record is a duplicate", async () => {
    const message = {
      type: "message",
      id: "oc1",
      occurredAt: "2026-10-20T10:00:00Z",
      userId: "u3",
      surface: "chat",
      model: "gpt-4o",
      provider: "openai",
      source: "WEB",
    };
    const first = await call("POST", "/ingest", { key: ingestKeyA, body: ndjson(message), type: "application/x-ndjson" });
    expect(first.status, first.text).toBe(200);
    expect(expectDocumented(first, "post", "/ingest")).toEqual({ accepted: 1, duplicates: 0 });
    const again = await call("POST", "/ingest", { key: adminKeyA, body: JSON.stringify([message]) });
    expect(again.status, again.text).toBe(200);
    expect(expectDocumented(again, "post", "/ingest")).toEqual({ accepted: 0, duplicates: 1 });
  });

  test("400: a bad NDJSON line, malformed JSON, an invalid record", async () => {
    const ok = JSON.stringify({ type: "api_key", id: "k7", name: "x" });
    expect(await ingestError(400, { key: ingestKeyA, body: `${ok}\n{oops\n`, type: "application/x-ndjson" })).toEqual({
      error: "Bad Request",
      message: "line 2: not valid JSON",
      problems: ["line 2: not valid JSON"],
      moreProblems: 0,
    });
    const malformed = await ingestError(400, { key: ingestKeyA, body: "[{" });
    expect(malformed.message).toMatch(/^Malformed JSON body: /);
    expect(
      await ingestError(400, { key: ingestKeyA, body: JSON.stringify([{ type: "message", id: "x" }, { type: "invoice" }]) }),
    ).toMatchObject({
      error: "Bad Request",
      message: expect.stringMatching(/^record 1: .*occurredAt is required.*; record 2: unknown record type "invoice"$/),
    });
  });

  test("401: missing and revoked keys", async () => {
    expect((await ingestError(401, { body: "[]" })).message).toBe('Missing API key: send the header "Authorization: Bearer <key>"');
    const doomed = await newKey("ws_a", "ingest");
    await revokeAccessKey(db, "ws_a", doomed.id);
    expect((await ingestError(401, { key: doomed.apiKey, body: "[]" })).message).toBe("This API key has been revoked");
  });

  test("403: an export-role key, and an Origin header", async () => {
    expect(await ingestError(403, { key: exportKeyA, body: "[]" })).toEqual({
      error: "Forbidden",
      message: 'This API key\'s role "export" may not ingest records',
    });
    expect((await ingestError(403, { key: ingestKeyA, body: "[]", headers: { origin: "https://app.example" } })).message).toMatch(
      /^Browser-origin requests are refused/,
    );
  });

  test("413: a body over INGEST_BODY_LIMIT_BYTES (200 here)", async () => {
    const records = Array.from({ length: 5 }, (_, i) => ({ type: "api_key", id: `big${i}`, name: "a fairly long key name" }));
    expect(await ingestError(413, { key: ingestKeyA, body: ndjson(...records), type: "application/x-ndjson" })).toEqual({
      error: "Payload Too Large",
      message: "Request body is larger than the limit of 200 bytes",
    });
  });
});

// ── GET /downloads/{filePath}, /health ──────────────────────────────────────

describe("GET /downloads/{filePath}", () => {
  test("200: the CSV as an attachment, and HEAD with the same headers", async () => {
    const data = await exportOk("users", exportKeyA);
    const reply = await download(local(data.downloadUrl));
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-disposition")).toBe(`attachment; filename="${basename(data.filePath)}"`);
    expect(reply.text.split("\r\n")[0]!.startsWith("period_start,period_end,org_id,user_id")).toBe(true);
    expect(parseCsv(reply.text).length).toBe(data.recordCount + 1);
    const head = await download(local(data.downloadUrl), "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(Buffer.byteLength(reply.text)));
  });

  test("403: tampered, incomplete, expired, or naming no export file", async () => {
    const data = await exportOk("agents", exportKeyA);
    const link = new URL(data.downloadUrl);
    const path = link.pathname;
    const signature = link.searchParams.get("signature")!;
    const flipped = signature.slice(0, -1) + (signature.endsWith("0") ? "1" : "0");
    const forbidden = async (target: string, message: string) => {
      const reply = await download(target);
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual({ error: "Forbidden", message });
    };
    await forbidden(`${path}?expires=${link.searchParams.get("expires")}&signature=${flipped}`, "The download link signature is invalid");
    await forbidden(
      `${path}?expires=${Number(link.searchParams.get("expires")) + 3600}&signature=${signature}`,
      "The download link signature is invalid",
    );
    await forbidden(`${path}?expires=${link.searchParams.get("expires")}`, "The download link is incomplete");
    await forbidden(`/downloads/users-usage/%E0%A4%A.csv${link.search}`, "The download link is malformed");
    const past = new Date(FIXTURE_NOW.getTime() - 1000);
    await forbidden(local(signedDownloadUrl(app.signingSecret, PUBLIC_BASE, data.filePath, past)), "The download link has expired");
    const future = new Date(FIXTURE_NOW.getTime() + 60_000);
    await forbidden(
      local(signedDownloadUrl(app.signingSecret, PUBLIC_BASE, "users-usage/ws_a/notes.txt", future)),
      "The download link does not name an export file",
    );
  });

  test("404: the export file was deleted", async () => {
    const data = await exportOk("projects", exportKeyA);
    await rm(join(app.exportDir, data.filePath));
    const reply = await download(local(data.downloadUrl));
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: "Not Found", message: "The export file no longer exists" });
  });
});

test("GET /health answers { ok: true }", async () => {
  const reply = await call("GET", "/health");
  expect(reply.status).toBe(200);
  expect(expectDocumented(reply, "get", "/health")).toEqual({ ok: true });
});

// ── 429 and 500 on apps of their own ────────────────────────────────────────

const limitedUrl = await startTestServer(
  testApp(db, { now: FIXTURE_NOW, env: { RATE_LIMIT_EXPORTS_PER_MINUTE: "2", RATE_LIMIT_INGEST_PER_MINUTE: "2" } }),
);

// A database that was closed under its app: every query fails unexpectedly.
const closed = await openDatabase({ kind: "pglite", dir: null });
await migrate(closed);
await createSmallWorkspace(closed, { id: "ws_x" });
const closedAdminKey = (await createAccessKey(closed, { workspaceId: "ws_x", role: "admin" })).apiKey;
await closed.close();
const brokenUrl = await startTestServer(testApp(closed, { now: FIXTURE_NOW }));

describe("429: per-key rate limits", () => {
  const expectLimited = (reply: Reply, path: string, what: string) => {
    expect(reply.status, reply.text).toBe(429);
    const retryAfter = Number(reply.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(expectDocumented(reply, "post", path)).toEqual({
      error: "Too Many Requests",
      message: `Rate limit of 2 ${what} per minute exceeded for this API key; retry after ${retryAfter} seconds`,
    });
  };

  test("the third export of a key within a minute", async () => {
    const key = (await newKey("ws_a", "export")).apiKey;
    for (let i = 0; i < 2; i++) expect((await call("POST", "/export/users", { key, body: period, base: limitedUrl })).status).toBe(200);
    expectLimited(await call("POST", "/export/users", { key, body: period, base: limitedUrl }), "/export/users", "export requests");
  });

  test("the third ingestion of a key within a minute", async () => {
    const key = (await newKey("ws_a", "ingest")).apiKey;
    const body = ndjson({ type: "api_key", id: "k8", name: "x" });
    const send = () => call("POST", "/ingest", { key, body, type: "application/x-ndjson", base: limitedUrl });
    for (let i = 0; i < 2; i++) expect((await send()).status).toBe(200);
    expectLimited(await send(), "/ingest", "ingest requests");
  });
});

describe("500: an unexpected failure leaks nothing", () => {
  const adminKey = closedAdminKey;
  const internal = { error: "Internal Server Error", message: "An unexpected error occurred" };

  test("on export", async () => {
    const reply = await call("POST", "/export/users", { key: adminKey, body: period, base: brokenUrl });
    expect(reply.status).toBe(500);
    expect(expectDocumented(reply, "post", "/export/users")).toEqual(internal);
    expect(reply.text).toBe(JSON.stringify(internal));
  });

  test("on ingest", async () => {
    const reply = await call("POST", "/ingest", {
      key: adminKey,
      body: ndjson({ type: "api_key", id: "k1", name: "x" }),
      type: "application/x-ndjson",
      base: brokenUrl,
    });
    expect(reply.status).toBe(500);
    expect(expectDocumented(reply, "post", "/ingest")).toEqual(internal);
    expect(reply.text).toBe(JSON.stringify(internal));
  });
});

// ── Workspace isolation ─────────────────────────────────────────────────────

describe("cross-workspace isolation over REST", () => {
  test("a key exports only its own workspace's rows", async () => {
    // A user only workspace B has.
    const ingested = await call("POST", "/ingest", {
      key: ingestKeyB,
      body: ndjson({ type: "user", id: "only_b", name: "Bea" }),
      type: "application/x-ndjson",
    });
    expect(ingested.status, ingested.text).toBe(200);
    for (const type of ["users", "agents", "api_keys", "projects", "models"]) {
      for (const [key, workspace] of [
        [exportKeyA, "ws_a"],
        [exportKeyB, "ws_b"],
      ] as const) {
        const data = await exportOk(type, key);
        expect(data.filePath.split("/")[1]).toBe(workspace);
        const [header, ...rows] = parseCsv((await download(local(data.downloadUrl))).text);
        const orgId = header!.indexOf("org_id");
        expect(orgId, type).toBeGreaterThanOrEqual(0);
        expect(rows.length).toBe(data.recordCount);
        expect(rows.length).toBeGreaterThan(0);
        expect(
          rows.every((row) => row[orgId] === workspace),
          `${type} of ${workspace}`,
        ).toBe(true);
        if (type === "users") expect(rows.some((row) => row[header!.indexOf("user_id")] === "only_b")).toBe(workspace === "ws_b");
      }
    }
  });

  test("A can never turn B's link, or its own, into B's file", async () => {
    const a = new URL((await exportOk("users", exportKeyA)).downloadUrl);
    const b = new URL((await exportOk("users", exportKeyB)).downloadUrl);
    const query = (u: URL, signature = u.searchParams.get("signature")!) =>
      `?expires=${u.searchParams.get("expires")}&signature=${signature}`;
    const forbidden = async (target: string) => {
      const reply = await download(target);
      expect(reply.status, target).toBe(403);
      expect(reply.body).toEqual({ error: "Forbidden", message: "The download link signature is invalid" });
    };
    const bSignature = b.searchParams.get("signature")!;
    // B's link with its signature changed.
    await forbidden(`${b.pathname}${query(b, bSignature.slice(0, -1) + (bSignature.endsWith("a") ? "b" : "a"))}`);
    await forbidden(`${b.pathname}${query(b, a.searchParams.get("signature")!)}`);
    // A's valid expiry and signature with B's file path swapped in, and B's with A's.
    await forbidden(`${b.pathname}${query(a)}`);
    await forbidden(`${a.pathname}${query(b)}`);
    // A's file name moved under B's workspace folder.
    await forbidden(`${a.pathname.replace("/ws_a/", "/ws_b/")}${query(a)}`);
    // The untouched links still work (the 403s are about the tampering).
    expect((await download(`${a.pathname}${query(a)}`)).status).toBe(200);
    expect((await download(`${b.pathname}${query(b)}`)).status).toBe(200);
  });
});

describe("async export jobs (Prefer: respond-async)", () => {
  test("202 with Location; the job's status; 404, 409 and 422 as documented", async () => {
    const key = (await newKey("ws_a", "export")).apiKey;
    const headers = { prefer: "respond-async", "idempotency-key": "contract-1" };
    const accepted = await call("POST", "/export/users", { key, body: period, headers });
    expect(accepted.status, accepted.text).toBe(202);
    const Accepted = z.object({ data: z.object({ jobId: z.string(), statusUrl: z.string() }) });
    const { jobId, statusUrl } = Accepted.parse(expectDocumented(accepted, "post", "/export/users")).data;
    expect(accepted.headers.get("location")).toBe(statusUrl);
    const Status = z.object({ data: z.object({ status: z.string(), result: z.unknown() }) });
    let job: { status: string; result: unknown } = { status: "queued", result: null };
    for (let i = 0; i < 500 && ["queued", "running"].includes(job.status); i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const reply = await call("GET", statusUrl, { key });
      expect(reply.status, reply.text).toBe(200);
      job = Status.parse(expectDocumented(reply, "get", "/export/jobs/{jobId}")).data;
    }
    expect(job.status).toBe("succeeded");
    expectValid(validatorAt(["components", "schemas", "UsageExportResponse"]), { success: true, data: job.result });

    const done = await call("DELETE", statusUrl, { key });
    expect(done.status).toBe(409);
    expectDocumented(done, "delete", "/export/jobs/{jobId}");
    const theirs = await call("GET", statusUrl, { key: exportKeyB });
    expect(theirs.status).toBe(404);
    expect(ErrorBody.parse(expectDocumented(theirs, "get", "/export/jobs/{jobId}")).message).toBe(
      `No export job "${jobId}" in this workspace`,
    );
    const reused = await call("POST", "/export/users", { key, body: exportBody({ format: "parquet" }), headers });
    expect(reused.status).toBe(422);
    expectDocumented(reused, "post", "/export/users");
  });
});
