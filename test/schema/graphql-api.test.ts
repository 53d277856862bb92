import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { ensureUsagePartitions } from "../../src/usage/partitions/ensure-partitions.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
const url = await startTestServer(app);
await createSmallWorkspace(db, { id: "ws_a", byok: true, userLevelData: true });
await createSmallWorkspace(db, { id: "ws_b", byok: false, userLevelData: false });
const key = async (workspaceId: string, role: "admin" | "export" | "ingest") => (await createAccessKey(db, { workspaceId, role })).apiKey;
const exportA = await key("ws_a", "export");
const exportB = await key("ws_b", "export");

const USERS = `query($period: PeriodInput!, $groupBy: UserUsageGroupBy, $first: Int, $after: String, $orderBy: UserUsageOrder) {
  userUsage(period: $period, groupBy: $groupBy, first: $first, after: $after, orderBy: $orderBy) {
    __typename
    ... on AppError { code message problems }
    ... on QueryUserUsageSuccess { data {
      totalCount columns period { startDate endDate from to timezone }
      pageInfo { hasNextPage hasPreviousPage endCursor }
      nodes { userId name email messagesTotal messagesChat totalInputTokens totalCostUsd paygUtilizationPctCurrent }
    } }
  }
}`;
const users = (apiKey: string, vars: Record<string, unknown> = {}) => graphql(url, apiKey, USERS, { period: FIXTURE_PERIOD, ...vars });

describe("GraphQL authentication", () => {
  test("a request without a key, or with an unknown key, is a 401 with { error, message }", async () => {
    expect(await graphql(url, null, "{ __typename }")).toEqual({
      status: 401,
      body: { error: "Unauthorized", message: 'Missing API key: send the header "Authorization: Bearer <key>"' },
    });
    expect(await graphql(url, "ue_nope", "{ __typename }")).toEqual({
      status: 401,
      body: { error: "Unauthorized", message: "Invalid API key" },
    });
  });

  test("an ingest key may not read usage", async () => {
    const { body } = await users(await key("ws_a", "ingest"));
    expect(body.data.userUsage).toEqual({
      __typename: "AppError",
      code: "FORBIDDEN",
      message: 'This API key\'s role "ingest" may not query usage',
      problems: ['This API key\'s role "ingest" may not query usage'],
    });
  });

  test("a key only ever sees its own workspace", async () => {
    const { body } = await graphql(url, exportB, "{ workspace { id byok userLevelData } }");
    expect(body.data.workspace).toEqual({ id: "ws_b", byok: false, userLevelData: false });
  });
});

