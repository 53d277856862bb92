import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import type { AccessKey, Workspace } from "../../src/generated/prisma/client.ts";
import { responseCache } from "../../src/http/graphql-response-cache.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { responseCacheLookups } from "../../src/metrics/registry.ts";
import type { AppContext } from "../../src/runtime/context.ts";
import { schema } from "../../src/schema/index.ts";
import { FOLLOWS_DATA_VERSION, followsDataVersion } from "../../src/schema/response-cache-hint.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD, u3Message } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
const url = await startTestServer(app);
await createSmallWorkspace(db, { id: "ws_a", byok: true });
await createSmallWorkspace(db, { id: "ws_b", userLevelData: false });
const key = async (workspaceId: string, role: "admin" | "export" | "ingest") => (await createAccessKey(db, { workspaceId, role })).apiKey;
const exportA = await key("ws_a", "export");
const adminA = await key("ws_a", "admin");
const ingestA = await key("ws_a", "ingest");
const exportB = await key("ws_b", "export");

const USERS = `query Users($period: PeriodInput!) { userUsage(period: $period, first: 10) {
  __typename
  ... on AppError { code message }
  ... on QueryUserUsageSuccess { data { totalCount nodes { userId name messagesTotal } } }
} }`;

/** The response body as sent, byte for byte. */
async function post(apiKey: string, query: string, variables: object = { period: FIXTURE_PERIOD }): Promise<string> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  expect(res.status).toBe(200);
  return res.text();
}

/** Hits and misses counted since the last call. */
const lookups = (() => {
  let seen = { hit: 0, miss: 0 };
  return async () => {
    const values = (await responseCacheLookups.get()).values;
    const now = { hit: 0, miss: 0 };
    for (const v of values) if (v.labels.result === "hit" || v.labels.result === "miss") now[v.labels.result] = v.value;
    const delta = { hit: now.hit - seen.hit, miss: now.miss - seen.miss };
    seen = now;
    return delta;
  };
})();

const u3Total = (body: string) =>
  JSON.parse(body).data.userUsage.data.nodes.find((n: { userId: string }) => n.userId === "u3")?.messagesTotal;

describe("the GraphQL response cache", () => {
  test("keeps only the usage reads and the workspace: keys, export jobs and subscriptions change without a new data version", () => {
    const fields = Object.values(schema.getQueryType()?.getFields() ?? {});
    expect(
      fields
        .filter((f) => followsDataVersion(f))
        .map((f) => f.name)
        .sort(),
    ).toEqual([
      "agentUsage",
      "apiKeyUsage",
      "modelUsage",
      "projectUsage",
      "usageSeries",
      "usageSummary",
      "usageTimeSeries",
      "userUsage",
      "workspace",
    ]);
    expect(
      fields
        .filter((f) => !followsDataVersion(f))
        .map((f) => f.name)
        .sort(),
    ).toEqual(["accessKeys", "exportJob", "reportSubscriptions"]);
  });

  test("a repeated read is answered from the cache, byte for byte, until an ingest moves the data version", async () => {
    await lookups();
    const first = await post(exportA, USERS);
    expect(await post(exportA, USERS)).toBe(first);
    expect(await lookups()).toEqual({ hit: 1, miss: 1 });
    expect(u3Total(first)).toBe(0);

    expect((await ingestRecords(db, "ws_a", [u3Message("cache-1")])).accepted).toBe(1);
    const after = await post(exportA, USERS);
    expect(u3Total(after)).toBe(1);
    expect(await post(exportA, USERS)).toBe(after);
    expect(await lookups()).toEqual({ hit: 1, miss: 1 });
  });

  test("entries are never shared across workspaces or roles", async () => {
    await post(exportA, USERS);
    const b = JSON.parse(await post(exportB, USERS)).data.userUsage.data.nodes;
    expect(b.map((n: { name: string | null }) => n.name)).toEqual([null, null, null]);
    expect(JSON.parse(await post(ingestA, USERS)).data.userUsage).toEqual({
      __typename: "AppError",
      code: "FORBIDDEN",
      message: 'This API key\'s role "ingest" may not query usage',
    });
    await lookups();
    // Another role of the same workspace has an entry of its own (the same answer, here).
    expect(await post(adminA, USERS)).toBe(await post(exportA, USERS));
    expect(await lookups()).toEqual({ hit: 1, miss: 1 });
  });

  test("a settings change shows at once", async () => {
    const NAMES = ["Alice Admin", '=HYPERLINK("x")', "Carol"];
    const names = async () => JSON.parse(await post(exportA, USERS)).data.userUsage.data.nodes.map((n: { name: string | null }) => n.name);
    expect(await names()).toEqual(NAMES);
    const off = `mutation { updateWorkspaceSettings(input: { userLevelData: false }) { __typename } }`;
    expect(JSON.parse(await post(adminA, off, {})).data.updateWorkspaceSettings.__typename).toBe("MutationUpdateWorkspaceSettingsSuccess");
    expect(await names()).toEqual([null, null, null]);
    const on = `mutation { updateWorkspaceSettings(input: { userLevelData: true }) { __typename } }`;
    await post(adminA, on, {});
    expect(await names()).toEqual(NAMES);
  });

  test("an operation holding a field that does not follow the data version, or a mutation, is never kept", async () => {
    const mixed = `query($period: PeriodInput!) {
      userUsage(period: $period, first: 1) { __typename }
      accessKeys { __typename }
    }`;
    await lookups();
    const first = await post(adminA, mixed);
    expect(await post(adminA, mixed)).toBe(first);
    const mutation = `mutation { updateWorkspaceSettings(input: { name: "Acme" }) { __typename } }`;
    await post(adminA, mutation, {});
    await post(adminA, mutation, {});
    expect(await lookups()).toEqual({ hit: 0, miss: 0 });
  });
});