describe("GraphQL usage queries", () => {
  test("the period is resolved and reported back", async () => {
    const { body } = await users(exportA);
    expect(body.data.userUsage.data.period).toEqual({
      startDate: "2026-10-01",
      endDate: "2026-10-31",
      from: "2026-10-01T00:00:00.000Z",
      to: "2026-10-31T23:59:59.999Z",
      timezone: "UTC",
    });
  });

  test("bad period input comes back as an AppError naming each field", async () => {
    const { body } = await users(exportA, {
      period: { from: { date: "2026-13-01", timezone: "UTC" }, to: { date: "2026-10-01", timezone: "Nowhere/City" } },
    });
    expect(body.data.userUsage).toEqual({
      __typename: "AppError",
      code: "BAD_REQUEST",
      message: 'from.date "2026-13-01" is not a real calendar date and time; to.timezone "Nowhere/City" is not a known IANA time zone',
      problems: ['from.date "2026-13-01" is not a real calendar date and time', 'to.timezone "Nowhere/City" is not a known IANA time zone'],
    });
  });

  test("deployment subgroups exist only for BYOK workspaces", async () => {
    const q = `query($p: PeriodInput!) { modelUsage(period: $p, groupBy: DEPLOYMENT) { ... on AppError { code message } ... on QueryModelUsageSuccess { data { totalCount } } } }`;
    expect((await graphql(url, exportB, q, { p: FIXTURE_PERIOD })).body.data.modelUsage).toEqual({
      code: "BAD_REQUEST",
      message: 'group_by "deployment" is only available for BYOK workspaces',
    });
    expect((await graphql(url, exportA, q, { p: FIXTURE_PERIOD })).body.data.modelUsage).toEqual({ data: { totalCount: 4 } });
  });

  test("privacy and BYOK hide fields as null, as the export hides their columns", async () => {
    const a = (await users(exportA)).body.data.userUsage.data;
    const b = (await users(exportB)).body.data.userUsage.data;
    expect(a.nodes[0]).toEqual({
      userId: "u1",
      name: "Alice Admin",
      email: "alice@acme.test",
      messagesTotal: 4,
      messagesChat: 1,
      totalInputTokens: 641,
      totalCostUsd: "0.0035",
      paygUtilizationPctCurrent: "0.0219",
    });
    expect(b.nodes[0]).toEqual({
      userId: "u1",
      name: null,
      email: null,
      messagesTotal: 4,
      messagesChat: 1,
      totalInputTokens: null,
      totalCostUsd: null,
      paygUtilizationPctCurrent: "0.0219",
    });
    expect(b.columns).not.toContain("email");
    expect(b.columns).not.toContain("total_cost_usd");
  });

  test("cursor pagination walks the rows in export order", async () => {
    const first = (await users(exportA, { first: 2 })).body.data.userUsage.data;
    expect(first.nodes.map((n: { userId: string }) => n.userId)).toEqual(["u1", "u2"]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.totalCount).toBe(3);
    const second = (await users(exportA, { first: 2, after: first.pageInfo.endCursor })).body.data.userUsage.data;
    expect(second.nodes.map((n: { userId: string }) => n.userId)).toEqual(["u3"]);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  test("a cursor this API did not make, or a page too large, is refused", async () => {
    expect((await users(exportA, { after: "bogus" })).body.data.userUsage).toMatchObject({
      code: "BAD_REQUEST",
      message: "after: not a cursor returned by this API",
    });
    expect((await users(exportA, { first: 201 })).body.data.userUsage).toMatchObject({
      code: "BAD_REQUEST",
      message: "first: must be between 0 and 200",
    });
  });

  test("orderBy sorts by a column, ties keeping the export order", async () => {
    const { body } = await users(exportA, { orderBy: { field: "MESSAGES_CHAT", direction: "ASC" } });
    expect(body.data.userUsage.data.nodes.map((n: { userId: string; messagesChat: number }) => `${n.userId}:${n.messagesChat}`)).toEqual([
      "u3:0",
      "u1:1",
      "u2:1",
    ]);
  });

  test("queries over the complexity or breadth limit are refused before they run", async () => {
    const page = `userUsage(period: $p, first: 200) { ... on QueryUserUsageSuccess { data { nodes { userId name email assistantsToMessages { key count } projectsToMessages { key count } modelToMessagesTotal { key count } actionToMessages { key count } } } } }`;
    const heavy = await graphql(url, exportA, `query($p: PeriodInput!) { a: ${page} b: ${page} c: ${page} }`, { p: FIXTURE_PERIOD });
    expect(heavy.body.errors[0].message).toMatch(/^Query exceeds maximum complexity \(complexity: \d+, max: 30000\)$/);
    const wide = await graphql(url, exportA, `{ ${Array.from({ length: 121 }, (_, i) => `w${i}: workspace { id }`).join(" ")} }`);
    expect(wide.body.errors[0].message).toMatch(/breadth/);
  });
});

describe("GraphQL createExport", () => {
  const CREATE = `mutation($input: CreateExportInput!) { createExport(input: $input) {
    ... on AppError { code message }
    ... on MutationCreateExportSuccess { data { filePath downloadUrl dataType recordCount dateRange { from to } } }
  } }`;

  test("renders the CSV and returns a signed link that downloads the same bytes", async () => {
    const { body } = await graphql(url, exportA, CREATE, { input: { dataType: "ASSISTANTS", period: FIXTURE_PERIOD } });
    const data = body.data.createExport.data;
    expect(data).toMatchObject({
      dataType: "ASSISTANTS",
      recordCount: 3,
      dateRange: { from: "2026-10-01T00:00:00.000Z", to: "2026-10-31T23:59:59.999Z" },
    });
    expect(data.filePath).toMatch(/^assistants-usage\/ws_a\/assistants-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\.csv$/);
    expect(data.downloadUrl.startsWith(`http://exports.test/downloads/${data.filePath}?expires=`)).toBe(true);
    const local = new URL(data.downloadUrl);
    const res = await fetch(`${url}${local.pathname}${local.search}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${data.filePath.split("/").pop()}"`);
    expect(await res.text()).toBe(await readFile(`${app.exportDir}/${data.filePath}`, "utf8"));

    // Change the signature's first character (to "0" it was a no-op 1 time in 16).
    const forged = local.search.replace(/signature=(.)/, (_m, c: string) => `signature=${c === "0" ? "1" : "0"}`);
    const tampered = await fetch(`${url}${local.pathname}${forged}`);
    expect([tampered.status, await tampered.json()]).toEqual([
      403,
      { error: "Forbidden", message: "The download link signature is invalid" },
    ]);
    const otherFile = await fetch(`${url}${local.pathname.replace("ws_a", "ws_b")}${local.search}`);
    expect(otherFile.status).toBe(403);
    const traversal = await fetch(`${url}/downloads/..%2F..%2Fsigning-secret?expires=9999999999&signature=00`);
    expect(traversal.status).toBe(403);
  });

  test("an expired link is refused", async () => {
    const { body } = await graphql(url, exportA, CREATE, { input: { dataType: "PROJECTS", period: FIXTURE_PERIOD } });
    const link = new URL(body.data.createExport.data.downloadUrl);
    const later = testApp(db, { now: new Date(FIXTURE_NOW.getTime() + 3601_000) });
    const laterUrl = await startTestServer({ ...later, files: app.files });
    const res = await fetch(`${laterUrl}${link.pathname}${link.search}`);
    expect([res.status, await res.json()]).toEqual([403, { error: "Forbidden", message: "The download link has expired" }]);
  });

  test("a period without any usage is NO_DATA, and nothing is written", async () => {
    const { body } = await graphql(url, exportA, CREATE, {
      input: { dataType: "USERS", period: { from: { date: "2026-06-01", timezone: "UTC" }, to: { date: "2026-06-30", timezone: "UTC" } } },
    });
    expect(body.data.createExport).toEqual({ code: "NO_DATA", message: "No usage data found for the selected period" });
  });

  test("projects have no subgroups", async () => {
    const { body } = await graphql(url, exportA, CREATE, { input: { dataType: "PROJECTS", period: FIXTURE_PERIOD, groupBy: "MODEL" } });
    expect(body.data.createExport).toEqual({ code: "BAD_REQUEST", message: "group_by is not available for projects" });
  });
});

describe("GraphQL workspace settings", () => {
  const UPDATE = `mutation($input: WorkspaceSettingsInput!) { updateWorkspaceSettings(input: $input) {
    ... on AppError { code problems } ... on MutationUpdateWorkspaceSettingsSuccess { data { userLevelData timezone } } } }`;

  test("only admin keys may change settings, and bad values are all named", async () => {
    expect((await graphql(url, exportA, UPDATE, { input: { userLevelData: false } })).body.data.updateWorkspaceSettings.code).toBe(
      "FORBIDDEN",
    );
    const admin = await key("ws_a", "admin");
    expect(
      (await graphql(url, admin, UPDATE, { input: { timezone: "Atlantis/Capital", firstWeekday: 7, name: " " } })).body.data
        .updateWorkspaceSettings,
    ).toEqual({
      code: "BAD_REQUEST",
      problems: [
        "name: must not be empty",
        'timezone: "Atlantis/Capital" is not a known IANA time zone',
        "firstWeekday: must be 0 (Sunday) to 6 (Saturday)",
      ],
    });
  });

  test("a settings change that selects only __typename is applied", async () => {
    await db.prisma.workspace.create({ data: { id: "ws_d", name: "d" } });
    const admin = await key("ws_d", "admin");
    const { body } = await graphql(url, admin, `mutation { updateWorkspaceSettings(input: { name: "Dee" }) { __typename } }`);
    expect(body).toEqual({ data: { updateWorkspaceSettings: { __typename: "MutationUpdateWorkspaceSettingsSuccess" } } });
    expect((await db.prisma.workspace.findUniqueOrThrow({ where: { id: "ws_d" } })).name).toBe("Dee");
  });

  test("turning user-level data off hides names from then on", async () => {
    await db.prisma.workspace.create({ data: { id: "ws_c", name: "c" } });
    await createSmallWorkspaceCopy();
    const admin = await key("ws_c", "admin");
    expect((await graphql(url, admin, UPDATE, { input: { userLevelData: false } })).body.data.updateWorkspaceSettings).toEqual({
      data: { userLevelData: false, timezone: "UTC" },
    });
    const node = (await users(admin)).body.data.userUsage.data.nodes[0];
    expect([node.name, node.email]).toEqual([null, null]);
  });

  test("the workspace lists its presets' concrete dates and valid subgroups", async () => {
    const q = `{ workspace { presets { preset startDate endDate } models: groupByOptions(dataType: MODELS) projects: groupByOptions(dataType: PROJECTS) } }`;
    expect((await graphql(url, exportB, q)).body.data.workspace).toEqual({
      presets: [
        { preset: "THIS_MONTH", startDate: "2026-11-01", endDate: "2026-11-30" },
        { preset: "LAST_MONTH", startDate: "2026-10-01", endDate: "2026-10-31" },
        { preset: "THIS_WEEK", startDate: "2026-11-15", endDate: "2026-11-21" },
        { preset: "LAST_WEEK", startDate: "2026-11-08", endDate: "2026-11-14" },
      ],
      models: ["SOURCE"],
      projects: [],
    });
  });
});

/** ws_c: one user with a name and one message in the fixture period. */
async function createSmallWorkspaceCopy() {
  await db.prisma.directoryVersion.create({
    data: {
      workspaceId: "ws_c",
      kind: "user",
      entityId: "u1",
      effectiveAt: new Date("2025-01-01T00:00:00Z"),
      attrs: { name: "Zed", email: "zed@c.test" },
    },
  });
  await ensureUsagePartitions(db, ["2026-10-01"]);
  await db.prisma.usageRecord.create({
    data: {
      workspaceId: "ws_c",
      kind: "message",
      id: "m1",
      occurredAt: new Date("2026-10-02T00:00:00Z"),
      userId: "u1",
      surface: "chat",
      model: "gpt-4o",
      modelRaw: "gpt-4o",
      provider: "openai",
      source: "WEB",
    },
  });
}