describe("the response cache plugin on a schema of its own", () => {
  const workspace: Workspace = {
    id: "ws_x",
    name: "X",
    timezone: "UTC",
    firstWeekday: 1,
    byok: false,
    userLevelData: true,
    createdAt: new Date("2026-01-01T00:00:00Z"),
    dataVersion: 7,
  };
  const accessKey: AccessKey = {
    id: "k",
    workspaceId: "ws_x",
    name: "k",
    role: "export",
    hash: "h",
    prefix: "p",
    createdAt: new Date("2026-01-01T00:00:00Z"),
    revokedAt: null,
  };
  let clock = new Date("2026-11-15T11:59:00Z");
  let runs = 0;
  let failNext = false;
  const plainApp: AppContext = { ...app, now: () => clock };
  const yoga = createYoga<{ app: AppContext; key: AccessKey; workspace: Workspace }>({
    schema: createSchema({
      typeDefs: "type Query { counted: Int! other: Int! }",
      resolvers: {
        Query: {
          counted: () => {
            runs++;
            if (failNext) throw new Error("database went away");
            return runs;
          },
          other: () => 0,
        },
      },
    }),
    logging: false,
    maskedErrors: false,
    plugins: [
      responseCache(),
      {
        // The schema's field marked as usage fields are (Pothos puts `extensions` here too).
        onSchemaChange: ({ schema }) => {
          const field = schema.getQueryType()?.getFields().counted;
          if (field) Object.assign(field, { extensions: FOLLOWS_DATA_VERSION });
        },
      },
    ],
  });
  const ask = async (query: string, ws: Workspace = workspace) => {
    const res = await yoga.fetch(
      "http://test/graphql",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) },
      { app: plainApp, key: accessKey, workspace: ws },
    );
    return res.json();
  };

  test("an answer with errors is not kept; the next request runs again", async () => {
    failNext = true;
    expect((await ask("{ counted }")).errors[0].message).toBe("database went away");
    failNext = false;
    const ok = await ask("{ counted }");
    expect(ok).toEqual({ data: { counted: 2 } });
    expect(await ask("{ counted }")).toEqual({ data: { counted: 2 } });
    expect(runs).toBe(2);
  });

  test("a new quarter hour, a new data version or a root fragment runs the operation again", async () => {
    runs = 0;
    clock = new Date("2026-11-15T12:14:59Z");
    expect(await ask("{ counted }")).toEqual({ data: { counted: 1 } });
    clock = new Date("2026-11-15T12:00:00Z");
    expect(await ask("{ counted }")).toEqual({ data: { counted: 1 } });
    // 12:15 UTC is midnight in Kathmandu (+05:45): a preset there names another day.
    clock = new Date("2026-11-15T12:15:00Z");
    expect(await ask("{ counted }")).toEqual({ data: { counted: 2 } });
    expect(await ask("{ counted }", { ...workspace, dataVersion: 8 })).toEqual({ data: { counted: 3 } });
    expect(await ask("{ ... on Query { counted } }")).toEqual({ data: { counted: 4 } });
    expect(await ask("{ ... on Query { counted } }")).toEqual({ data: { counted: 5 } });
    expect(await ask("{ counted other }")).toEqual({ data: { counted: 6, other: 0 } });
    expect(await ask("{ counted other }")).toEqual({ data: { counted: 7, other: 0 } });
  });
});
